/**
 * `rnnc train`'s options for optimisers, weight decay, schedules, early stopping, gradient
 * accumulation and starting points, end to end: what the run says, what its checkpoint keeps,
 * and that a resumed run keeps them. (The numbers themselves are tested against PyTorch in
 * tests/engine/train/.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { Rng } from "../../runtime/rng.js";

let dir: string;
let corpus: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-train-options-"));
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(new Rng(4), 60));
});

const lm = ["examples/char-lm.rnn", "--dim", "H=8", "--batch", "4", "--seq-len", "16", "--progress", "none"];
const checkpointConfig = (ck: string) => JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).config;

describe("optimisers and weight decay", () => {
  it("trains with each optimiser, says which, and keeps its weight decay for a resumed run", async () => {
    const ck = join(dir, "adamw");
    const r = await rnnc("train", ...lm, "--data", corpus, "--epochs", "1", "--optimizer", "adamw", "--checkpoint", ck);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/adamw lr 0.005 weight decay 0.01,/);
    expect(checkpointConfig(ck).optimizer).toMatchObject({ kind: "adamw", lr: 0.005, weightDecay: 0.01 });
    const changed = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--resume",
      "--weight-decay",
      "0.1",
    );
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/--weight-decay 0.1 differs from the checkpoint \(--weight-decay 0.01\)/);
    for (const optimizer of ["nesterov", "adagrad", "rmsprop"]) {
      const other = await rnnc(
        "train",
        ...lm,
        "--data",
        corpus,
        "--epochs",
        "1",
        "--optimizer",
        optimizer,
        "--weight-decay",
        "0.001",
        "--checkpoint",
        join(dir, optimizer),
      );
      expect(other.err, optimizer).toBe("");
      expect(other.out).toMatch(new RegExp(`${optimizer} lr [\\d.]+( momentum 0.9)? weight decay 0.001,`));
    }
  });

  it("rnnc help train gives every optimiser's rule and default learning rate", async () => {
    const r = await rnnc("help", "train");
    for (const line of [
      /nesterov +v ← μv \+ g, w ← w − lr·\(g \+ μv\) \(default lr 0.05\)/,
      /adamw +adam with decoupled weight decay w ← w·\(1 − lr·λ\)/,
      /adagrad +s ← s \+ g², w ← w − lr·g\/\(√s \+ ε\) \(default lr 0.1\)/,
      /rmsprop +s ← αs \+ \(1 − α\)g²/,
      /--weight-decay <x> +λ: L2 added to the gradient/,
    ])
      expect(r.out).toMatch(line);
  });
});
