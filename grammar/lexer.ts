/**
 * Text → tokens, by the token definitions of `tokens.ts`: a hand-written scanner that looks
 * at the first character to know which token can start there, then matches that token's
 * pattern. Chevrotain's generic lexer tries the patterns one after another at every position
 * (the Unicode pattern of names defeats its first-character table) and gives every token its
 * line and column, which made it, with the parse tree, most of the front end's time. Tokens
 * here carry their offset only; `lineStarts` gives lines and columns (`source-range.ts`).
 *
 * Whitespace is skipped; comments are returned apart, for the formatter. A character that no
 * token can start with is an error, reported once per run of such characters.
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** Characters that no token starts with, all in a row. */
export interface LexError {
  offset: number;
  length: number;
}

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  errors: LexError[];
  /** The offset where each line starts; lines end at `\n`, `\r\n` or `\r`. */
  lineStarts: number[];
}

/** The tokens of one character (operators, brackets), by the code of that character: ASCII, and the lecture's operators. */
const punctuation = new Map<number, TokenType>();
const punctuationCandidates = [
  ...Array.from({ length: 127 - 32 }, (_, i) => 32 + i),
  ...Object.keys(T.operatorSpellings).map((c) => c.charCodeAt(0)),
];
for (const t of [T.MatMul, T.Star, T.Plus, T.Minus, T.Equals, T.Colon, T.Comma].concat([
  T.LParen,
  T.RParen,
  T.LBracket,
  T.RBracket,
  T.LBrace,
  T.RBrace,
])) {
  const pattern = new RegExp(`^(?:${(t.PATTERN as RegExp).source})$`);
  for (const c of punctuationCandidates) if (pattern.test(String.fromCharCode(c))) punctuation.set(c, t);
}
/** The same for ASCII, as an array: most characters of a model are ASCII, and an array is the quicker look-up. */
const asciiPunctuation: (TokenType | undefined)[] = Array.from({ length: 128 }, (_, c) => punctuation.get(c));
/** The text of each one-character token, made once: cutting it from the text at every operator and bracket cost more. */
const punctuationText = new Map([...punctuation.keys()].map((c) => [c, String.fromCharCode(c)]));
const asciiPunctuationText: (string | undefined)[] = Array.from({ length: 128 }, (_, c) => punctuationText.get(c));

const sticky = (token: TokenType) =>
  new RegExp((token.PATTERN as RegExp).source, (token.PATTERN as RegExp).flags + "y");
const whitespace = sticky(T.WhiteSpace);
const identifier = sticky(T.Identifier);
const numberLiteral = sticky(T.NumberLiteral);
const lineComment = sticky(T.LineComment);
const blockComment = sticky(T.BlockComment);

const SPACE = 32;
const SLASH = 47;
const STAR = 42;
const DOT = 46;
const CR = 13;
const LF = 10;
const FIRST_NON_ASCII = 128;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ASCII white space, all of which `\s` matches. */
function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** An ASCII character that may start a name (ASCII's part of ID_Start, and `_`). */
function isAsciiNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** An ASCII character that may continue a name (ASCII's part of ID_Continue). */
function isAsciiNamePart(c: number): boolean {
  return isAsciiNameStart(c) || isDigit(c);
}

/** The length of a match of a sticky pattern at `offset`, or 0. */
function matchAt(pattern: RegExp, text: string, offset: number): number {
  pattern.lastIndex = offset;
  return pattern.test(text) ? pattern.lastIndex - offset : 0;
}

/** Whether `offset` is inside a surrogate pair, where a Unicode pattern would back up to the pair's start. */
function insidePair(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  const before = text.charCodeAt(offset - 1);
  return c >= 0xdc00 && c <= 0xdfff && before >= 0xd800 && before <= 0xdbff;
}

/**
 * The length of the white space at `offset`: ASCII by a loop, the rest (Unicode's spaces,
 * rare) by the token's pattern, from where the loop stopped.
 */
function spaceLength(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && isAsciiSpace(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) >= FIRST_NON_ASCII) end += matchAt(whitespace, text, end);
  return end - offset;
}

/**
 * The length of the name at `offset`, or 0: an ASCII name by a loop; one that goes on with a
 * dot or a character beyond ASCII by the token's pattern, from its start.
 */
function nameLength(text: string, offset: number): number {
  if (isAsciiNameStart(text.charCodeAt(offset))) {
    let end = offset + 1;
    while (isAsciiNamePart(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    if (next !== DOT && !(next >= FIRST_NON_ASCII)) return end - offset;
  }
  return matchAt(identifier, text, offset);
}

/**
 * What `scan` found: the token at the offset (undefined for whitespace) and its length, 0 when
 * none starts there; for a name, its text (cut once, for the keyword table and the token), and
 * for a one-character token its character.
 */
let foundType: TokenType | undefined;
let foundLength = 0;
let foundImage: string | undefined;

/** A word as the lexer reads it: its token type (a name, or a keyword) and the one string of its text. */
interface Spelling {
  type: TokenType;
  image: string;
}

/**
 * The words met so far in the text being read, and the keywords: every occurrence of a name
 * gets one string, and the cut is dropped at once (a model names a few things many times, and a
 * string per occurrence, kept by the AST, was a fifth of the objects an analysis keeps). One
 * look-up tells a keyword from a name, where the keywords' table was asked first for every word.
 */
const spellings = new Map<string, Spelling>();
const keywordSpellings: Spelling[] = [...T.keywordTokens].map(([image, type]) => ({ type, image }));

/** Forgets the names of the last text read; the keywords stay. */
function forgetNames(): void {
  spellings.clear();
  for (const keyword of keywordSpellings) spellings.set(keyword.image, keyword);
}
forgetNames();

function found(type: TokenType | undefined, length: number, image?: string): void {
  foundType = type;
  foundLength = length;
  foundImage = image;
}

function scan(text: string, offset: number): void {
  const c = text.charCodeAt(offset);
  if (c < FIRST_NON_ASCII) {
    const single = asciiPunctuation[c];
    if (single) return found(single, 1, asciiPunctuationText[c]);
  } else {
    const single = punctuation.get(c);
    if (single) return found(single, 1, punctuationText.get(c));
  }
  if (c === SLASH) {
    const after = text.charCodeAt(offset + 1);
    if (after === SLASH) return found(T.LineComment, matchAt(lineComment, text, offset));
    if (after === STAR) return found(T.BlockComment, matchAt(blockComment, text, offset));
    return found(T.Slash, 1);
  }
  if (isDigit(c) || (c === DOT && isDigit(text.charCodeAt(offset + 1))))
    return found(T.NumberLiteral, matchAt(numberLiteral, text, offset));
  const spaces = isAsciiSpace(c) || c >= FIRST_NON_ASCII ? spaceLength(text, offset) : 0;
  if (spaces > 0 || insidePair(text, offset)) return found(undefined, spaces);
  const length = nameLength(text, offset);
  if (length === 0) return found(undefined, 0);
  const cut = text.slice(offset, offset + length);
  let spelling = spellings.get(cut);
  if (spelling === undefined) spellings.set(cut, (spelling = { type: T.Identifier, image: cut }));
  found(spelling.type, length, spelling.image);
}

export function tokenize(text: string): LexResult {
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  const errors: LexError[] = [];
  const lineStarts = [0];
  let offset = 0;
  let errorStart = -1;

  while (offset < text.length) {
    // A space between two tokens (most white space) is passed here, without scanning it as a token.
    if (text.charCodeAt(offset) === SPACE && errorStart < 0) {
      offset++;
      continue;
    }
    scan(text, offset);
    const type = foundType;
    const length = foundLength;
    if (length === 0) {
      if (errorStart < 0) errorStart = offset;
      offset++;
      continue;
    }
    if (errorStart >= 0) {
      errors.push({ offset: errorStart, length: offset - errorStart });
      errorStart = -1;
    }
    if (type === undefined || type === T.BlockComment) {
      for (let i = offset; i < offset + length; i++) {
        const c = text.charCodeAt(i);
        if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) lineStarts.push(i + 1);
      }
    }
    if (type !== undefined) {
      // The fields Chevrotain's parser reads, always in this order so every token has one shape.
      const token: IToken = {
        image: foundImage ?? text.slice(offset, offset + length),
        startOffset: offset,
        tokenTypeIdx: type.tokenTypeIdx!,
        tokenType: type,
      };
      (type === T.LineComment || type === T.BlockComment ? comments : tokens).push(token);
    }
    offset += length;
  }
  if (errorStart >= 0) errors.push({ offset: errorStart, length: offset - errorStart });
  forgetNames();
  return { tokens, comments, errors, lineStarts };
}
