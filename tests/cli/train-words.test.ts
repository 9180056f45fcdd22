/**
 * Word-level language models from a text (`rnnc train --tokens words`), vocabularies capped
 * by `--vocab-size` with `<unk>` for the rest, and what eval and sample do with them: words
 * and characters outside a vocabulary with `<unk>` are read as `<unk>`, `--prime` is words.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { Rng } from "../../runtime/rng.js";

const lm = ["examples/char-lm.rnn", "--dim", "H=16"];
const quiet = ["--progress", "none", "--batch", "8", "--seq-len", "12"];
let dir: string;
let corpus: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-words-"));
  corpus = file("corpus.txt", toyCorpus(new Rng(2), 300));
});

describe("rnnc train --tokens words", () => {
  let ck: string;
  let trained: { code: number; out: string; err: string };
  beforeAll(async () => {
    ck = join(dir, "words");
    trained = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--tokens",
      "words",
      "--epochs",
      "4",
      "--checkpoint",
      ck,
      ...quiet,
    );
  }, 120_000);

  it("trains on words and line ends, V from the words, <eos> and <unk>", () => {
    expect(trained.err).toBe("");
    expect(trained.out).toMatch(/V = 14 \(14 tokens \(12 words, <eos> and <unk>\) in .*corpus.txt; the file says 65\)/);
    // 300 lines of 6 words and an <eos>.
    expect(trained.out).toMatch(/training on 1,890 tokens, validating on 210 tokens/);
    const vocabulary = JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).data.codebook.vocabulary;
    expect(vocabulary).toMatchObject({ kind: "words", endOfLine: 12, unknown: 13 });
    expect(vocabulary.entries).toContain("mat.");
  });

  it("samples words from a prime of words, reproducibly, each line a sentence of the toy language", async () => {
    const args = ["sample", ...lm, "--checkpoint", ck, "--length", "40", "--prime", "the cat", "--seed", "4"];
    const a = await rnnc(...args);
    const b = await rnnc(...args);
    expect(a.err).toBe("");
    expect(a.out).toBe(b.out);
    expect(a.out.startsWith("the cat ")).toBe(true);
    const words = new Set(["the", "cat", "a", "dog", "my", "bird", "sat", "on", "ran", "to", "mat.", "tree.", "<unk>"]);
    expect(a.out.split(/\s+/).filter((w) => w !== "" && !words.has(w))).toEqual([]);
    // At temperature 0 the model's most likely continuation: the toy grammar's "sat on" or "ran to".
    const greedy = await rnnc(
      "sample",
      ...lm,
      "--checkpoint",
      ck,
      "--length",
      "2",
      "--prime",
      "the cat",
      "--temperature",
      "0",
    );
    expect(greedy.out).toMatch(/^the cat (sat on|ran to)\n$/);
  });

  it("eval reads words it has never seen as <unk> and says how many", async () => {
    const other = file("other.txt", "the cat sat on the sofa.\nthe zebra ran to a tree.\n");
    const r = await rnnc("eval", ...lm, "--checkpoint", ck, "--data", other, "--batch", "1");
    expect(r.err).toBe("");
    expect(r.out).toMatch(/\(14 tokens, 2 of them outside the vocabulary, read as <unk>, 13 scored positions\)/);
    expect(r.out).toMatch(/loss [\d.]+, accuracy [\d.]+%, perplexity [\d.]+/);
  });

  it("a resumed run reads the text as words again, and keeps its tokens", async () => {
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--tokens",
      "chars",
      "--checkpoint",
      ck,
      "--resume",
      "--epochs",
      "5",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /--tokens chars differs from the checkpoint, which reads a text as words; a resumed run keeps its vocabulary/,
    );
    const resumed = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--resume",
      "--epochs",
      "5",
      ...quiet,
    );
    expect(resumed.err).toBe("");
    expect(resumed.out).toMatch(/training on 1,890 tokens/);
    expect(resumed.out).toMatch(/done: 5 epochs/);
  });
});

describe("rnnc train --vocab-size", () => {
  it("keeps the most frequent words, the rest <unk>", async () => {
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--tokens",
      "words",
      "--vocab-size",
      "8",
      "--epochs",
      "1",
      "--checkpoint",
      join(dir, "capped"),
      ...quiet,
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(/V = 8 \(8 tokens \(the 6 most frequent of 12 words, <eos> and <unk>\) in/);
    expect(r.out).toMatch(/of them outside the vocabulary, read as <unk>/);
  });

  it("gives a character model <unk>, so that eval reads characters it has never seen instead of refusing them", async () => {
    const ck = join(dir, "chars");
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--vocab-size",
      "12",
      "--epochs",
      "1",
      "--checkpoint",
      ck,
      ...quiet,
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(/V = 12 \(12 characters \(the 11 most frequent of 18 characters, <unk>\) in/);
    const other = file("zed.txt", "the cat\nsat on Zed\n");
    const e = await rnnc("eval", ...lm, "--checkpoint", ck, "--data", other);
    expect(e.err).toBe("");
    expect(e.out).toMatch(/\(19 characters, \d+ of them outside the vocabulary, read as <unk>, /);
  });

  it("caps the string tokens of JSONL records too, and eval reads new tokens as <unk>", async () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        text: `it was ${i % 3 ? "good" : "bad"} ${i % 2 ? "indeed" : "really"}`,
        label: i % 3 ? "pos" : "neg",
      }),
    );
    const data = file("records.jsonl", records.join("\n") + "\n");
    const ck = join(dir, "records");
    const r = await rnnc(
      "train",
      "examples/elman.rnn",
      "--dim",
      "H=8",
      "--data",
      data,
      "--vocab-size",
      "4",
      "--epochs",
      "1",
      "--checkpoint",
      ck,
      "--progress",
      "none",
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(/V = 4 \(4 tokens \(the 3 most frequent of 6 tokens, <unk>\) in/);
    const other = file("new.jsonl", JSON.stringify({ text: "it was splendid", label: "pos" }) + "\n");
    const e = await rnnc("eval", "examples/elman.rnn", "--checkpoint", ck, "--data", other);
    expect(e.err).toBe("");
    expect(e.out).toMatch(/1 sequence of 3 steps/);
  });

  it("refuses what it does not apply to", async () => {
    const json = await rnnc(
      "train",
      ...lm,
      "--data",
      "examples/data/char-lm.json",
      "--vocab-size",
      "5",
      "--checkpoint",
      join(dir, "j"),
    );
    expect(json.err).toMatch(
      /--vocab-size caps the vocabulary of a text or of JSONL tokens; .*char-lm.json is JSON, whose ids are given/,
    );
    const tokens = await rnnc(
      "train",
      ...lm,
      "--data",
      "examples/data/char-lm.json",
      "--tokens",
      "words",
      "--checkpoint",
      join(dir, "k"),
    );
    expect(tokens.err).toMatch(
      /--tokens words reads a text corpus \(.txt\) or sentence pairs \(.tsv\); .*char-lm.json is JSON/,
    );
    const bad = await rnnc("train", ...lm, "--data", corpus, "--tokens", "letters");
    expect(bad.err).toMatch(/option '--tokens <kind>' argument 'letters' is invalid. expected one of chars, words/);
  });
});

describe("rnnc help train and sample", () => {
  it("explain --tokens, --vocab-size and a prime of words", async () => {
    const train = await rnnc("help", "train");
    expect(train.out).toMatch(/--tokens <kind>\s+what a text's tokens are: chars \(default\), or words/);
    expect(train.out).toMatch(/--vocab-size <n>\s+keep the n most frequent/);
    const sample = await rnnc("help", "sample");
    expect(sample.out).toMatch(/--prime <text>\s+text to start from, in characters or words as trained/);
  });
});
