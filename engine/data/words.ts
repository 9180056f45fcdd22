/**
 * A word corpus: words are separated by white space (as JavaScript's `\s` defines it, the
 * same split as JSONL "text"), and a line is a sentence, whose end is the token `<eos>`
 * (a line without words gives none). The text is given as code points in pieces, as
 * engine/data/text-file.ts reads it, so a word may be cut between two pieces; the first
 * pass counts the words (`WordCounter`), the second writes their ids (`WordEncoder`).
 * The words `<eos>` and `<unk>` written in a text (as in the Penn Treebank's) are the
 * special tokens. A word outside the vocabulary is `<unk>`.
 */
import { DataError } from "../io/data-error.js";
import { charIdArray, END_OF_LINE, rankedVocabulary, type CharIds, type Vocabulary } from "./vocabulary.js";

const NEWLINE = 10;

/** Whether a code point is white space for `\s` in a JavaScript regular expression. */
export function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The string of code points [start, end), in slices (a spread of a long word would overflow the stack). */
function stringOf(points: ArrayLike<number>, start: number, end: number): string {
  const SLICE = 4096;
  let s = "";
  for (let i = start; i < end; i += SLICE)
    s += String.fromCodePoint(...Array.prototype.slice.call(points, i, Math.min(end, i + SLICE)));
  return s;
}

/** Cuts code points given in pieces into words and line ends. */
export class WordReader {
  /** Code points of a word cut by the end of the previous piece. */
  private pending: number[] = [];
  private lineHasWords = false;

  constructor(
    private readonly onWord: (word: string) => void,
    private readonly onLineEnd: () => void,
  ) {}

  add(points: Int32Array, n: number): void {
    let start = -1;
    for (let i = 0; i < n; i++) {
      const c = points[i]!;
      if (!isSpace(c)) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0 || this.pending.length > 0) this.word(points, start < 0 ? i : start, i);
      start = -1;
      if (c === NEWLINE) this.lineEnd();
    }
    if (start >= 0) for (let i = start; i < n; i++) this.pending.push(points[i]!);
  }

  /** The end of the text: a last line without a line break is a sentence too, unless `lineEnd` is false (a prime). */
  end(lineEnd = true): void {
    if (this.pending.length > 0) this.word([], 0, 0);
    if (lineEnd) this.lineEnd();
  }

  private word(points: ArrayLike<number>, start: number, end: number): void {
    let word = stringOf(points, start, end);
    if (this.pending.length > 0) {
      word = stringOf(this.pending, 0, this.pending.length) + word;
      this.pending = [];
    }
    this.lineHasWords = true;
    this.onWord(word);
  }

  private lineEnd(): void {
    if (this.lineHasWords) this.onLineEnd();
    this.lineHasWords = false;
  }
}

/** The first pass over a word corpus: each word's count, and the number of ids (words and line ends). */
export class WordCounter {
  readonly counts = new Map<string, number>();
  length = 0;
  private readonly reader = new WordReader(
    (w) => {
      this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
      this.length++;
    },
    () => {
      this.counts.set(END_OF_LINE, (this.counts.get(END_OF_LINE) ?? 0) + 1);
      this.length++;
    },
  );

  add(points: Int32Array, n: number): void {
    this.reader.add(points, n);
  }

  finish(): void {
    this.reader.end();
  }
}

/** A word vocabulary: the text's words (the most frequent `cap` − 2 with a cap), `<eos>` and `<unk>`. */
export function wordVocabulary(counts: ReadonlyMap<string, number>, cap?: number): Vocabulary {
  return rankedVocabulary("words", counts, { endOfLine: true, unknown: true, ...(cap === undefined ? {} : { cap }) });
}

/** The second pass: the corpus as ids of `vocabulary`, into an array of `capacity` ids. */
export class WordEncoder {
  length = 0;
  /** Words read as `<unk>` (those the vocabulary has not, not a `<unk>` written in the text). */
  unknownCount = 0;
  private readonly ids: CharIds;
  private readonly reader: WordReader;

  constructor(vocabulary: Vocabulary, capacity: number) {
    const { unknown, endOfLine } = vocabulary;
    if (unknown === undefined || endOfLine === undefined)
      throw new DataError(`a word vocabulary has <unk> and <eos>; this one (${vocabulary.kind}) has not`);
    const index = new Map(vocabulary.entries.map((e, i) => [e, i]));
    this.ids = charIdArray(vocabulary.entries.length, capacity);
    this.reader = new WordReader(
      (w) => {
        const id = index.get(w);
        if (id === undefined) this.unknownCount++;
        this.ids[this.length++] = id ?? unknown;
      },
      () => (this.ids[this.length++] = endOfLine),
    );
  }

  add(points: Int32Array, n: number): void {
    this.reader.add(points, n);
  }

  /** The ids; `lineEnd` false leaves out the `<eos>` of an unfinished last line (a prime to continue). */
  finish(lineEnd = true): CharIds {
    this.reader.end(lineEnd);
    return this.length === this.ids.length ? this.ids : this.ids.subarray(0, this.length);
  }
}

/** Words of a string as ids (a `--prime`: its last line is not ended). */
export function encodeWords(text: string, vocabulary: Vocabulary): Int32Array {
  const points = Int32Array.from(text, (c) => c.codePointAt(0)!);
  const encoder = new WordEncoder(vocabulary, points.length + 1);
  encoder.add(points, points.length);
  return Int32Array.from(encoder.finish(false));
}

/** Ids as text: words separated by spaces, `<eos>` as a line break. */
export function decodeWords(ids: ArrayLike<number>, vocabulary: Vocabulary, atLineStart = true): string {
  let s = "";
  let lineStart = atLineStart;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === vocabulary.endOfLine) {
      s += "\n";
      lineStart = true;
      continue;
    }
    s += (lineStart ? "" : " ") + (vocabulary.entries[id] ?? "<unk>");
    lineStart = false;
  }
  return s;
}
