/**
 * `rnnc train` and `eval` on sentence pairs (.tsv and JSONL), an encoder-decoder learning to
 * reverse a sequence of words; bad pair files are refused with file and line before anything
 * is written.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";
import { reverserModel, wordSequences } from "../support/reverser.js";

let dir: string;

/** Sequences of words, each with its reversal. */
function reversals(rng: Rng, n: number): [string, string][] {
  return wordSequences(rng, n).map((words) => [words.join(" "), [...words].reverse().join(" ")]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-pairs-"));
  writeFileSync(join(dir, "reverse.rnn"), reverserModel());
  const tsv = (pairs: [string, string][]) => pairs.map(([s, t]) => `${s}\t${t}\n`).join("");
  writeFileSync(join(dir, "train.tsv"), tsv(reversals(new Rng(1), 300)));
  writeFileSync(join(dir, "test.tsv"), tsv(reversals(new Rng(2), 100)));
  const jsonl = reversals(new Rng(3), 40).map(([s, t]) => JSON.stringify({ source: s, target: t }) + "\n");
  writeFileSync(join(dir, "train.jsonl"), jsonl.join(""));
});

describe("sentence pairs", () => {
  it("train an encoder-decoder that reverses words, sizing its vocabularies from the data", async () => {
    const ck = join(dir, "words");
    const trained = await rnnc(
      "train",
      join(dir, "reverse.rnn"),
      "--data",
      join(dir, "train.tsv"),
      "--tokens",
      "words",
      "--backend",
      "interp",
      "--epochs",
      "25",
      "--checkpoint",
      ck,
      "--progress",
      "none",
    );
    expect(trained.code, trained.err).toBe(0);
    expect(trained.out).toContain("V = 8 (8 distinct words of the sources in");
    expect(trained.out).toContain("W = 9 (8 target words and <eos> in");
    const evaluated = await rnnc(
      "eval",
      join(dir, "reverse.rnn"),
      "--checkpoint",
      join(ck, "best"),
      "--data",
      join(dir, "test.tsv"),
      "--backend",
      "interp",
    );
    expect(evaluated.code, evaluated.err).toBe(0);
    // Chance is 1 in 9; the <eos> after each reversal is scored too.
    expect(Number(/accuracy\s+([\d.]+)%/.exec(evaluated.out)![1])).toBeGreaterThan(80);
  }, 300_000);

  it("read JSONL pairs, by characters by default", async () => {
    const ck = join(dir, "chars");
    const trained = await rnnc(
      "train",
      join(dir, "reverse.rnn"),
      "--data",
      join(dir, "train.jsonl"),
      "--backend",
      "interp",
      "--epochs",
      "1",
      "--checkpoint",
      ck,
      "--progress",
      "none",
    );
    expect(trained.code, trained.err).toBe(0);
    // The characters a–h and the space between words.
    expect(trained.out).toContain("V = 9 (9 distinct characters of the sources in");
  }, 300_000);

  it("are refused, with file and line, when a line is not a pair", async () => {
    const bad = join(dir, "bad.tsv");
    writeFileSync(bad, "a b\tb a\n\nc d c d\n");
    const ck = join(dir, "bad");
    const r = await rnnc("train", join(dir, "reverse.rnn"), "--data", bad, "--backend", "interp", "--checkpoint", ck);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`rnnc: ${bad}:3: no tab: a line is source<TAB>target\n`);
    expect(existsSync(ck)).toBe(false);
  });
});
