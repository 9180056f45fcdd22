/**
 * The error corpus: every file under `corpus/` is a wrong (or warning-only) model that says,
 * in its header, exactly which diagnostics it must produce, in order:
 *
 *   // expect: E202 13:12 "text in the message" "text in the hint"
 *   // dim: H=128            (a --dim override to check the file with)
 *
 * The file is checked the way `rnnc check` does it (`loadModel`), and the diagnostics must be
 * exactly those: same codes, same line:col, same order, nothing more.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../../compiler/cli/load.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { diagnosticCodes } from "../../../grammar/diagnostic-codes.js";
import { startOf } from "../../../grammar/source-range.js";

const dir = "tests/compiler/front/corpus";
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".rnn"))
  .sort();

interface Expectation {
  code: string;
  line: number;
  column: number;
  /** Must occur in the message. */
  message?: string;
  /** Must occur in the hint. */
  hint?: string;
}

function expectations(text: string): { expected: Expectation[]; dims: string[] } {
  const expected: Expectation[] = [];
  const dims: string[] = [];
  for (const line of text.split("\n")) {
    const e = /^\/\/ expect: ([EW]\d{3}) (\d+):(\d+)((?: "(?:[^"\\]|\\.)*")*)\s*$/.exec(line);
    if (e) {
      const quoted = [...e[4]!.matchAll(/"(?:[^"\\]|\\.)*"/g)].map((m) => JSON.parse(m[0]) as string);
      expected.push({
        code: e[1]!,
        line: Number(e[2]),
        column: Number(e[3]),
        ...(quoted[0] ? { message: quoted[0] } : {}),
        ...(quoted[1] ? { hint: quoted[1] } : {}),
      });
      continue;
    }
    if (line.startsWith("// expect")) throw new Error(`malformed expectation: ${line}`);
    const d = /^\/\/ dim: (.*)$/.exec(line);
    if (d) dims.push(d[1]!);
  }
  return { expected, dims };
}

const position = (d: Diagnostic) => `${d.code} ${startOf(d.range).line}:${startOf(d.range).column}`;

describe("error corpus", () => {
  it("has at least 35 wrong models", () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
  });

  for (const name of files) {
    it(name, () => {
      const path = join(dir, name);
      const text = readFileSync(path, "utf8");
      const { expected, dims } = expectations(text);
      expect(expected.length, "a corpus file states what it expects").toBeGreaterThan(0);

      const { result } = loadModel(path, dims);
      expect(result.diagnostics.map(position)).toEqual(expected.map((e) => `${e.code} ${e.line}:${e.column}`));
      result.diagnostics.forEach((d, i) => {
        const e = expected[i]!;
        if (e.message) expect(d.message).toContain(e.message);
        if (e.hint) expect(d.hint ?? "").toContain(e.hint);
      });
      // The checker gives a model exactly when the file has no error. (With a bad --dim the
      // file is still checked with the overrides that were valid; `rnnc check` fails on it.)
      if (dims.length === 0)
        expect(result.model === undefined).toBe(result.diagnostics.some((d) => d.severity === "error"));
    });
  }
});

describe("diagnostic codes", () => {
  const corpusCodes = new Set(
    files.flatMap((f) => expectations(readFileSync(join(dir, f), "utf8")).expected.map((e) => e.code)),
  );
  /** The compiler's codes; the language server's own (LSP...) have no model file that produces them. */
  const compilerCodes = Object.keys(diagnosticCodes).filter((code) => !code.startsWith("LSP"));

  it("every example message and hint in docs/diagnostics.md is one the corpus produces", () => {
    const produced = files.flatMap((f) => {
      const path = join(dir, f);
      return loadModel(path, expectations(readFileSync(path, "utf8")).dims).result.diagnostics;
    });
    const messages = new Set(produced.map((d) => `${d.severity}[${d.code}]: ${d.message}`));
    const hints = new Set(produced.flatMap((d) => (d.hint ? [d.hint] : [])));
    const doc = readFileSync("docs/diagnostics.md", "utf8");
    const documentedMessages = [...doc.matchAll(/^((?:error|warning)\[[EW]\d{3}\]: .*)$/gm)].map((m) => m[1]!);
    const documentedHints = [...doc.matchAll(/^ {5}= hint: (.*)$/gm)].map((m) => m[1]!);
    expect(documentedMessages.length).toBeGreaterThan(50);
    expect(documentedMessages.filter((m) => !messages.has(m))).toEqual([]);
    expect(documentedHints.filter((h) => !hints.has(h))).toEqual([]);
  });

  it("every compiler code of the catalogue is exercised by the corpus", () => {
    expect(compilerCodes.length).toBeGreaterThanOrEqual(31);
    expect(compilerCodes.filter((c) => !corpusCodes.has(c)).sort()).toEqual([]);
  });
});
