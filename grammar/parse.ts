/**
 * Text → AST plus syntax diagnostics. Lexing and parsing both recover, so one call reports
 * every syntax error in the file.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { tokenize, type LexError, type LexResult } from "./lexer.js";
import { MAX_SYNTAX_ERRORS, rnnParser } from "./parser.js";
import { nestingError } from "./nesting.js";
import { RangeBuilder } from "./positions.js";
import { LineTable, startOf } from "./source-range.js";
import type { Comment, Item, Range, RnnFile } from "./ast.js";
import { error, type Diagnostic } from "./diagnostic.js";

export interface ParseResult {
  file: RnnFile;
  diagnostics: Diagnostic[];
  /** The parser gave up part-way (too many syntax errors): the file is not all in the AST. */
  incomplete?: true;
  /** Every range object of the AST and the diagnostics, each once (positions.ts), when asked for (`listRanges`). */
  ranges?: Range[];
  /** The text's line starts, which every range shares. */
  lines: LineTable;
  /**
   * Whether the AST may hold the lecture's notation, which grammar/notation.ts reads as canonical
   * syntax: false when the parser built no node that pass rewrites or reports, so it can be skipped.
   */
  notation: boolean;
}

/** `listRanges`: list every range made, for the language server to move after an edit. */
export function parse(text: string, { listRanges = false }: { listRanges?: boolean } = {}): ParseResult {
  const lexed = tokenize(text);
  const lines = new LineTable(lexed.lineStarts);
  const positions = new RangeBuilder(lines, text.length, { listed: listRanges });
  const tooDeep = nestingError(lexed.tokens, positions);
  if (tooDeep)
    return {
      file: { models: [], comments: [] },
      diagnostics: [tooDeep],
      ...withRanges(positions),
      lines,
      notation: false,
    };
  const { models, errors, stoppedAt } = withoutStackTraces(() => rnnParser.parseFile(lexed.tokens, positions));
  const comments = lexed.comments;
  const unterminated = comments.filter(isUnterminated);
  // A comment left open swallows the rest of the file: "expected '}', found the end of the file" would only repeat it.
  const syntaxErrors = unterminated.length > 0 ? errors.filter((e) => e.token.tokenType.name !== "EOF") : errors;
  const all = [
    ...lexed.errors.map((e) => lexError(e, text, positions)),
    ...unterminated.map((c) => unterminatedComment(c, positions)),
    ...syntaxErrors.map((e) => syntaxError(e, positions)),
  ];
  const file: RnnFile = { models, comments: commentsOf(comments, positions) };
  markRecovered(file, all);
  const diagnostics = firstPerLine(all);
  const notation = positions.notation;
  if (!stoppedAt) return { file, diagnostics, ...withRanges(positions), lines, notation };
  const where = Number.isFinite(stoppedAt.startOffset) ? positions.tokenRange(stoppedAt) : endOfText(positions);
  diagnostics.push(
    error(
      "E004",
      `too many syntax errors (${MAX_SYNTAX_ERRORS}): the rest of the file is not read, and the file is not checked`,
      where,
    ),
  );
  return { file, diagnostics, incomplete: true, ...withRanges(positions), lines, notation };
}

/** One item read alone, with its comments and every range object it holds. */
export interface ParsedItem {
  item: Item;
  comments: Comment[];
  ranges: readonly Range[];
}

/**
 * The text of one item, starting at offset `origin` of a larger text whose lines are `lines`:
 * its AST, positioned in that text, when the text is exactly one item without a syntax error;
 * else undefined (the language server then reads the whole file, which reports the errors).
 */
export function parseItem(text: string, origin: number, lines: LineTable): ParsedItem | undefined {
  const lexed = tokenize(text);
  if (!readAlone(lexed, text)) return undefined;
  const positions = new RangeBuilder(lines, text.length, { origin, listed: true });
  if (nestingError(lexed.tokens, positions)) return undefined;
  const { item, whole, errors } = withoutStackTraces(() => rnnParser.parseItem(lexed.tokens, positions));
  if (!item || !whole || errors.length > 0) return undefined;
  return { item, comments: commentsOf(lexed.comments, positions), ranges: positions.made! };
}

/**
 * The comments of a text between items, starting at offset `origin` of a larger text whose
 * lines are `lines`, when it holds nothing else (white space and closed comments); else undefined.
 */
export function parseGap(text: string, origin: number, lines: LineTable): Omit<ParsedItem, "item"> | undefined {
  const lexed = tokenize(text);
  if (lexed.tokens.length > 0 || !readAlone(lexed, text)) return undefined;
  const positions = new RangeBuilder(lines, text.length, { origin, listed: true });
  return { comments: commentsOf(lexed.comments, positions), ranges: positions.made! };
}

/**
 * Whether a piece of a text lexes alone as it does in the whole: no error, no comment left
 * open, and no line comment running to the piece's end (in the whole text it would go on to
 * the end of the line, over whatever follows the piece there).
 */
function readAlone(lexed: LexResult, text: string): boolean {
  return (
    lexed.errors.length === 0 &&
    !lexed.comments.some(
      (c) => isUnterminated(c) || (c.image.startsWith("//") && c.startOffset + c.image.length >= text.length),
    )
  );
}

function withRanges(positions: RangeBuilder): { ranges?: Range[] } {
  return positions.made ? { ranges: positions.made } : {};
}

function commentsOf(comments: readonly IToken[], positions: RangeBuilder): Comment[] {
  return comments.map((c) => ({ text: c.image, range: positions.tokenRange(c) }));
}

/**
 * Chevrotain reports a syntax error by throwing an Error, which records the stack when it is
 * made; nothing reads those stacks, and a file of many errors (`model model model ...`) spent
 * most of its time writing them.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * One syntax error per line: after the first, the parser is resynchronising, and what it
 * says next on the same line is about its own guesses (`param gate : [D]` would otherwise
 * also report the ':' and the ']'). Mistakes on different lines are all reported.
 */
function firstPerLine(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort((a, b) => a.range.startOffset - b.range.startOffset);
  const lines = new Set<number>();
  return sorted.filter((d) => {
    const line = startOf(d.range).line;
    if (lines.has(line)) return false;
    lines.add(line);
    return true;
  });
}

/**
 * Items that contain a syntax error are marked, so the checker does not pile guesses on top
 * of the parser's. An error between items (a missing '=' found at the next token) belongs
 * to the item before it, the one the parser was reading.
 */
function markRecovered(file: RnnFile, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const o = d.range.startOffset;
    for (const model of around(file.models, o)) {
      if (o < model.range.startOffset || o > model.range.endOffset) continue;
      // The item being read when the parser stopped: one that holds the error past its first
      // token, else one that starts at it, else the last one before it.
      const near = around(model.items, o);
      const holding = near.filter((i) => i.range.startOffset <= o && o <= i.range.endOffset);
      const inside = holding.filter((i) => i.range.startOffset < o);
      const owners = inside.length > 0 ? inside : holding.length > 0 ? holding : near.slice(-1);
      for (const item of owners) item.recovered = true;
    }
  }
}

/**
 * Of nodes in source order that do not overlap (models, or the items of one), the last to
 * start at or before an offset and the one before it: the only ones that can hold the
 * offset, or end where it is. Found by bisection, as a file may have many of both.
 */
export function around<T extends { range: Range }>(nodes: readonly T[], offset: number): T[] {
  let low = 0;
  let high = nodes.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (nodes[mid]!.range.startOffset <= offset) low = mid + 1;
    else high = mid;
  }
  return nodes.slice(Math.max(0, low - 2), low);
}

function lexError(e: LexError, text: string, positions: RangeBuilder): Diagnostic {
  const range = positions.range(e.offset, e.offset + e.length);
  const skipped = text.slice(e.offset, e.offset + e.length);
  return error("E001", `unexpected character${e.length > 1 ? "s" : ""} ${JSON.stringify(skipped)}`, range);
}

function isUnterminated(comment: IToken): boolean {
  return comment.image.startsWith("/*") && (comment.image.length < 4 || !comment.image.endsWith("*/"));
}

function unterminatedComment(comment: IToken, positions: RangeBuilder): Diagnostic {
  const range = positions.range(comment.startOffset, comment.startOffset + 2);
  return error("E001", "this comment is never closed: '/*' needs a matching '*/'", range);
}

/** Chevrotain's exceptions carry the token before the error at run time, though its types omit it. */
type RecognitionError = IRecognitionException & { previousToken?: IToken };

function syntaxError(e: RecognitionError, positions: RangeBuilder): Diagnostic {
  return error("E002", e.message, syntaxErrorRange(e, positions));
}

/**
 * Where to put the caret: on the unexpected token, unless it sits on a later line than the
 * token before it; then something is missing at the end of that earlier line, so point there.
 */
function syntaxErrorRange(e: RecognitionError, positions: RangeBuilder): Range {
  const t = e.token;
  const previous =
    e.previousToken && Number.isFinite(e.previousToken.startOffset) ? positions.tokenRange(e.previousToken) : undefined;
  const atEnd = t.tokenType.name === "EOF" || !Number.isFinite(t.startOffset);
  if (previous && (atEnd || positions.lineOf(t.startOffset) > positions.lineOf(previous.endOffset)))
    return positions.range(previous.endOffset, previous.endOffset);
  return atEnd ? endOfText(positions) : positions.tokenRange(t);
}

function endOfText(positions: RangeBuilder): Range {
  return positions.end();
}
