/**
 * Text → AST plus syntax diagnostics. Lexing and parsing both recover, so one call reports
 * every syntax error in the file.
 */
import type { IRecognitionException, ILexingError, IToken } from "chevrotain";
import { rnnLexer } from "./tokens.js";
import { rnnParser } from "./parser.js";
import { buildFile, tokenRange } from "./build-ast.js";
import type { Range, RnnFile } from "./ast.js";
import { error, type Diagnostic } from "../compiler/diagnostics/diagnostic.js";

export interface ParseResult {
  file: RnnFile;
  diagnostics: Diagnostic[];
}

export function parse(text: string): ParseResult {
  const lexed = rnnLexer.tokenize(text);
  rnnParser.input = lexed.tokens;
  const cst = rnnParser.file();
  const diagnostics = [...lexed.errors.map((e) => lexError(e, text)), ...rnnParser.errors.map((e) => syntaxError(e, text))];
  const file = buildFile(cst, lexed.groups["comments"] ?? []);
  markRecovered(file, diagnostics);
  return { file, diagnostics };
}

/** Items that contain a syntax error are marked, so the checker does not pile guesses on top of the parser's. */
function markRecovered(file: RnnFile, diagnostics: Diagnostic[]): void {
  const offsets = diagnostics.map((d) => d.range.start.offset);
  for (const model of file.models) {
    for (const item of model.items) {
      if (offsets.some((o) => o >= item.range.start.offset && o <= item.range.end.offset)) item.recovered = true;
    }
  }
}

function lexError(e: ILexingError, text: string): Diagnostic {
  const start = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
  const range: Range = { start, end: { ...start, column: start.column + e.length, offset: e.offset + e.length } };
  const skipped = text.slice(e.offset, e.offset + e.length);
  return error("E001", `unexpected character${e.length > 1 ? "s" : ""} ${JSON.stringify(skipped)}`, range);
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
  const previous = e.previousToken && Number.isFinite(e.previousToken.startOffset) ? tokenRange(e.previousToken) : undefined;
  const atEnd = t.tokenType.name === "EOF" || !Number.isFinite(t.startOffset);
  if (previous && (atEnd || (t.startLine ?? 0) > previous.end.line)) return { start: previous.end, end: previous.end };
  return atEnd ? endOfText(text) : tokenRange(t);
}

function endOfText(text: string): Range {
  const lines = text.split(/\r\n|\r|\n/);
  const pos = { line: lines.length, column: lines[lines.length - 1]!.length + 1, offset: text.length };
  return { start: pos, end: pos };
}
