/**
 * `rnnc translate` on an encoder-decoder trained to reverse sequences of words: one source a
 * line in, one output a line out, greedy or by beam search, from a file or standard input;
 * bad input and a checkpoint that is not of this model are refused with a message, nothing
 * printed, and a non-zero exit.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";
import { reverserModel, wordSequences } from "../support/reverser.js";
import { corpusBleu } from "../../engine/train/bleu.js";

let dir: string;
let checkpoint: string;
let lm: string;
let lmRun: string;

const sources = wordSequences(new Rng(9), 40);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-translate-"));
  writeFileSync(join(dir, "reverse.rnn"), reverserModel());
  writeFileSync(join(dir, "other.rnn"), reverserModel(16));
  const pairs = wordSequences(new Rng(1), 300).map((w) => `${w.join(" ")}\t${[...w].reverse().join(" ")}\n`);
  writeFileSync(join(dir, "train.tsv"), pairs.join(""));
  writeFileSync(join(dir, "sources.txt"), sources.map((w) => w.join(" ") + "\n").join(""));
  checkpoint = join(dir, "run");
  const trained = await rnnc(
    "train",
    join(dir, "reverse.rnn"),
    ...["--data", join(dir, "train.tsv"), "--tokens", "words", "--backend", "interp", "--epochs", "40"],
    ...["--checkpoint", checkpoint, "--progress", "none"],
  );
  expect(trained.code, trained.err).toBe(0);
  // A language model, whose checkpoint has no pairs.
  lm = join(dir, "lm.rnn");
  writeFileSync(
    lm,
    "model Lm {\n  dim V = 2\n  dim H = 8\n  input x : onehot[V]\n  target y : class[V]\n  param Vo : [V, H]\n  cell h = gru(x, size = H)\n  o = softmax(Vo @ h)\n  loss cross_entropy(o, y) at each\n}\n",
  );
  writeFileSync(join(dir, "text.txt"), "abcabcabc abc\n".repeat(20));
  lmRun = join(dir, "lm-run");
  const lmTrained = await rnnc(
    "train",
    lm,
    ...[
      "--data",
      join(dir, "text.txt"),
      "--backend",
      "interp",
      "--epochs",
      "1",
      "--checkpoint",
      lmRun,
      "--progress",
      "none",
    ],
  );
  expect(lmTrained.code, lmTrained.err).toBe(0);
}, 300_000);

const translate = (...args: string[]) =>
  rnnc("translate", join(dir, "reverse.rnn"), "--checkpoint", checkpoint, ...args);

describe("rnnc translate", () => {
  it("writes one output a line, in words as trained: the reversals", async () => {
    const r = await translate("--input", join(dir, "sources.txt"));
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(sources.length);
    const right = lines.filter((line, i) => line === [...sources[i]!].reverse().join(" ")).length;
    // By chance about none; this small GRU gets the short ones right and slips on some of five words.
    expect(right / sources.length).toBeGreaterThan(0.5);
  });

  it("searches a beam of K hypotheses; a beam of 1 is greedy", async () => {
    const greedy = await translate("--input", join(dir, "sources.txt"));
    const beam1 = await translate("--input", join(dir, "sources.txt"), "--beam", "1");
    const beam4 = await translate("--input", join(dir, "sources.txt"), "--beam", "4");
    expect(beam1.code, beam1.err).toBe(0);
    expect(beam1.out).toBe(greedy.out);
    expect(beam4.code, beam4.err).toBe(0);
    expect(beam4.out.split("\n")).toHaveLength(sources.length + 1);
  });

  it("decodes on the model's generated module as on the interpreter, greedy and by beam search", async () => {
    for (const search of [[], ["--beam", "4"]]) {
      const compiled = await translate("--input", join(dir, "sources.txt"), ...search);
      const interpreted = await translate("--input", join(dir, "sources.txt"), "--backend", "interp", ...search);
      expect(compiled.code, compiled.err).toBe(0);
      expect(interpreted.code, interpreted.err).toBe(0);
      expect(compiled.out).toBe(interpreted.out);
    }
  });

  it("stops an output at --max-length tokens", async () => {
    const r = await translate("--input", join(dir, "sources.txt"), "--max-length", "2");
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines.every((line) => line.split(" ").length <= 2)).toBe(true);
    expect(lines.some((line) => line.split(" ").length === 2)).toBe(true);
  });

  it("reads standard input by default", () => {
    // The built command line, as a reader pipes into it.
    const r = spawnSync(
      process.execPath,
      ["bin/rnnc.js", "translate", join(dir, "reverse.rnn"), "--checkpoint", checkpoint],
      { input: "a b c\nh g\n", encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toHaveLength(3);
  });

  it("refuses a word outside the source vocabulary and an empty line, with file and line", async () => {
    const unknown = join(dir, "unknown.txt");
    writeFileSync(unknown, "a b\nc z d\n");
    const r = await translate("--input", unknown);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`rnnc: ${unknown}:2: 'z' is not in the source vocabulary the model was trained with\n`);
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "a b\n  \nc\n");
    const e = await translate("--input", empty);
    expect(e.code).toBe(1);
    expect(e.out).toBe("");
    expect(e.err).toBe(`rnnc: ${empty}:2: the line is empty: each line is a source to translate\n`);
  });

  it("names the line of standard input", () => {
    const r = spawnSync(
      process.execPath,
      ["bin/rnnc.js", "translate", join(dir, "reverse.rnn"), "--checkpoint", checkpoint],
      { input: "a\n\nb\n", encoding: "utf8" },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("rnnc: standard input:2: the line is empty: each line is a source to translate\n");
  });

  it("refuses the checkpoint of another model, and one not trained on pairs", async () => {
    const other = await rnnc(
      "translate",
      join(dir, "other.rnn"),
      "--checkpoint",
      checkpoint,
      "--input",
      join(dir, "sources.txt"),
    );
    expect(other.code).toBe(1);
    expect(other.out).toBe("");
    expect(other.err).toContain(`rnnc: the checkpoint in ${checkpoint} does not fit ${join(dir, "other.rnn")}:`);
    const r = await rnnc("translate", lm, "--checkpoint", lmRun, "--input", join(dir, "sources.txt"));
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `rnnc: the checkpoint in ${lmRun} was not trained on sentence pairs (its data is text), so it has no source and target vocabularies to translate with\n`,
    );
  }, 120_000);
});

describe("rnnc eval on sentence pairs", () => {
  it("reports the exact match and BLEU of the translations rnnc translate writes", async () => {
    const test = join(dir, "test.tsv");
    const targets = sources.map((w) => [...w].reverse().join(" "));
    writeFileSync(test, sources.map((w, i) => `${w.join(" ")}\t${targets[i]}\n`).join(""));
    for (const beam of [[], ["--beam", "3"]]) {
      const translated = await translate("--input", join(dir, "sources.txt"), ...beam);
      const outputs = translated.out.trimEnd().split("\n");
      const exact = outputs.filter((o, i) => o === targets[i]).length / targets.length;
      const bleu = corpusBleu(outputs, [targets]).score;
      expect(exact).toBeGreaterThan(0);
      expect(bleu).toBeGreaterThan(0);
      const json = await rnnc(
        "eval",
        join(dir, "reverse.rnn"),
        ...["--checkpoint", checkpoint, "--data", test, "--backend", "interp", "--format", "json", ...beam],
      );
      expect(json.code, json.err).toBe(0);
      const r = JSON.parse(json.out) as { exactMatch: number; bleu: number; decoding: string; accuracy: number };
      expect(r.decoding).toBe(beam.length === 0 ? "greedy" : "beam 3");
      expect(r.exactMatch).toBe(exact);
      expect(r.bleu).toBeCloseTo(bleu, 10);
      expect(r.accuracy).toBeGreaterThan(0.5);
      // The generated module (eval's default backend) translates as the interpreter does.
      const text = await rnnc(
        "eval",
        join(dir, "reverse.rnn"),
        ...["--checkpoint", checkpoint, "--data", test, ...beam],
      );
      expect(text.code, text.err).toBe(0);
      expect(text.out).toContain(
        `  translated (${r.decoding}): exact match ${(100 * exact).toFixed(1)}% of 40 pairs, BLEU ${bleu.toFixed(2)}\n`,
      );
    }
  });

  it("refuses --beam on data that is not pairs", async () => {
    const r = await rnnc("eval", lm, "--checkpoint", lmRun, "--data", join(dir, "text.txt"), "--beam", "2");
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe(
      `rnnc: --beam searches translations of sentence pairs; ${join(dir, "text.txt")} is not a pair corpus (.tsv, or JSONL of {"source", "target"})\n`,
    );
  });
});
