/**
 * Vocabularies: the characters or words of a text corpus, or the tokens of JSONL records,
 * each given an id (its index). Saved with a checkpoint, so evaluation and sampling read
 * new text with the ids training used. A character or token outside it is read as `<unk>`
 * when the vocabulary has one (a capped vocabulary, and every word vocabulary), and is
 * otherwise an error that says where it is.
 *
 * Characters are collected and encoded from code points in pieces (`CharSet`,
 * `CharEncoder`), so a text file is read in chunks and never held whole (engine/data/text-file.ts;
 * words: engine/data/words.ts).
 */
import { DataError } from "../io/data-error.js";
import { plural } from "../../compiler/plural.js";

export interface Vocabulary {
  kind: "chars" | "words" | "tokens";
  /** Entry i has id i. Characters are whole code points; the special entries are named below. */
  entries: string[];
  /** The id of `<unk>`, which stands for every character or token outside the vocabulary. */
  unknown?: number;
  /** The id of `<eos>`, the end of a line of a word corpus (a line is a sentence). */
  endOfLine?: number;
  /** The `--vocab-size` it was cut to. */
  cap?: number;
}

export const UNKNOWN = "<unk>";
export const END_OF_LINE = "<eos>";

/**
 * A vocabulary of the given tokens and their counts: all of them, or with `cap` the most
 * frequent ones (ties in code point order) so that the vocabulary, specials included, has
 * `cap` entries. The text's own tokens come first, sorted; then `<eos>` and `<unk>` when
 * asked for. A capped vocabulary always has `<unk>`.
 */
export function rankedVocabulary(
  kind: Vocabulary["kind"],
  counts: ReadonlyMap<string, number>,
  options: { cap?: number; unknown?: boolean; endOfLine?: boolean } = {},
): Vocabulary {
  const unknown = options.unknown === true || options.cap !== undefined;
  const specials = [...(options.endOfLine ? [END_OF_LINE] : []), ...(unknown ? [UNKNOWN] : [])];
  let own = [...counts.keys()].filter((t) => !specials.includes(t));
  if (options.cap !== undefined) {
    const room = options.cap - specials.length;
    if (room < 1)
      throw new DataError(
        `a vocabulary of ${options.cap} has no room for the text's own tokens beside ${specials.join(" and ")}; give at least ${specials.length + 1}`,
      );
    own = own.sort((a, b) => counts.get(b)! - counts.get(a)! || compareCodePoints(a, b)).slice(0, room);
  }
  const entries = [...own.sort(compareCodePoints), ...specials];
  return {
    kind,
    entries,
    ...(options.endOfLine ? { endOfLine: entries.indexOf(END_OF_LINE) } : {}),
    ...(unknown ? { unknown: entries.indexOf(UNKNOWN) } : {}),
    ...(options.cap !== undefined ? { cap: options.cap } : {}),
  };
}

/** A text as character ids, in the narrowest array that holds the vocabulary's ids. */
export type CharIds = Uint8Array | Uint16Array | Int32Array;

const CODE_POINTS = 0x110000;

export function charIdArray(vocabularySize: number, length: number): CharIds {
  if (vocabularySize <= 0x100) return new Uint8Array(length);
  if (vocabularySize <= 0x10000) return new Uint16Array(length);
  return new Int32Array(length);
}

/** The distinct characters of a text given in pieces, and how often each occurs. */
export class CharSet {
  private readonly count = new Float64Array(CODE_POINTS);
  private readonly distinct: number[] = [];

  add(codePoints: Int32Array, n: number): void {
    const count = this.count;
    for (let i = 0; i < n; i++) {
      const c = codePoints[i]!;
      if (count[c]++ === 0) this.distinct.push(c);
    }
  }

  counts(): Map<string, number> {
    return new Map(this.distinct.map((c) => [String.fromCodePoint(c), this.count[c]!]));
  }
}

/**
 * A text given in pieces as ids of `vocabulary`, into an array of `capacity` ids. Characters
 * outside the vocabulary are read as `<unk>` if it has one (and counted); otherwise they are
 * remembered with the line and column of their first use and reported by `finish`.
 */
export class CharEncoder {
  /** Characters given so far (the ids beyond `capacity` are counted, not stored). */
  length = 0;
  /** Characters read as `<unk>`. */
  unknownCount = 0;
  private readonly ids: CharIds;
  /** Code point → id, or −1 outside the vocabulary. */
  private readonly index = new Int32Array(CODE_POINTS).fill(-1);
  private readonly unknown = new Map<number, { line: number; column: number; count: number }>();
  private line = 1;
  private column = 1;

  constructor(
    private readonly vocabulary: Vocabulary,
    capacity: number,
  ) {
    vocabulary.entries.forEach((e, i) => {
      if (i !== vocabulary.unknown) this.index[e.codePointAt(0)!] = i;
    });
    this.ids = charIdArray(vocabulary.entries.length, capacity);
  }

  add(codePoints: Int32Array, n: number): void {
    const { ids, index } = this;
    const unknown = this.vocabulary.unknown;
    let { length, line, column } = this;
    for (let i = 0; i < n; i++) {
      const c = codePoints[i]!;
      const id = index[c]!;
      if (id >= 0) ids[length] = id;
      else if (unknown !== undefined) {
        ids[length] = unknown;
        this.unknownCount++;
      } else this.noteUnknown(c, line, column);
      length++;
      if (c === 10) {
        line++;
        column = 1;
      } else column++;
    }
    this.length = length;
    this.line = line;
    this.column = column;
  }

  finish(where: string): CharIds {
    if (this.unknown.size > 0) {
      const list = [...this.unknown]
        .slice(0, 8)
        .map(
          ([c, u]) =>
            `${showChar(String.fromCodePoint(c))} (line ${u.line}, column ${u.column}${u.count > 1 ? `, ${u.count} times` : ""})`,
        );
      const more = this.unknown.size > 8 ? ` and ${this.unknown.size - 8} more` : "";
      const n = this.unknown.size;
      throw new DataError(
        `${where} has ${n} ${plural(n, "character")} outside the model's vocabulary of ${this.vocabulary.entries.length}: ${list.join(", ")}${more}`,
      );
    }
    return this.ids;
  }

  private noteUnknown(c: number, line: number, column: number): void {
    const seen = this.unknown.get(c);
    if (seen) seen.count++;
    else this.unknown.set(c, { line, column, count: 1 });
  }
}

/** The code points of a string (a lone surrogate stays one, as it is in the string). */
function codePointsOf(text: string): Int32Array {
  return Int32Array.from(text, (c) => c.codePointAt(0)!);
}

export function charVocabulary(text: string, cap?: number): Vocabulary {
  const set = new CharSet();
  const points = codePointsOf(text);
  set.add(points, points.length);
  return rankedVocabulary("chars", set.counts(), cap === undefined ? {} : { cap });
}

export function tokenVocabulary(tokens: Iterable<string>, cap?: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  return rankedVocabulary("tokens", counts, cap === undefined ? {} : { cap });
}

export function vocabularyIndex(v: Vocabulary): Map<string, number> {
  return new Map(v.entries.map((e, i) => [e, i]));
}

/** Characters as ids; unknown characters are `<unk>`, or without one reported with line and column of their first use. */
export function encodeChars(text: string, v: Vocabulary, where = "the text"): Int32Array {
  const points = codePointsOf(text);
  const encoder = new CharEncoder(v, points.length);
  encoder.add(points, points.length);
  return Int32Array.from(encoder.finish(where));
}

/** Ids as text; `<unk>` (and an id outside the vocabulary) is U+FFFD, the replacement character. */
export function decodeChars(ids: ArrayLike<number>, v: Vocabulary): string {
  let s = "";
  for (let i = 0; i < ids.length; i++) s += (ids[i] === v.unknown ? undefined : v.entries[ids[i]!]) ?? "\uFFFD";
  return s;
}

/** A character for a message: printable ones quoted, others by code point. */
export function showChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (c === "\n") return "'\\n' (U+000A)";
  if (c === "\t") return "'\\t' (U+0009)";
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return code < 0x20 || code === 0x7f ? hex : `'${c}' (${hex})`;
}

/** UTF-16 order, as JavaScript compares strings (it differs from code point order above U+FFFF; kept, since checkpoints store the order). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
