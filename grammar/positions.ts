/**
 * The ranges of the AST of one text (source-range.ts): two offsets each and the text's one
 * line table. Asked to, the builder lists the ranges it made, so the language server can move
 * them all when an edit shifts the text after them (the list is not made otherwise: holding
 * every range of a large file a little longer cost more than making it).
 *
 * A builder can also give the ranges of a piece of a larger text (one item the language
 * server re-reads): the piece's offsets count from its start, its ranges are in the whole text.
 */
import type { IToken } from "chevrotain";
import { LineTable, sourceRange, type SourceRange } from "./source-range.js";

export class RangeBuilder {
  /** Every range this builder made, each once, when asked for (`listed`): the list is the caller's after the parse. */
  readonly made: SourceRange[] | undefined;
  private readonly origin: number;
  /**
   * Set by the AST builder when it builds a node the notation pass (grammar/notation.ts) may
   * rewrite or report: a step index alone (`[t]`), an operator or function in the lecture's
   * spelling, an equation's indexed name. A file without any has that pass skipped.
   */
  notation = false;

  /** `origin`: where the text starts in the larger one whose line table `lines` is. */
  constructor(
    readonly lines: LineTable,
    readonly textLength: number,
    { origin = 0, listed = false }: { origin?: number; listed?: boolean } = {},
  ) {
    this.origin = origin;
    this.made = listed ? [] : undefined;
  }

  /** The line table of a text, from where each line starts (the lexer finds them as it goes). */
  static lineTable(text: string): LineTable {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    return new LineTable(starts);
  }

  /** From offset `from` to `to` of this builder's text, each kept within it. */
  range(from: number, to: number): SourceRange {
    const range = sourceRange(this.clamp(from) + this.origin, this.clamp(to) + this.origin, this.lines);
    this.made?.push(range);
    return range;
  }

  /** A range from the start of one to the end of another, listed like the others. */
  span(from: SourceRange, to: SourceRange): SourceRange {
    const range = sourceRange(from.startOffset, to.endOffset, this.lines);
    this.made?.push(range);
    return range;
  }

  tokenRange(t: IToken): SourceRange {
    return this.range(t.startOffset, tokenEndOffset(t));
  }

  /** Where the text ends. */
  end(): SourceRange {
    return this.range(this.textLength, this.textLength);
  }

  /** The 0-based line of an offset of this builder's text. */
  lineOf(offset: number): number {
    return this.lines.lineOf(this.clamp(offset) + this.origin);
  }

  private clamp(offset: number): number {
    return Math.max(0, Math.min(offset, this.textLength));
  }
}

/** The offset just after a token. */
export function tokenEndOffset(t: IToken): number {
  return t.startOffset + t.image.length;
}
