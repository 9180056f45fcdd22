/**
 * Offsets → positions (line, column, offset) for the AST of one text. Tokens carry only
 * their offset; the lines are known from where each one starts. Every range that starts or
 * ends at an offset shares one `Position` object: an AST of a large file holds hundreds of
 * thousands of them, and they were most of what parsing allocated. The map lists the objects
 * it made, so the language server can move them all when an edit shifts the text after them.
 *
 * A map can also give the positions of a piece of a larger text (one item the language server
 * re-reads): its offsets count from the piece's start, its positions are those in the whole text.
 */
import type { IToken } from "chevrotain";
import type { Position, Range } from "./ast.js";

export class PositionMap {
  private readonly positions: Position[] = [];
  /** For each offset, 1 + the index in `made` of its position; 0 when not made yet. */
  private readonly slot: Int32Array;
  /** The line of the last lookup: lookups mostly move forward a little, so the search starts there. */
  private line = 0;

  /** `lineStarts`: the offset where each line starts, the first being 0. */
  private readonly lineBase: number;
  private readonly columnBase: number;
  private readonly offsetBase: number;

  /** `lineStarts`: the offset where each line starts, the first being 0; `origin`: where the text starts in a larger one. */
  constructor(
    private readonly lineStarts: readonly number[],
    readonly textLength: number,
    origin?: Position,
  ) {
    this.slot = new Int32Array(textLength + 1);
    this.lineBase = origin ? origin.line - 1 : 0;
    this.columnBase = origin ? origin.column - 1 : 0;
    this.offsetBase = origin ? origin.offset : 0;
  }

  /** Every position this map made, each once: the list is the caller's after the parse. */
  get made(): Position[] {
    return this.positions;
  }

  /** The positions of a text not lexed (the lexer finds the line starts as it goes). */
  static of(text: string): PositionMap {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    return new PositionMap(starts, text.length);
  }

  at(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.textLength));
    const known = this.slot[o]!;
    if (known > 0) return this.positions[known - 1]!;
    const line = this.lineOf(o);
    const position = {
      line: line + 1 + this.lineBase,
      column: o - this.lineStarts[line]! + 1 + (line === 0 ? this.columnBase : 0),
      offset: o + this.offsetBase,
    };
    this.positions.push(position);
    this.slot[o] = this.positions.length;
    return position;
  }

  tokenRange(t: IToken): Range {
    return { start: this.at(t.startOffset), end: this.at(tokenEndOffset(t)) };
  }

  /** Where the text ends. */
  end(): Position {
    return this.at(this.textLength);
  }

  private lineOf(offset: number): number {
    const starts = this.lineStarts;
    const line = this.line;
    if (starts[line]! <= offset && (line + 1 === starts.length || offset < starts[line + 1]!)) return line;
    if (line + 2 < starts.length && starts[line + 1]! <= offset && offset < starts[line + 2]!)
      return (this.line = line + 1);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return (this.line = low);
  }
}

/** The offset just after a token. */
export function tokenEndOffset(t: IToken): number {
  return t.startOffset + t.image.length;
}
