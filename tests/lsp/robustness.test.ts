/**
 * The server never crashes or hangs, whatever the text: binary garbage, nesting deeper than
 * the front end can recurse, files over the size limit, a 10,000-line model, malformed
 * requests. Errors inside a request come back as protocol errors, and the next request is
 * answered as usual.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as P from "vscode-languageserver-protocol/node.js";
import { Doc, LspClient } from "../../bench/support/lsp-client.js";
import { generatedModel } from "../../bench/support/generated-model.js";

let client: LspClient;

beforeAll(async () => {
  ({ client } = await LspClient.start({ initializationOptions: { maxFileSize: 1_000_000 } }));
});

afterAll(() => client?.kill());

/** Every kind of request at one position: each must be answered (a result or a protocol error). */
async function everyRequest(doc: Doc, position: P.Position): Promise<void> {
  const settled = await Promise.allSettled([
    client.hover(doc, position),
    client.definition(doc, position),
    client.references(doc, position),
    client.completion(doc, position),
    client.signatureHelp(doc, position),
    client.prepareRename(doc, position),
    client.symbols(doc),
    client.formatting(doc),
  ]);
  for (const s of settled) {
    if (s.status === "rejected") {
      expect(s.reason, String(s.reason)).toBeInstanceOf(P.ResponseError);
      expect((s.reason as P.ResponseError<unknown>).code).toBe(P.LSPErrorCodes.RequestFailed);
    }
  }
}

describe("texts that are not models", () => {
  test("binary garbage", async () => {
    const d = new Doc("file:///mem/garbage.rnn", randomBytes(60_000).toString("latin1"));
    await client.open(d);
    const diagnostics = await client.diagnostics(d);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.length).toBeLessThanOrEqual(1001);
    for (let i = 0; i < 5; i++) await everyRequest(d, d.positionAt(Math.floor((i / 5) * d.text.length)));
    await client.close(d);
  });

  test("an expression nested deeper than the front end can recurse", async () => {
    const d = new Doc(
      "file:///mem/deep.rnn",
      `model M {\n  dim H = 2\n  h = ${"(".repeat(30_000)}x${")".repeat(30_000)}\n}\n`,
    );
    await client.open(d);
    const diagnostics = await client.diagnostics(d);
    expect(diagnostics.map((x) => x.code)).toEqual(["E003"]);
    expect(diagnostics[0]!.message).toContain("nested too deeply");
    await everyRequest(d, d.pos("dim H"));
    await everyRequest(d, d.pos("x"));
    expect(await client.formatting(d)).toEqual([]);
    await client.close(d);
  });

  test("a file over the size limit is not analysed, and says so", async () => {
    const d = new Doc("file:///mem/huge.rnn", generatedModel(4_000) + `// ${"x".repeat(1_000_000)}\n`);
    await client.open(d);
    const diagnostics = await client.diagnostics(d);
    expect(diagnostics.map((x) => [x.code, x.severity])).toEqual([["LSP001", P.DiagnosticSeverity.Warning]]);
    await everyRequest(d, d.pos("param W10 "));
    await client.close(d);
  });

  test("half-typed models at every prefix of an example", async () => {
    const full =
      "model M {\n  dim H = 4\n  input x : [H]\n  cell h = lstm(x, size = H)\n  param V : [2, H]\n  o = softmax(V @ h[t-1])\n  loss cross_entropy(o, y, reduce = sum) at each\n}\n";
    const d = new Doc("file:///mem/prefix.rnn", "");
    await client.open(d);
    for (let n = 1; n <= full.length; n += 3) {
      await client.edit(d, { start: { line: 0, character: 0 }, end: d.positionAt(d.text.length) }, full.slice(0, n));
      await everyRequest(d, d.positionAt(n));
    }
    expect((await client.diagnostics(d)).length).toBeGreaterThan(0);
    await client.close(d);
  });
});

describe("a 10,000-line model", () => {
  test("is analysed, and hover answers", async () => {
    const d = new Doc("file:///mem/big.rnn", generatedModel(2_000));
    expect(d.text.split("\n").length).toBeGreaterThanOrEqual(10_000);
    await client.open(d);
    const diagnostics = await client.diagnostics(d, 30_000);
    expect(diagnostics.filter((x) => x.severity === P.DiagnosticSeverity.Error)).toEqual([]);
    const text = await client.hoverText(d, d.pos("h1999 = tanh"));
    expect(text).toContain("**state** `h1999` : `[H] = [16]`");
    expect(await client.hoverText(d, d.pos("Big"))).toContain("6,001 parameters");
    await client.close(d);
  });
});

describe("requests that are themselves wrong", () => {
  test("a malformed request is answered with an error, and the server goes on", async () => {
    const d = new Doc("file:///mem/ok.rnn", "model M {\n  dim H = 4\n}\n");
    await client.open(d);
    await expect(client.raw("textDocument/hover", { textDocument: { uri: d.uri } })).rejects.toBeInstanceOf(
      P.ResponseError,
    );
    await expect(client.raw("textDocument/hover", null)).rejects.toBeInstanceOf(P.ResponseError);
    await expect(client.raw("rnnc/noSuchMethod", {})).rejects.toMatchObject({ code: P.ErrorCodes.MethodNotFound });
    expect(await client.hoverText(d, d.pos("H ="))).toContain("**dim** `H` = **4**");
    await client.close(d);
  });

  test("a document that was never opened gives empty answers", async () => {
    const d = new Doc("file:///mem/never-opened.rnn", "model M {}");
    expect(await client.hover(d, { line: 0, character: 7 })).toBeNull();
    expect(await client.formatting(d)).toEqual([]);
    expect(await client.completion(d, { line: 0, character: 0 })).toEqual([]);
  });

  test("positions past the end of the document", async () => {
    const d = new Doc("file:///mem/short.rnn", "model M {\n  dim H = 4\n}\n");
    await client.open(d);
    await everyRequest(d, { line: 999, character: 999 });
    await everyRequest(d, { line: 1, character: 999 });
    await client.close(d);
  });
});

describe("the process", () => {
  test("exits when the editor closes its stdin, without shutdown", async () => {
    const { client: other } = await LspClient.start();
    other.child.stdin.end();
    const code = await Promise.race([other.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    expect(code).not.toBe("timeout");
    other.kill();
  });
});
