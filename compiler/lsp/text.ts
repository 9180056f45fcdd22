/**
 * Positions. The AST counts 1-based lines and columns and 0-based UTF-16 offsets; LSP counts
 * 0-based lines and UTF-16 characters. Conversions go through offsets, which both agree on,
 * against the exact text that was analysed, so a range never drifts across line endings.
 */
import type { Position as LspPosition, Range as LspRange } from "vscode-languageserver";
import type { Range } from "../../grammar/ast.js";

export class LineIndex {
  /** Offset where each line starts; a line ends at `\n`, `\r\n` or `\r`, as in LSP. */
  private readonly starts: number[];

  constructor(
    readonly text: string,
    starts?: number[],
  ) {
    this.starts = starts ?? [0, ...lineBreaks(text, 0, text.length)];
  }

  /** The lines of a text made from the one indexed by an edit (`changedSpan`): only the edited span is read again. */
  edited(text: string, span: ChangedSpan): LineIndex {
    const delta = text.length - this.text.length;
    const starts: number[] = [0];
    // A line start is decided by the character before it, and, after '\r', by the one after.
    for (const s of this.starts) if (s > 0 && s < span.start) starts.push(s);
    for (const s of lineBreaks(text, Math.max(0, span.start - 1), Math.min(text.length, span.newEnd + 1)))
      starts.push(s);
    for (const s of this.starts) if (s > span.oldEnd + 1) starts.push(s + delta);
    return new LineIndex(text, starts);
  }

  /** The offset where each line starts. */
  get lineStarts(): readonly number[] {
    return this.starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): LspPosition {
    const o = Math.max(0, Math.min(Number.isFinite(offset) ? offset : 0, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= o) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: o - this.starts[low]! };
  }

  offsetAt(position: LspPosition): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line]!;
    const end = position.line + 1 < this.starts.length ? this.starts[position.line + 1]! : this.text.length;
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  /** The text of a line (0-based), without its line break. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return "";
    const start = this.starts[line]!;
    const end = line + 1 < this.starts.length ? this.starts[line + 1]! : this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, "");
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))]!;
  }

  toLsp(range: Range): LspRange {
    const start = this.positionAt(range.startOffset);
    const end = this.positionAt(Math.max(range.startOffset, range.endOffset));
    return { start, end };
  }

  /** The whole text, for an edit that replaces it. */
  fullRange(): LspRange {
    return { start: { line: 0, character: 0 }, end: this.positionAt(this.text.length) };
  }
}

/** The starts of the lines that begin after a line break at `from` to `to` (exclusive). */
function lineBreaks(text: string, from: number, to: number): number[] {
  const starts: number[] = [];
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */ || (c === 13 /* \r */ && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/** Where two texts differ: from `start` to `oldEnd` in the first, to `newEnd` in the second. */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Compared a block at a time (a comparison of two strings is a fast loop), then a character at a time. */
const block = 1024;

export function changedSpan(before: string, after: string): ChangedSpan {
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start + block <= shorter && before.slice(start, start + block) === after.slice(start, start + block))
    start += block;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let oldEnd = before.length;
  let newEnd = after.length;
  while (
    oldEnd - block >= start &&
    newEnd - block >= start &&
    before.slice(oldEnd - block, oldEnd) === after.slice(newEnd - block, newEnd)
  ) {
    oldEnd -= block;
    newEnd -= block;
  }
  while (oldEnd > start && newEnd > start && before.charCodeAt(oldEnd - 1) === after.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { start, oldEnd, newEnd };
}

export function contains(range: Range, offset: number, inclusiveEnd = false): boolean {
  return range.startOffset <= offset && (offset < range.endOffset || (inclusiveEnd && offset === range.endOffset));
}
