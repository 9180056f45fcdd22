/**
 * What the front end's fuzzing and property tests share: the checks every input must pass
 * (nothing thrown, every diagnostic inside the text, formatting stable) and the mutations
 * that make inputs nobody wrote by hand from ones somebody did.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { formatFile } from "../../compiler/format/format.js";
import { renderDiagnostics } from "../../compiler/diagnostics/render.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { parse } from "../../grammar/parse.js";
import { endOf, startOf } from "../../grammar/source-range.js";
import { shapeOfFile, writtenShapeOfFile } from "../compiler/front/helpers.js";

/** A diagnostic's range lies inside the text and agrees with itself. */
export function wellPlaced(d: Diagnostic, text: string): boolean {
  const lines = text.split(/\r\n|\r|\n/).length;
  const [start, end] = [startOf(d.range), endOf(d.range)];
  return (
    start.line >= 1 &&
    start.line <= lines &&
    start.column >= 1 &&
    start.offset >= 0 &&
    start.offset <= text.length &&
    end.offset >= start.offset &&
    end.offset <= text.length + 1 &&
    /^[EW]\d{3}$/.test(d.code) &&
    d.message.length > 0
  );
}

/** The whole front end on a text: nothing may throw, every diagnostic must point inside it. */
export function survives(text: string): void {
  const parsed = parse(text);
  for (const d of parsed.diagnostics) expect(wellPlaced(d, text), `${d.code} ${JSON.stringify(d.range)}`).toBe(true);
  const result = analyze(text);
  for (const d of result.diagnostics)
    expect(wellPlaced(d, text), `${d.code} ${d.message} ${JSON.stringify(d.range)}`).toBe(true);
  expect(typeof renderDiagnostics(result.diagnostics, text, { fileName: "f.rnn" })).toBe("string");
  // An error-free analysis gives a model, and only then.
  expect(result.model !== undefined).toBe(!result.diagnostics.some((d) => d.severity === "error"));
}

/**
 * fmt keeps the meaning and the comments, and formatting its own output changes nothing; with
 * --keep-notation it keeps the AST exactly as written.
 */
export function formatsStably(text: string): void {
  const parsed = parse(text);
  expect(parsed.diagnostics).toEqual([]);
  const once = formatFile(parsed.file);
  const reparsed = parse(once);
  expect(reparsed.diagnostics).toEqual([]);
  expect(shapeOfFile(reparsed.file)).toEqual(shapeOfFile(parsed.file));
  expect(formatFile(reparsed.file)).toBe(once);
  const kept = parse(formatFile(parsed.file, { keepNotation: true }));
  expect(kept.diagnostics).toEqual([]);
  expect(writtenShapeOfFile(kept.file)).toEqual(writtenShapeOfFile(parsed.file));
}

// Pieces of the language, for random token soup and mutations.
export const vocabulary = [
  "model",
  "dim",
  "input",
  "target",
  "param",
  "state",
  "gate",
  "cell",
  "loss",
  "at",
  "M",
  "H",
  "D",
  "x",
  "h",
  "o",
  "y",
  "W",
  "b",
  "t",
  "h.W",
  "onehot",
  "class",
  "zeros",
  "learned",
  "xavier",
  "tanh",
  "softmax",
  "lstm",
  "gru",
  "elman",
  "cross_entropy",
  "mse",
  "last",
  "each",
  "reduce",
  "size",
  "0",
  "1",
  "2",
  "32",
  "0.5",
  "1e-3",
  ".5",
  "2.",
  "@",
  "*",
  "/",
  "+",
  "-",
  "=",
  ":",
  ",",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "[t-1]",
  "[t]",
  "σ",
  "·",
  "⊙",
  "C\u0303",
  "// c\n",
  "/* c */",
  "/*",
  "\n",
  " ",
  "$",
  "é",
  "\u0000",
];

/** Splits a text into tokens, whitespace and comments included, so that joining them gives it back. */
export function pieces(text: string): string[] {
  return (
    text.match(
      /\s+|\/\/[^\n]*|\/\*[^]*?\*\/|[\p{ID_Start}_][\p{ID_Continue}.]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|[^]/gu,
    ) ?? []
  );
}

export type Mutation =
  | { kind: "delete" | "duplicate" | "swap"; at: number }
  | { kind: "insert" | "replace"; at: number; piece: string }
  | { kind: "deleteChar"; at: number }
  | { kind: "insertChar"; at: number; char: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("delete" as const, "duplicate" as const, "swap" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constantFrom("insert" as const, "replace" as const),
    at: fc.nat(),
    piece: fc.constantFrom(...vocabulary),
  }),
  fc.record({ kind: fc.constant("deleteChar" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insertChar" as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
  }),
);

export function mutate(text: string, mutations: Mutation[]): string {
  let tokens = pieces(text);
  for (const m of mutations) {
    if (m.kind === "deleteChar" || m.kind === "insertChar") {
      const joined = tokens.join("");
      const at = m.at % (joined.length + 1);
      const changed =
        m.kind === "deleteChar"
          ? joined.slice(0, at) + joined.slice(at + 1)
          : joined.slice(0, at) + m.char + joined.slice(at);
      tokens = pieces(changed);
      continue;
    }
    if (tokens.length === 0) continue;
    const at = m.at % tokens.length;
    switch (m.kind) {
      case "delete":
        tokens.splice(at, 1);
        break;
      case "duplicate":
        tokens.splice(at, 0, tokens[at]!);
        break;
      case "swap":
        if (at + 1 < tokens.length) [tokens[at], tokens[at + 1]] = [tokens[at + 1]!, tokens[at]!];
        break;
      case "insert":
        tokens.splice(at, 0, m.piece);
        break;
      case "replace":
        tokens[at] = m.piece;
        break;
    }
  }
  return tokens.join("");
}
