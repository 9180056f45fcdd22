/**
 * Positions. The AST counts 1-based lines and columns and 0-based UTF-16 offsets; LSP counts
 * 0-based lines and UTF-16 characters. Conversions go through offsets, which both agree on,
 * against the exact text that was analysed, so a range never drifts across line endings.
 */
import type { Position as LspPosition, Range as LspRange } from "vscode-languageserver";
import type { Range } from "../../grammar/ast.js";

export class LineIndex {
  /** Offset where each line starts; a line ends at `\n`, `\r\n` or `\r`, as in LSP. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
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
    const start = this.positionAt(range.start.offset);
    const end = this.positionAt(Math.max(range.start.offset, range.end.offset));
    return { start, end };
  }

  /** The whole text, for an edit that replaces it. */
  fullRange(): LspRange {
    return { start: { line: 0, character: 0 }, end: this.positionAt(this.text.length) };
  }
}

export function contains(range: Range, offset: number, inclusiveEnd = false): boolean {
  return range.start.offset <= offset && (offset < range.end.offset || (inclusiveEnd && offset === range.end.offset));
}
