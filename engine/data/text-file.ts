/**
 * A text corpus read from its file in chunks, never held whole: a first pass (`readTextFile`)
 * hashes the bytes, decodes them as UTF-8, counts the characters (or words) and refuses a
 * file that is not text; a second (`encodeTextFile`) reads it again into ids of the
 * vocabulary in a typed array of one to four bytes a character (or word). A text of any
 * size costs its ids and a few megabytes of tables (and a table of its distinct words), so a
 * 1 GB text trains in about 1 GB more than the model.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DataError } from "../io/data-error.js";
import { Utf8Decoder } from "./utf8.js";
import { CharEncoder, CharSet, rankedVocabulary, type CharIds, type Vocabulary } from "./vocabulary.js";
import { WordCounter, WordEncoder, wordVocabulary } from "./words.js";

/** What a text's tokens are: its characters, or its words and line ends. */
export type TextTokens = "chars" | "words";
export const textTokenKinds: readonly TextTokens[] = ["chars", "words"];

/** What the first pass learns about a text file. */
export interface TextCensus {
  tokens: TextTokens;
  /** How often each character (or word, and `<eos>`) occurs. */
  counts: Map<string, number>;
  /** Ids the text gives: its characters, or its words and line ends. */
  length: number;
  characters: number;
  bytes: number;
  sha256: string;
  /** Invalid UTF-8 sequences, each read as U+FFFD (few enough to be damage in a text, not binary data). */
  invalid: { count: number; firstOffset: number };
  /** The file as it was read, so the second pass can tell whether it changed. */
  modified: number;
}

const CHUNK_BYTES = 1 << 20;
/**
 * A text may hold one NUL byte or invalid UTF-8 sequence per this many bytes (damage, a
 * stray byte from another encoding); more is binary data or another encoding, refused.
 */
const BYTES_PER_BAD_BYTE = 1000;

export function readTextFile(path: string, tokens: TextTokens = "chars"): TextCensus {
  const hash = createHash("sha256");
  const decoder = new Utf8Decoder();
  const characters = new CharSet();
  const words = tokens === "words" ? new WordCounter() : undefined;
  const points = new Int32Array(CHUNK_BYTES + 1);
  let count = 0;
  const suspect = { nuls: 0, firstNul: -1, start: new Uint8Array(0) };
  const file = readChunks(path, (bytes, offset, size, end) => {
    hash.update(bytes);
    if (offset === 0) suspect.start = bytes.slice(0, 2);
    for (let i = bytes.indexOf(0); i >= 0; i = bytes.indexOf(0, i + 1)) {
      if (suspect.firstNul < 0) suspect.firstNul = offset + i;
      suspect.nuls++;
    }
    const n = decoder.decode(bytes, points, end);
    if (words) words.add(points, n);
    else characters.add(points, n);
    count += n;
    const bad = suspect.nuls + decoder.invalid;
    if (bad > Math.floor(size / BYTES_PER_BAD_BYTE)) throw notText(path, decoder, suspect, offset + bytes.length);
  });
  if (count === 0) throw new DataError(`${path} is empty`);
  words?.finish();
  if (words && words.length === 0) throw new DataError(`${path} has no words (only white space)`);
  return {
    tokens,
    counts: words ? words.counts : characters.counts(),
    length: words ? words.length : count,
    characters: count,
    bytes: file.size,
    sha256: hash.digest("hex"),
    invalid: { count: decoder.invalid, firstOffset: decoder.firstInvalidOffset },
    modified: file.mtimeMs,
  };
}

/** The vocabulary a text gives a new model: all its characters, or words, `<eos>` and `<unk>`; with `cap`, the most frequent. */
export function textVocabulary(census: TextCensus, cap?: number): Vocabulary {
  const capped = cap === undefined ? {} : { cap };
  return census.tokens === "words"
    ? wordVocabulary(census.counts, cap)
    : rankedVocabulary("chars", census.counts, capped);
}

/** The text of a file read by `readTextFile` as ids of `vocabulary` (its own, or a checkpoint's), and how many were `<unk>`. */
export function encodeTextFile(
  path: string,
  census: TextCensus,
  vocabulary: Vocabulary,
): { ids: CharIds; unknown: number } {
  const decoder = new Utf8Decoder();
  const encoder =
    census.tokens === "words" ? new WordEncoder(vocabulary, census.length) : new CharEncoder(vocabulary, census.length);
  const points = new Int32Array(CHUNK_BYTES + 1);
  const file = readChunks(path, (bytes, _offset, _size, end) =>
    encoder.add(points, decoder.decode(bytes, points, end)),
  );
  // A word corpus's last line ends with the text, so its length is known only then.
  const words = encoder instanceof WordEncoder ? encoder.finish() : undefined;
  if (file.size !== census.bytes || file.mtimeMs !== census.modified || encoder.length !== census.length)
    throw new DataError(`${path} changed while it was being read; read it when nothing is writing to it`);
  const ids = words ?? (encoder as CharEncoder).finish(path);
  return { ids, unknown: encoder.unknownCount };
}

/** Calls `each` with the file's bytes in order, a chunk at a time (the buffer is reused). */
function readChunks(
  path: string,
  each: (bytes: Uint8Array, offset: number, size: number, end: boolean) => void,
): { size: number; mtimeMs: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw cannotRead(path, e);
  }
  try {
    const { size, mtimeMs } = fstatSync(fd);
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let offset = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, CHUNK_BYTES, offset);
      } catch (e) {
        throw cannotRead(path, e);
      }
      each(buffer.subarray(0, n), offset, size, n === 0);
      if (n === 0) return { size: offset, mtimeMs };
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

export function cannotRead(path: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message;
  return new DataError(`cannot read data '${path}': ${reason}`);
}

function notText(
  path: string,
  decoder: Utf8Decoder,
  suspect: { nuls: number; firstNul: number; start: Uint8Array },
  read: number,
): DataError {
  const [a, b] = suspect.start;
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff))
    return new DataError(
      `${path} is not UTF-8 text: it starts with a UTF-16 byte order mark (${hex(a)} ${hex(b)}); convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`,
    );
  const invalidFirst =
    decoder.firstInvalidOffset >= 0 && (suspect.firstNul < 0 || decoder.firstInvalidOffset < suspect.firstNul);
  const first = invalidFirst
    ? `byte ${decoder.firstInvalidOffset.toLocaleString("en-US")} is ${hex(decoder.firstInvalidByte)}, not valid UTF-8 there`
    : `byte ${suspect.firstNul.toLocaleString("en-US")} is NUL (0x00)`;
  const bad = decoder.invalid + suspect.nuls;
  return new DataError(
    `${path} is not UTF-8 text (binary data?): ${first}, one of ${bad.toLocaleString("en-US")} NUL bytes and invalid UTF-8 sequences in its first ${read.toLocaleString("en-US")} bytes; a text corpus must be UTF-8 (convert it, e.g. iconv -f LATIN1 -t UTF-8), or give .jsonl or .json data`,
  );
}

const hex = (byte: number | undefined) => `0x${(byte ?? 0).toString(16).toUpperCase().padStart(2, "0")}`;
