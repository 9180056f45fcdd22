/**
 * Where the cursor is, for completion and signature help: the word being typed, whether the
 * cursor is in a comment or a model body, and the tokens of the item being written before it
 * (read with the language's own lexer). A half-typed item does not parse, so this looks at
 * tokens, not at the AST.
 */
import { nameCharacter } from "../../grammar/tokens.js";
import type { IToken } from "chevrotain";
import { tokenize } from "../../grammar/lexer.js";

export interface OpenBracket {
  kind: "(" | "[";
  /** Index of the bracket in `tokens`. */
  index: number;
  /** The name right before a `(` (`tanh`, `lstm`, `cross_entropy`, `uniform`). */
  callee?: string;
  /** Commas at this bracket's level so far: the index of the current argument. */
  commas: number;
  /** Index of the first token of the current argument. */
  argStart: number;
}

export interface CursorContext {
  offset: number;
  /** The name being typed up to the cursor, and where it starts. */
  word: string;
  wordStart: number;
  inComment: boolean;
  /** Inside a model's braces. */
  inModel: boolean;
  /** The tokens of the current item before the word being typed. */
  tokens: IToken[];
  /** The reserved word opening the item (`param`, `cell`, ...), if it starts with one. */
  keyword?: string;
  /** Index in `tokens` of the item's first `=` outside brackets, or -1. */
  equals: number;
  /** Index of the item's first `:` outside brackets, or -1. */
  colon: number;
  /** Brackets still open at the cursor, outermost first. */
  open: OpenBracket[];
}

const itemKeywords = new Set(["model", "dim", "input", "target", "param", "state", "gate", "cell", "loss"]);
const wordChar = nameCharacter;
/** How many lines back an item split over several lines is looked for. */
const maxItemLines = 50;

export function cursorContext(text: string, offset: number): CursorContext {
  const at = Math.max(0, Math.min(offset, text.length));
  const { depth, inComment } = scanTo(text, at);
  const wordStart = startOfWord(text, at);
  const word = text.slice(wordStart, at);
  const tokens = itemTokens(text, wordStart);
  const ctx: CursorContext = {
    offset: at,
    word,
    wordStart,
    inComment,
    inModel: depth > 0,
    tokens,
    equals: -1,
    colon: -1,
    open: [],
  };
  const first = tokens[0];
  if (first && itemKeywords.has(first.image) && first.tokenType.name !== "Identifier") ctx.keyword = first.image;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.tokenType.name) {
      case "LParen":
      case "LBracket": {
        const before = tokens[i - 1];
        const kind = t.tokenType.name === "LParen" ? "(" : "[";
        ctx.open.push({
          kind,
          index: i,
          commas: 0,
          argStart: i + 1,
          ...(kind === "(" && before?.tokenType.name === "Identifier" ? { callee: before.image } : {}),
        });
        break;
      }
      case "RParen":
      case "RBracket":
        ctx.open.pop();
        break;
      case "Comma": {
        const top = ctx.open[ctx.open.length - 1];
        if (top) {
          top.commas++;
          top.argStart = i + 1;
        }
        break;
      }
      case "Equals":
        if (ctx.open.length === 0 && ctx.equals < 0) ctx.equals = i;
        break;
      case "Colon":
        if (ctx.open.length === 0 && ctx.colon < 0) ctx.colon = i;
        break;
    }
  }
  return ctx;
}

/** Steps back over name characters, a surrogate pair (a letter outside the BMP) counting as one. */
function startOfWord(text: string, offset: number): number {
  let i = offset;
  while (i > 0) {
    const low = text.charCodeAt(i - 1);
    const pair = low >= 0xdc00 && low <= 0xdfff && i >= 2 ? text.slice(i - 2, i) : undefined;
    if (pair && wordChar.test(pair)) i -= 2;
    else if (wordChar.test(text[i - 1]!)) i--;
    else break;
  }
  return i;
}

/** The name of the current argument when it is written `name = ...`. */
export function currentArgumentName(ctx: CursorContext, bracket: OpenBracket): string | undefined {
  const a = ctx.tokens[bracket.argStart];
  const b = ctx.tokens[bracket.argStart + 1];
  return a?.tokenType.name === "Identifier" && b?.tokenType.name === "Equals" ? a.image : undefined;
}

/** Brace depth and whether the offset is inside a comment, reading the text from the start. */
function scanTo(text: string, end: number): { depth: number; inComment: boolean } {
  let depth = 0;
  let i = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const lineEnd = nextLineBreak(text, i);
      if (lineEnd >= end) return { depth, inComment: true };
      i = lineEnd;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf("*/", i + 2);
      if (close < 0 || close + 2 > end) return { depth, inComment: true };
      i = close + 2;
      continue;
    }
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) depth = Math.max(0, depth - 1);
    i++;
  }
  return { depth, inComment: false };
}

function nextLineBreak(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return text.length;
}

function lineStartBefore(text: string, offset: number): number {
  let i = offset;
  while (i > 0) {
    const c = text.charCodeAt(i - 1);
    if (c === 10 || c === 13) break;
    i--;
  }
  return i;
}

const continues = /[-+*/@([,=:]$/;
const continued = /^[-+*/@)\],=:]/;

/**
 * The tokens of the item the cursor is in: from the start of its line, reaching back over
 * earlier lines while the item is visibly split (a line ending in an operator or an open
 * bracket, or starting with one), cut after any brace and at the last keyword that opens an item.
 */
function itemTokens(text: string, end: number): IToken[] {
  let start = lineStartBefore(text, end);
  for (let k = 0; k < maxItemLines && start > 0; k++) {
    const segment = text.slice(start, end).trimStart();
    const previousStart = lineStartBefore(
      text,
      start - 1 > 0 && text[start - 1] === "\n" && text[start - 2] === "\r" ? start - 2 : start - 1,
    );
    const previous = stripLineComment(text.slice(previousStart, start)).trimEnd();
    if (!continued.test(segment) && !continues.test(previous) && balance(text.slice(start, end)) >= 0) break;
    start = previousStart;
  }
  const tokens = tokenize(text.slice(start, end)).tokens;
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!.tokenType.name;
    if (name === "LBrace" || name === "RBrace") from = i + 1;
    else if (itemKeywords.has(tokens[i]!.image) && name !== "Identifier") from = i;
  }
  return tokens.slice(from);
}

function stripLineComment(line: string): string {
  const i = line.indexOf("//");
  return i >= 0 ? line.slice(0, i) : line;
}

/** Openers minus closers: negative when the text closes a bracket opened on an earlier line. */
function balance(s: string): number {
  let n = 0;
  for (const c of s) {
    if (c === "(" || c === "[") n++;
    else if (c === ")" || c === "]") n--;
  }
  return n;
}
