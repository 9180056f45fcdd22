/**
 * The parser says whether a file may hold the lecture's notation (`ParseResult.notation`), and
 * `analyze` skips the notation pass (grammar/notation.ts) when it does not. So every form that
 * pass rewrites or reports sets it, and a file that does not set it is one the pass leaves as
 * it is: the same model, no diagnostic. A new form taught to the pass and not to the AST
 * builder fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { canonicalNotation } from "../../grammar/notation.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";

const model = (equations: string) => `model M {
  dim D = 3
  dim H = 4
  input x : [D]
  param W : [H, H]
  param U : [H, D]
  state h : [H] = zeros
  ${equations}
}`;

describe("whether a file may hold the lecture's notation", () => {
  it.each([
    ["an equation's name indexed by its step", "h[t] = tanh(W @ h[t-1] + U @ x)"],
    ["an equation's name indexed other than [t] (E302)", "h[t-1] = tanh(W @ h[t-1] + U @ x)"],
    ["a read at the current step", "h = tanh(W @ h[t-1] + U @ x[t])"],
    ["σ for sigmoid", "h = σ(W @ h[t-1] + U @ x)"],
    ["· for @", "h = tanh(W · h[t-1] + U @ x)"],
    ["⊙ for *", "h = tanh(W @ h[t-1] + U @ x) ⊙ h[t-1]"],
  ])("is set by %s", (_, equation) => {
    expect(parse(model(equation)).notation).toBe(true);
  });

  it("is not set by the canonical syntax alone", () => {
    expect(parse(model("h = tanh(W @ h[t-1] + U @ x) * sigmoid(h[t-1])")).notation).toBe(false);
  });

  const files = ["examples", "tests", "docs"].flatMap((dir) =>
    readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((path) => path.endsWith(".rnn"))
      .map((path) => join(dir, path)),
  );

  const withNotation = files.filter((f) => parse(readFileSync(f, "utf8")).notation);
  const plain = files.filter((f) => !withNotation.includes(f));

  it("is set by the repository's files in the lecture's notation, and not by the others", () => {
    expect(withNotation.length).toBeGreaterThan(0);
    expect(plain.length).toBeGreaterThan(0);
  });

  it.each(plain)("is not set by %s, which the notation pass leaves as it is", (file) => {
    for (const m of parse(readFileSync(file, "utf8")).file.models) {
      const diagnostics: Diagnostic[] = [];
      expect(canonicalNotation(m, diagnostics)).toBe(m);
      expect(diagnostics).toEqual([]);
    }
  });
});
