/**
 * Tokens of the `.rnn` language: the parser's vocabulary, and with their patterns the
 * lexical grammar, which `lexer.ts` scans.
 *
 * Only the words that open a declaration are reserved. Everything else that reads like a
 * keyword (`onehot`, `class`, `last`, `each`, `t`, `zeros`, `learned`, built-in names) is an
 * ordinary identifier given meaning by position, so users may name things freely and the
 * checker can say precisely what was expected.
 */
import { createToken, type TokenType } from "chevrotain";

/**
 * A character that may start a name: Unicode's ID_Start (letters of any script, `σ`, `α`) or `_`.
 * A character that may continue it: ID_Continue (also digits and combining marks, so `C̃` and
 * `h̃` are names), but not the middle dot `·`, which is the lecture's product (`W · h`), nor
 * the invisible joiners U+200C and U+200D, which would make two names that look the same.
 */
const nameStart = "[\\p{ID_Start}_]";
const nameContinue = "(?![\\u00B7\\u200C\\u200D])\\p{ID_Continue}";
const namePart = `${nameStart}(?:${nameContinue})*`;

/** A name, optionally dotted (`h.W_f`) for shorthand parameters. */
export const identifierPattern = new RegExp(`${namePart}(?:\\.${namePart})*`, "u");
/** A character of a name (or its dots): what ends a word, for the language server. */
export const nameCharacter = new RegExp(`${nameContinue}|\\.`, "u");
export const Identifier = createToken({ name: "Identifier", pattern: identifierPattern, label: "a name" });

/** The reserved words, each its own token: a name that is exactly one of them is read as the keyword. */
export const keywordTokens = new Map<string, TokenType>();

function keyword(word: string): TokenType {
  const token = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    label: `'${word}'`,
  });
  keywordTokens.set(word, token);
  return token;
}

export const Model = keyword("model");
export const Dim = keyword("dim");
export const Input = keyword("input");
export const Target = keyword("target");
export const Param = keyword("param");
export const State = keyword("state");
export const Gate = keyword("gate");
export const Cell = keyword("cell");
export const Loss = keyword("loss");
export const At = keyword("at");

export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: "a number",
});

/**
 * The lecture's spellings of two operators, read as the operator itself: `·` (U+00B7, or the
 * dot operator `⋅`, U+22C5) for `@`, `⊙` (U+2299) for element-wise `*`. The AST keeps what
 * was written, so `rnnc fmt --keep-notation` can print it back.
 */
export const operatorSpellings: Readonly<Record<string, "@" | "*">> = { "\u00B7": "@", "\u22C5": "@", "\u2299": "*" };
const spelledAs = (op: string) =>
  Object.keys(operatorSpellings)
    .filter((c) => operatorSpellings[c] === op)
    .join("");

export const MatMul = createToken({ name: "MatMul", pattern: new RegExp(`[@${spelledAs("@")}]`), label: "'@'" });
export const Star = createToken({ name: "Star", pattern: new RegExp(`[*${spelledAs("*")}]`), label: "'*'" });
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "'/'" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "'-'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: "LBrace", pattern: /{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });

/** Comments are kept (not skipped), apart from the other tokens, so the formatter can put them back. */
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/ });
/** An unterminated block comment runs to the end of the file; `parse` reports it (E001). */
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*(?:[^*]|\*(?!\/))*(?:\*\/)?/ });
/** Skipped; line breaks in it are `\n`, `\r\n` or `\r`. */
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/ });

export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  Model,
  Dim,
  Input,
  Target,
  Param,
  State,
  Gate,
  Cell,
  Loss,
  At,
  Identifier,
  NumberLiteral,
  MatMul,
  Star,
  Slash,
  Plus,
  Minus,
  Equals,
  Colon,
  Comma,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
];

export const reservedWords: readonly string[] = [...keywordTokens.keys()];
