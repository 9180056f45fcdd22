/**
 * `rnnc train` on sentence pairs with the compiled backend (the default): an encoder-decoder
 * trains step for step as on the interpreter (the generated code computes the same loss and
 * gradients to 1e-12, so the same run gives the same losses), on one thread; with attention too
 * (examples/translate-attention.rnn).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";
import { reverserModel, wordSequences } from "../support/reverser.js";

let dir: string;

/** The shipped encoder-decoder with additive attention. */
const attention = readFileSync("examples/translate-attention.rnn", "utf8");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-pairs-compiled-"));
  writeFileSync(join(dir, "reverse.rnn"), reverserModel(16));
  writeFileSync(join(dir, "attention.rnn"), attention);
  const lines = wordSequences(new Rng(4), 120).map(
    (words) => `${words.join(" ")}\t${[...words].reverse().join(" ")}\n`,
  );
  writeFileSync(join(dir, "train.tsv"), lines.join(""));
});

/** The loss of every training step a run logged. */
function stepLosses(checkpoint: string): number[] {
  return readFileSync(join(checkpoint, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { kind: string; loss: number })
    .filter((m) => m.kind === "step")
    .map((m) => m.loss);
}

async function train(backend: string, ...extra: string[]) {
  return trainModel("reverse.rnn", backend, ...extra);
}

async function trainModel(model: string, backend: string, ...extra: string[]) {
  const checkpoint = join(dir, `${model}-${backend}${extra.join("")}`);
  const run = await rnnc(
    "train",
    join(dir, model),
    "--data",
    join(dir, "train.tsv"),
    "--tokens",
    "words",
    "--epochs",
    "2",
    "--batch",
    "16",
    "--checkpoint",
    checkpoint,
    "--progress",
    "none",
    ...(backend === "default" ? [] : ["--backend", backend]),
    ...extra,
  );
  return { run, checkpoint };
}

describe("an encoder-decoder on the compiled backend", () => {
  it("trains by default on the compiled backend, as the interpreter does", async () => {
    const compiled = await train("default");
    expect(compiled.run.code, compiled.run.err).toBe(0);
    expect(compiled.run.out).toMatch(/backend compiled\n/);
    const interpreted = await train("interp");
    expect(interpreted.run.code, interpreted.run.err).toBe(0);
    const [a, b] = [stepLosses(compiled.checkpoint), stepLosses(interpreted.checkpoint)];
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(10);
    for (const [k, loss] of a.entries()) expect(Math.abs(loss - b[k]!) / b[k]!, `step ${k + 1}`).toBeLessThan(1e-9);
  });

  it("with attention (examples/translate-attention.rnn) trains and evaluates on the compiled backend, as the interpreter does", async () => {
    const compiled = await trainModel("attention.rnn", "default");
    expect(compiled.run.code, compiled.run.err).toBe(0);
    expect(compiled.run.err).toBe("");
    expect(compiled.run.out).toMatch(/backend compiled\n/);
    const interpreted = await trainModel("attention.rnn", "interp");
    expect(interpreted.run.code, interpreted.run.err).toBe(0);
    const [a, b] = [stepLosses(compiled.checkpoint), stepLosses(interpreted.checkpoint)];
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(10);
    for (const [k, loss] of a.entries()) expect(Math.abs(loss - b[k]!) / b[k]!, `step ${k + 1}`).toBeLessThan(1e-9);
    const evaluated = await rnnc(
      "eval",
      join(dir, "attention.rnn"),
      "--checkpoint",
      compiled.checkpoint,
      "--data",
      join(dir, "train.tsv"),
    );
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.err).toBe("");
    expect(evaluated.out).toContain("translated (greedy): exact match");
  });

  it("refuses more than one thread, saying why", async () => {
    const { run } = await train("compiled", "--threads", "2");
    expect(run.code).not.toBe(0);
    expect(run.err).toContain(
      "--threads 2: Reverse reads sequences s, t, and its batches are not split between threads yet; train it on one thread",
    );
  });
});
