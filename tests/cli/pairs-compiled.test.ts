/**
 * `rnnc train` on sentence pairs with the compiled backend (the default): an encoder-decoder
 * trains step for step as on the interpreter (the generated code computes the same loss and
 * gradients to 1e-12, so the same run gives the same losses), on one thread.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";

let dir: string;

const reverser = `model Reverse {
  dim V = 2  // set from the data
  dim W = 2
  dim H = 16
  input x[s] : onehot[V]
  target y : class[W]
  param Vo : [W, H]
  param c : [W] = zeros
  cell e = gru(x, size = H)
  cell d = gru(y[t-1], size = H, init = e[last])
  o = softmax(Vo @ d + c)
  loss cross_entropy(o, y) at each
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-pairs-compiled-"));
  writeFileSync(join(dir, "reverse.rnn"), reverser);
  const rng = new Rng(4);
  const lines = Array.from({ length: 120 }, () => {
    const words = Array.from({ length: 1 + rng.int(5) }, () => "abcdef"[rng.int(6)]!);
    return `${words.join(" ")}\t${[...words].reverse().join(" ")}\n`;
  });
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
  const checkpoint = join(dir, `${backend}${extra.join("")}`);
  const run = await rnnc(
    "train",
    join(dir, "reverse.rnn"),
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

  it("refuses more than one thread, saying why", async () => {
    const { run } = await train("compiled", "--threads", "2");
    expect(run.code).not.toBe(0);
    expect(run.err).toContain(
      "--threads 2: Reverse reads sequences s, t, and its batches are not split between threads yet; train it on one thread",
    );
  });
});
