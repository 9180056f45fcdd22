/**
 * The hand-written lexer reads text exactly as Chevrotain's generic lexer would from the same
 * token definitions (keywords before names with the name as their longer alternative,
 * comments kept apart, whitespace skipped): the same tokens at the same places, the same
 * comments, the same runs of characters no token starts with, and the same lines and columns.
 */
import { createToken, Lexer, type ILexingResult, type IToken, type TokenType } from "chevrotain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../../grammar/lexer.js";
import { LineTable } from "../../grammar/source-range.js";
import * as T from "../../grammar/tokens.js";
import { examples } from "../compiler/front/helpers.js";

/** The reference: Chevrotain's lexer over the patterns of grammar/tokens.ts. */
function referenceLexer(): (text: string) => ILexingResult {
  const name = createToken({
    name: "Identifier",
    pattern: {
      exec(text: string, offset: number) {
        const sticky = new RegExp(T.identifierPattern.source, "uy");
        sticky.lastIndex = offset;
        return sticky.exec(text);
      },
    },
    line_breaks: false,
  });
  const like = (t: TokenType, extra: object = {}) =>
    createToken({ name: t.name, pattern: t.PATTERN as RegExp, ...extra });
  const keywords = [...T.keywordTokens.values()].map((k) => like(k, { longer_alt: name }));
  const tokens = [
    like(T.WhiteSpace, { group: Lexer.SKIPPED, line_breaks: true }),
    like(T.LineComment, { group: "comments" }),
    like(T.BlockComment, { group: "comments", line_breaks: true }),
    ...keywords,
    name,
    ...T.allTokens
      .filter(
        (t) =>
          !["WhiteSpace", "LineComment", "BlockComment", "Identifier"].includes(t.name) &&
          !T.keywordTokens.has(t.name.toLowerCase()),
      )
      .map((t) => like(t)),
  ];
  const lexer = new Lexer(tokens, { positionTracking: "full", ensureOptimizations: false });
  return (text) => lexer.tokenize(text);
}

const reference = referenceLexer();

function agree(text: string): void {
  const expected = reference(text);
  const actual = tokenize(text);
  const positions = new LineTable(actual.lineStarts);
  const seen = (tokens: IToken[]) =>
    tokens.map((t) => {
      const p = positions.position(t.startOffset);
      return [t.tokenType.name, t.image, t.startOffset, p.line, p.column];
    });
  const wanted = (tokens: IToken[]) =>
    tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.startLine, t.startColumn]);
  expect(seen(actual.tokens)).toEqual(wanted(expected.tokens));
  expect(seen(actual.comments)).toEqual(wanted(expected.groups["comments"] ?? []));
  expect(actual.errors).toEqual(expected.errors.map((e) => ({ offset: e.offset, length: e.length })));
  for (const e of expected.errors)
    expect(positions.position(e.offset)).toMatchObject({ line: e.line, column: e.column });
}

const pieces = [
  "model",
  "models",
  "dim",
  "at",
  "at.b",
  "h.W",
  "h.",
  ".5",
  "1.",
  "1e5",
  "1e",
  "2.5e-3",
  "x",
  "𝑥",
  "é",
  "_a",
  "😀",
  "€",
  ";",
  "#",
  ".",
  "//c\n",
  "/* a\nb */",
  "/*x",
  "/* \r\n */",
  "*/",
  "/",
  "*",
  "@",
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
  " ",
  "\n",
  "\r\n",
  "\r",
  "\t",
  "\u00a0",
  "\u2028",
  "\ufeff",
  "\u180e",
  "\uD835",
  "\uDC65",
  "0",
  "t-1",
  "σ",
  "α",
  "·",
  "⋅",
  "⊙",
  "\u0303",
  "C\u0303",
  "W·h",
  "\u200d",
  "\u30fb",
  "[t]",
];

describe("the lexer", () => {
  it("reads every example as Chevrotain's lexer does", () => {
    for (const source of examples()) agree(source.text);
  });

  it("reads random sequences of the language's pieces, and of any characters, as Chevrotain's lexer does", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (p) => agree(p.join(""))),
      {
        numRuns: 2000,
      },
    );
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: "binary" }), agree), { numRuns: 1000 });
  });
});
