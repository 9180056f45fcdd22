/**
 * A text corpus read in chunks: the same vocabulary and ids as reading the whole file into a
 * string (what rnnc did before, and what checkpoints hold), ids in the narrowest typed array,
 * binary data refused with where it is.
 */
import { mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeTextFile, readTextFile, textVocabulary } from "../../../engine/data/text-file.js";
import { Rng } from "../../../runtime/rng.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-text-"));
});

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The vocabulary and ids of a file read whole into a string: the definition the chunked reader must keep. */
function readWhole(bytes: Buffer): { entries: string[]; ids: Int32Array } {
  const text = bytes.toString("utf8");
  const entries = [...new Set(Array.from(text))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(entries.map((e, i) => [e, i]));
  return { entries, ids: Int32Array.from(text, (c) => index.get(c)!) };
}

/** The same ids, whatever the array; compared in one go (toEqual on a million elements is slow). */
function expectSameIds(actual: ArrayLike<number>, expected: Int32Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(Int32Array.from(actual).buffer).equals(Buffer.from(expected.buffer))).toBe(true);
}

/** Text of `length` characters drawn from `alphabet`, seeded. */
function randomText(alphabet: string[], length: number, seed: number): string {
  const rng = new Rng(seed);
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

describe("a text file read in chunks", () => {
  const alphabets: [string, string[]][] = [
    ["ASCII with CRLF line ends", [..."abcdefgh ,.", "\r\n"]],
    ["two-, three- and four-byte characters", [..."aé€𝄞 \n漢字ß", "\ufffd", "\ufeff"]],
    ["characters above U+FFFF, sorted as JavaScript sorts strings", [..."a\uffee𝄞𝟘\ue000 z"]],
  ];
  for (const [what, alphabet] of alphabets)
    it(`gives the vocabulary and ids of the whole text: ${what}`, () => {
      // Over 2 MiB, so characters of every length straddle the 1 MiB chunks.
      const bytes = Buffer.from(randomText(alphabet, 1_100_000, 7), "utf8");
      const path = file("corpus.txt", bytes);
      const census = readTextFile(path);
      const whole = readWhole(bytes);
      expect(textVocabulary(census).entries).toEqual(whole.entries);
      expect(census.characters).toBe(whole.ids.length);
      expect(census.bytes).toBe(bytes.length);
      expectSameIds(encodeTextFile(path, census, textVocabulary(census)).ids, whole.ids);
    });

  it("keeps a few damaged bytes as U+FFFD, as the whole text read as a string does, and counts them", () => {
    const bytes = Buffer.from(randomText([..."the cat sat\n"], 5000, 3), "utf8");
    bytes[1234] = 0xe9; // a Latin-1 é
    bytes[4000] = 0x80;
    const path = file("damaged.txt", bytes);
    const census = readTextFile(path);
    expect(census.invalid).toEqual({ count: 2, firstOffset: 1234 });
    const whole = readWhole(bytes);
    expect(textVocabulary(census).entries).toEqual(whole.entries);
    expect(textVocabulary(census).entries).toContain("\ufffd");
    expectSameIds(encodeTextFile(path, census, textVocabulary(census)).ids, whole.ids);
  });

  it("holds the ids in the narrowest array: one byte each up to 256 characters, two up to 65,536", () => {
    const small = file("small.txt", randomText([..."abc\n"], 1000, 1));
    const smallCensus = readTextFile(small);
    const { ids } = encodeTextFile(small, smallCensus, textVocabulary(smallCensus));
    expect(ids).toBeInstanceOf(Uint8Array);
    expect(ids.byteLength).toBe(1000);

    const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => String.fromCodePoint(from + i));
    const wide = file("wide.txt", many(0x4e00, 300).join(""));
    const wideCensus = readTextFile(wide);
    expect(encodeTextFile(wide, wideCensus, textVocabulary(wideCensus)).ids).toBeInstanceOf(Uint16Array);

    const widest = file("widest.txt", many(0x20000, 70_000).join(""));
    const widestCensus = readTextFile(widest);
    const widestIds = encodeTextFile(widest, widestCensus, textVocabulary(widestCensus)).ids;
    expect(widestIds).toBeInstanceOf(Int32Array);
    expect(widestIds[69_999]).toBe(69_999);
  });

  it("encodes with another vocabulary (a checkpoint's), naming characters outside it by line and column", () => {
    const trained = readTextFile(file("trained.txt", "abc\nabd\n"));
    const other = file("other.txt", "ab\ncxa\nx€");
    expect(() => encodeTextFile(other, readTextFile(other), textVocabulary(trained))).toThrow(
      /other.txt has 2 characters outside the model's vocabulary of 5: 'x' \(U\+0078\) \(line 2, column 2, 2 times\), '€' \(U\+20AC\) \(line 3, column 2\)/,
    );
  });

  it("notices a file that changed between the two readings", () => {
    const path = file("changing.txt", "abcabc");
    const census = readTextFile(path);
    writeFileSync(path, "abcabcabc");
    expect(() => encodeTextFile(path, census, textVocabulary(census))).toThrow(
      /changing.txt changed while it was being read/,
    );
    writeFileSync(path, "cbacba");
    utimesSync(path, new Date(), new Date(census.modified + 5000));
    expect(() => encodeTextFile(path, census, textVocabulary(census))).toThrow(/changed while it was being read/);
  });
});

/** Words and line ends of a text read whole: the definition the chunked word reader must keep. */
function wordsWhole(text: string): string[] {
  return text.split("\n").flatMap((line) => {
    const words = line.split(/\s+/).filter((w) => w !== "");
    return words.length > 0 ? [...words, "<eos>"] : [];
  });
}

describe("a text file read as words", () => {
  it("gives the words and line ends of the whole text, words cut by the 1 MiB chunks included", () => {
    // Words of every length, with multi-byte characters, cut anywhere by the chunks; CRLF and blank lines.
    const alphabet = [..."ab cd\té€𝄞", "\r\n", "\n\n", "\u00a0", "  "];
    const text = randomText(alphabet, 1_000_000, 3) + "last words without a line break";
    const path = file("words.txt", text);
    const census = readTextFile(path, "words");
    const expected = wordsWhole(text);
    expect(census.tokens).toBe("words");
    expect(census.length).toBe(expected.length);
    const vocabulary = textVocabulary(census);
    const distinct = [...new Set(expected.filter((w) => w !== "<eos>"))];
    expect(vocabulary.entries).toEqual([...distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), "<eos>", "<unk>"]);
    const index = new Map(vocabulary.entries.map((e, i) => [e, i]));
    const { ids, unknown } = encodeTextFile(path, census, vocabulary);
    expectSameIds(
      ids,
      Int32Array.from(expected, (w) => index.get(w)!),
    );
    expect(unknown).toBe(0);
  });

  it("keeps the most frequent words with --vocab-size, the rest <unk>, counted", () => {
    const path = file("freq.txt", "a a a b b c\nd a b\n\n<unk> a\n");
    const census = readTextFile(path, "words");
    const v = textVocabulary(census, 4);
    expect(v).toEqual({ kind: "words", entries: ["a", "b", "<eos>", "<unk>"], endOfLine: 2, unknown: 3, cap: 4 });
    const { ids, unknown } = encodeTextFile(path, census, v);
    expect(Array.from(ids)).toEqual([0, 0, 0, 1, 1, 3, 2, 3, 0, 1, 2, 3, 0, 2]);
    // c and d are outside the vocabulary; the "<unk>" written in the text is the token itself.
    expect(unknown).toBe(2);
    expect(() => textVocabulary(census, 2)).toThrow(
      /a vocabulary of 2 has no room for the text's own tokens beside <eos> and <unk>; give at least 3/,
    );
  });

  it("refuses a text with no words", () => {
    expect(() => readTextFile(file("blank.txt", " \n\t\n"), "words")).toThrow(
      /blank\.txt has no words \(only white space\)/,
    );
  });
});

describe("a capped character vocabulary", () => {
  it("keeps the most frequent characters and <unk>, which reads every other character, also of other texts", () => {
    const trained = readTextFile(file("chars.txt", "aaabbc\n"));
    const v = textVocabulary(trained, 3);
    expect(v).toEqual({ kind: "chars", entries: ["a", "b", "<unk>"], unknown: 2, cap: 3 });
    const other = file("other-chars.txt", "abcxa");
    const { ids, unknown } = encodeTextFile(other, readTextFile(other), v);
    expect(Array.from(ids)).toEqual([0, 1, 2, 2, 0]);
    expect(unknown).toBe(2);
  });

  it("leaves the vocabulary of an uncapped text as it always was: no <unk>, no cap", () => {
    expect(textVocabulary(readTextFile(file("plain.txt", "ba\n")))).toEqual({
      kind: "chars",
      entries: ["\n", "a", "b"],
    });
  });
});

describe("data that is not text", () => {
  it("refuses random bytes, naming the file and the first bad byte", () => {
    const rng = new Rng(11);
    const bytes = Uint8Array.from({ length: 50_000 }, () => rng.int(256));
    const path = file("random.bin", bytes);
    expect(() => readTextFile(path)).toThrow(
      /random\.bin is not UTF-8 text \(binary data\?\): byte \d+ is (0x[0-9A-F]{2}, not valid UTF-8 there|NUL \(0x00\)), one of [\d,]+ NUL bytes and invalid UTF-8 sequences in its first 50,000 bytes; a text corpus must be UTF-8/,
    );
  });

  it("refuses NUL bytes beyond one per thousand, and says where the first is", () => {
    const text = Buffer.from("hello world\n".repeat(100), "utf8");
    text[600] = 0;
    expect(textVocabulary(readTextFile(file("one-nul.txt", text))).entries).toContain("\0");
    text[700] = 0;
    expect(() => readTextFile(file("two-nuls.txt", text))).toThrow(
      /two-nuls\.txt is not UTF-8 text .*: byte 600 is NUL/,
    );
  });

  it("refuses UTF-16, saying so", () => {
    const path = file("utf16.txt", Buffer.from("\ufeffhello world\n".repeat(50), "utf16le"));
    expect(() => readTextFile(path)).toThrow(
      /utf16\.txt is not UTF-8 text: it starts with a UTF-16 byte order mark \(0xFF 0xFE\); convert it to UTF-8/,
    );
  });

  it("stops reading binary data early instead of reading the whole file", () => {
    const path = file("big.bin", new Uint8Array(3 << 20).fill(0xff));
    expect(() => readTextFile(path)).toThrow(/in its first 1,048,576 bytes/);
  });

  it("says an empty file is empty, and a missing one missing", () => {
    expect(() => readTextFile(file("empty.txt", ""))).toThrow(/empty\.txt is empty/);
    expect(() => readTextFile(join(dir, "nothing.txt"))).toThrow(/cannot read data '.*nothing\.txt': no such file/);
    expect(() => readTextFile(dir)).toThrow(/cannot read data '.*': it is a directory/);
  });
});
