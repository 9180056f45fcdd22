/**
 * Text → AST plus syntax diagnostics. Lexing and parsing both recover, so one call reports
 * every syntax error in the file.
 */
import type { IRecognitionException, ILexingError, IToken } from "chevrotain";
import { rnnLexer } from "./tokens.js";
import { rnnParser } from "./parser.js";
import { nestingError } from "./nesting.js";
import { buildFile, tokenRange } from "./build-ast.js";
import type { Range, RnnFile } from "./ast.js";
import { error, type Diagnostic } from "./diagnostic.js";

export interface ParseResult {
  file: RnnFile;
  diagnostics: Diagnostic[];
}

export function parse(text: string): ParseResult {
  const lexed = rnnLexer.tokenize(text);
  const tooDeep = nestingError(lexed.tokens);
  if (tooDeep) return { file: { models: [], comments: [] }, diagnostics: [tooDeep] };
  rnnParser.input = lexed.tokens;
  const cst = rnnParser.file();
  const comments = lexed.groups["comments"] ?? [];
  const unterminated = comments.filter(isUnterminated);
  // A comment left open swallows the rest of the file: "expected '}', found the end of the file" would only repeat it.
  const syntaxErrors =
    unterminated.length > 0 ? rnnParser.errors.filter((e) => e.token.tokenType.name !== "EOF") : rnnParser.errors;
  const all = [
    ...lexed.errors.map((e) => lexError(e, text)),
    ...unterminated.map(unterminatedComment),
    ...syntaxErrors.map((e) => syntaxError(e, text)),
  ];
  const file = buildFile(cst, comments);
  markRecovered(file, all);
  return { file, diagnostics: firstPerLine(all) };
}

/**
 * One syntax error per line: after the first, the parser is resynchronising, and what it
 * says next on the same line is about its own guesses (`param gate : [D]` would otherwise
 * also report the ':' and the ']'). Mistakes on different lines are all reported.
 */
function firstPerLine(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort((a, b) => a.range.start.offset - b.range.start.offset);
  const lines = new Set<number>();
  return sorted.filter((d) => {
    if (lines.has(d.range.start.line)) return false;
    lines.add(d.range.start.line);
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
    const o = d.range.start.offset;
    for (const model of file.models) {
      if (o < model.range.start.offset || o > model.range.end.offset) continue;
      // The item being read when the parser stopped: one that holds the error past its first
      // token, else one that starts at it, else the last one before it.
      const holding = model.items.filter((i) => i.range.start.offset <= o && o <= i.range.end.offset);
      const inside = holding.filter((i) => i.range.start.offset < o);
      const before = model.items.filter((i) => i.range.start.offset <= o);
      const owners = inside.length > 0 ? inside : holding.length > 0 ? holding : before.slice(-1);
      for (const item of owners) item.recovered = true;
    }
  }
}

function lexError(e: ILexingError, text: string): Diagnostic {
  const start = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
  const range: Range = { start, end: { ...start, column: start.column + e.length, offset: e.offset + e.length } };
  const skipped = text.slice(e.offset, e.offset + e.length);
  return error("E001", `unexpected character${e.length > 1 ? "s" : ""} ${JSON.stringify(skipped)}`, range);
}

function isUnterminated(comment: IToken): boolean {
  return comment.image.startsWith("/*") && (comment.image.length < 4 || !comment.image.endsWith("*/"));
}

function unterminatedComment(comment: IToken): Diagnostic {
  const start = { line: comment.startLine ?? 1, column: comment.startColumn ?? 1, offset: comment.startOffset };
  const range: Range = { start, end: { ...start, column: start.column + 2, offset: start.offset + 2 } };
  return error("E001", "this comment is never closed: '/*' needs a matching '*/'", range);
}

/** Chevrotain's exceptions carry the token before the error at run time, though its types omit it. */
type RecognitionError = IRecognitionException & { previousToken?: IToken };

function syntaxError(e: RecognitionError, text: string): Diagnostic {
  return error("E002", e.message, syntaxErrorRange(e, text));
}

/**
 * Where to put the caret: on the unexpected token, unless it sits on a later line than the
 * token before it; then something is missing at the end of that earlier line, so point there.
 */
function syntaxErrorRange(e: RecognitionError, text: string): Range {
  const t = e.token;
  const previous =
    e.previousToken && Number.isFinite(e.previousToken.startOffset) ? tokenRange(e.previousToken) : undefined;
  const atEnd = t.tokenType.name === "EOF" || !Number.isFinite(t.startOffset);
  if (previous && (atEnd || (t.startLine ?? 0) > previous.end.line)) return { start: previous.end, end: previous.end };
  return atEnd ? endOfText(text) : tokenRange(t);
}

function endOfText(text: string): Range {
  const lines = text.split(/\r\n|\r|\n/);
  const pos = { line: lines.length, column: lines[lines.length - 1]!.length + 1, offset: text.length };
  return { start: pos, end: pos };
}
