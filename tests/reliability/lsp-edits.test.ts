/**
 * The language server under random edits: each edit followed by random requests at random
 * places. Every request must be answered (a result, or a refusal such as "cannot be
 * renamed"; never an internal error, never silence), and at the end the server's view of the
 * text, seen through its diagnostics, must be the client's: incremental sync lost nothing.
 * Then keystrokes typed into a large model, most of which the server analyses from the
 * version before (compiler/lsp/incremental.ts): the diagnostics published for every version
 * must be those of an analysis of its whole text.
 *
 * The budget is fixed for CI (150 edits per example, from one seed); RNNC_FUZZ_RUNS sets the
 * edits per example and RNNC_FUZZ_SEED another seed (docs/reliability.md). Every failure
 * names its seed and edit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import * as P from "vscode-languageserver-protocol/node.js";
import { analyze } from "../../compiler/frontend.js";
import { Doc, fileUri, LspClient, repoRoot } from "../../bench/support/lsp-client.js";
import { generatedModel } from "../../bench/support/generated-model.js";
import { Analysis } from "../../compiler/lsp/analysis.js";
import { toLspDiagnostics } from "../../compiler/lsp/diagnostics.js";
import { random } from "../support/random.js";

const seed = Number(process.env["RNNC_FUZZ_SEED"] ?? 20_250_601);
const editsPerDocument = Number(process.env["RNNC_FUZZ_RUNS"] ?? 150);

const snippets = [
  "param ",
  "state ",
  "cell ",
  "gate ",
  "loss ",
  "dim ",
  "input ",
  "target ",
  "model ",
  " at ",
  " each",
  " last",
  "= ",
  ": ",
  "[t-1]",
  "[t-2]",
  "[t+1]",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  ", ",
  " @ ",
  " + ",
  " * ",
  " - ",
  "/",
  "tanh(",
  "softmax(",
  "lstm(x, size = H)",
  "gru(",
  "cross_entropy(o, y)",
  "reduce = ",
  "zeros",
  "learned",
  "uniform(-1, 1)",
  "h",
  "W",
  "x",
  "H",
  "h.c",
  "h.W_i",
  "1e3",
  "0.5",
  "\n",
  "\n  ",
  "\r\n",
  "\t",
  "//",
  "/*",
  "*/",
  "é",
  "𝛼",
  "\u0000",
  "\uFFFF",
  "\uD800",
];

let client: LspClient;
beforeAll(async () => {
  ({ client } = await LspClient.start({ snippets: true }));
});
afterAll(() => client?.kill());

test(`${editsPerDocument} random edits per example, each followed by random requests`, async () => {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const failures: string[] = [];
  let answered = 0;

  for (const name of ["elman.rnn", "lstm.rnn", "stacked.rnn", "lstm-gates.rnn"]) {
    const path = join(repoRoot, "examples", name);
    const d = new Doc(fileUri(path), readFileSync(path, "utf8"));
    await client.open(d);
    for (let i = 0; i < editsPerDocument; i++) {
      const from = d.addressable(Math.floor(next() * (d.text.length + 1)));
      const op = next();
      const to = op < 0.35 ? from : d.addressable(Math.min(d.text.length, from + Math.floor(next() * 12)));
      const insert = op < 0.85 ? pick(snippets) : String.fromCharCode(Math.floor(next() * 0x3000));
      await client.edit(d, { start: d.positionAt(from), end: d.positionAt(to) }, op < 0.6 || op >= 0.85 ? insert : "");

      const position = d.positionAt(Math.floor(next() * (d.text.length + 1)));
      const requests: [string, () => Promise<unknown>][] = [
        ["hover", () => client.hover(d, position)],
        ["definition", () => client.definition(d, position)],
        ["references", () => client.references(d, position)],
        ["completion", () => client.completion(d, position)],
        ["signatureHelp", () => client.signatureHelp(d, position)],
        ["prepareRename", () => client.prepareRename(d, position)],
        ["rename", () => client.rename(d, position, pick(["z", "W", "h", "param", "tanh", "q.r"]))],
        ["documentSymbol", () => client.symbols(d)],
        ["formatting", () => client.formatting(d)],
      ];
      for (const [what, send] of [pick(requests), pick(requests)]) {
        try {
          await send();
          answered++;
        } catch (e) {
          if (e instanceof P.ResponseError && e.code === P.LSPErrorCodes.RequestFailed) answered++;
          else
            failures.push(
              `RNNC_FUZZ_SEED=${seed}: ${name} edit ${i} ${what} at ${JSON.stringify(position)}: ${e instanceof Error ? e.message : String(e)}`,
            );
        }
      }
    }
    // The server saw the same text: its diagnostics are the front end's on the client's text.
    const published = await client.diagnostics(d);
    const expected = analyze(d.text).diagnostics.slice(0, 1000);
    const after = `RNNC_FUZZ_SEED=${seed}: ${name} after ${editsPerDocument} edits`;
    expect(
      published.map((x) => x.code),
      after,
    ).toEqual(expected.map((x) => x.code));
    expect(
      published.map((x) => x.range.start),
      after,
    ).toEqual(expected.map((x) => d.positionAt(x.range.startOffset)));
    await client.close(d);
  }
  expect(failures).toEqual([]);
  expect(answered).toBe(4 * editsPerDocument * 2);
  expect(client.child.exitCode).toBeNull();
});

test(`${editsPerDocument} keystrokes into a generated model, each version's diagnostics those of its whole text`, async () => {
  // Diagnostics at once after each change, so every version is published and compared.
  const { client: typist } = await LspClient.start({ initializationOptions: { diagnosticsDelay: 0 } });
  try {
    const next = random(seed + 1);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const d = new Doc("file:///typed.rnn", generatedModel(100));
    await typist.open(d);
    await typist.diagnostics(d, 60_000);
    /** What is typed: into an equation after `tanh(`, or on a new line after an item. */
    const typed = ["0 + ", "W3 @ h2 + ", "b7 * ", "(h1[t-1]) + ", "h9 + "];
    const written = ["\n  // a comment", "\n", "  /* note */"];
    let keystrokes = 0;
    while (keystrokes < editsPerDocument) {
      const inEquation = next() < 0.7;
      const layer = Math.floor(next() * 100);
      let at = d.offsetAt(inEquation ? d.after(`h${layer} = tanh(`) : d.after(`state h${layer} : [H] = zeros`));
      const text = pick(inEquation ? typed : written);
      const keys = [...text];
      for (const key of keys) {
        await typist.edit(d, { start: d.positionAt(at), end: d.positionAt(at) }, key);
        at += key.length;
        keystrokes++;
        const published = await typist.diagnostics(d, 60_000);
        expect(published, `RNNC_FUZZ_SEED=${seed}: keystroke ${keystrokes}`).toEqual(
          toLspDiagnostics(new Analysis(d.text, d.version), d.uri),
        );
      }
      // Taken back now and then, a key at a time, so the model does not drift far from one that checks.
      if (next() < 0.5)
        for (const key of keys.reverse()) {
          await typist.edit(d, { start: d.positionAt(at - key.length), end: d.positionAt(at) }, "");
          at -= key.length;
          keystrokes++;
          expect(await typist.diagnostics(d, 60_000), `RNNC_FUZZ_SEED=${seed}: keystroke ${keystrokes}`).toEqual(
            toLspDiagnostics(new Analysis(d.text, d.version), d.uri),
          );
        }
    }
  } finally {
    typist.kill();
  }
});
