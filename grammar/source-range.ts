/**
 * Where a node of the AST is: two offsets into its text, and the text's line starts to turn
 * them into lines and columns when something asks (a diagnostic, the formatter, the language
 * server). An AST of a large file has hundreds of thousands of ranges; positions made for
 * each of them when parsing were most of what the front end allocated and kept, so a range
 * holds numbers and makes its positions on demand.
 *
 * Every range of one analysis shares one `LineTable`. After an edit the language server
 * moves the offsets of the ranges after it and gives the table the new text's line starts:
 * the lines and columns of every range follow.
 */

/** 1-based line and column, 0-based offset (UTF-16 code units, as editors count). */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** The offset where each line of a text starts (the first being 0), searched for an offset's line. */
export class LineTable {
  // Private fields (#), so that two tables of the same text compare equal as data.
  #starts: readonly number[];
  /** The line of the last lookup: lookups mostly move forward a little, so the search starts there. */
  #line = 0;

  constructor(starts: readonly number[]) {
    this.#starts = starts;
  }

  /** The line starts of the text as it is now (after an edit). */
  replace(starts: readonly number[]): void {
    this.#starts = starts;
    this.#line = 0;
  }

  position(offset: number): Position {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - this.#starts[line]! + 1, offset };
  }

  /** The 0-based line holding an offset. */
  lineOf(offset: number): number {
    const starts = this.#starts;
    const line = Math.min(this.#line, starts.length - 1);
    if (starts[line]! <= offset && (line + 1 === starts.length || offset < starts[line + 1]!)) return line;
    if (line + 2 < starts.length && starts[line + 1]! <= offset && offset < starts[line + 2]!)
      return (this.#line = line + 1);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return (this.#line = low);
  }
}

/**
 * Two offsets of a text, `end` exclusive, and the text's line table. A plain object literal
 * (`sourceRange`), not a class instance: V8 puts the objects of a literal that survive straight
 * into the old space (allocation-site pretenuring) but never an instance made by `new`, and an
 * AST keeps tens of thousands of ranges, which every scavenge copied while they were young.
 * Their positions are `startOf` and `endOf`; `toJSON` is one shared function, not a method.
 */
export interface SourceRange {
  startOffset: number;
  endOffset: number;
  readonly lines: LineTable;
  /** As data (JSON output): the positions, not the table. */
  readonly toJSON: (this: SourceRange) => { start: Position; end: Position };
}

export function sourceRange(startOffset: number, endOffset: number, lines: LineTable): SourceRange {
  return { startOffset, endOffset, lines, toJSON: positionsOf };
}

/** Another range of the same text. */
export function rangeAt(range: SourceRange, startOffset: number, endOffset: number): SourceRange {
  return sourceRange(startOffset, endOffset, range.lines);
}

export function startOf(range: SourceRange): Position {
  return range.lines.position(range.startOffset);
}

export function endOf(range: SourceRange): Position {
  return range.lines.position(range.endOffset);
}

function positionsOf(this: SourceRange): { start: Position; end: Position } {
  return { start: startOf(this), end: endOf(this) };
}
