/**
 * `rnnc train` on a model with dropout, end to end: its masks come from the run's seeded
 * generator, whose state the checkpoint keeps, so a run stopped by SIGINT and resumed ends
 * with the weights and logs of an uninterrupted one, on one thread and on two; validation,
 * `rnnc run` and `eval` see the identity.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { signalAfterStep, spawnRnnc } from "../support/spawn.js";
import { Rng } from "../../runtime/rng.js";

let dir: string;
let corpus: string;
let model: string;
let plain: string;

/** A character model with dropout on its recurrent connection (one mask per sequence) and before its output. */
const modelText = (dropped: boolean) => `model CharDropout {
  dim V = 40
  dim H = 8
  input x : onehot[V]
  target y : class[V]
  param W : [H, H]
  param U : [H, V]
  param b : [H] = zeros
  param Vo : [V, H]
  state h : [H] = zeros
  h = tanh(W @ ${dropped ? "dropout(h[t-1], p = 0.2, per = sequence)" : "h[t-1]"} + U @ x + b)
  o = softmax(Vo @ ${dropped ? "dropout(h, p = 0.3)" : "h"})
  loss cross_entropy(o, y) at each
}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-train-dropout-"));
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(new Rng(4), 60));
  model = join(dir, "dropout.rnn");
  writeFileSync(model, modelText(true));
  plain = join(dir, "plain.rnn");
  writeFileSync(plain, modelText(false));
});

const metrics = (ck: string) =>
  readFileSync(join(ck, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const trainArgs = (file: string, ck: string, threads: string) => [
  "train",
  file,
  "--data",
  corpus,
  "--batch",
  "4",
  "--seq-len",
  "16",
  "--epochs",
  "3",
  "--seed",
  "5",
  "--checkpoint",
  ck,
  "--checkpoint-every",
  "5",
  "--eval-every",
  "4",
  "--progress",
  "lines",
  "--log-every",
  "1",
  "--threads",
  threads,
];

describe("training with dropout", () => {
  it("draws masks while training only: its training losses differ from the model without dropout, its evaluation does not", async () => {
    const withDropout = join(dir, "with");
    const without = join(dir, "without");
    for (const [file, ck] of [
      [model, withDropout],
      [plain, without],
    ] as const) {
      const r = await rnnc(...trainArgs(file, ck, "1"), "--epochs", "1");
      expect(r.code, r.err).toBe(0);
    }
    const steps = (ck: string) => metrics(ck).filter((l) => l.kind === "step");
    const evals = (ck: string) => metrics(ck).filter((l) => l.kind === "eval");
    // The same initial weights (the same parameters, in the same order): step 1's loss differs by the masks alone.
    expect(steps(withDropout)[0]!["loss"]).not.toBe(steps(without)[0]!["loss"]);
    expect(JSON.parse(readFileSync(join(withDropout, "checkpoint.json"), "utf8")).dropoutRng.words).toHaveLength(4);
    // After 4 steps the weights differ, but a validation is the identity's: run the one with the other's weights.
    const run = (file: string) =>
      rnnc("eval", file, "--checkpoint", withDropout, "--data", corpus, "--format", "json", "--backend", "interp");
    const [a, b] = [await run(model), await run(plain)];
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
    expect(evals(withDropout).length).toBeGreaterThan(0);
  }, 60_000);

  for (const threads of ["1", "2"])
    it(`stopped by SIGINT on ${threads} thread(s), resumes to the weights and logs of an uninterrupted run`, async () => {
      const reference = join(dir, `ref-${threads}`);
      const straight = await rnnc(...trainArgs(model, reference, threads));
      expect(straight.code, straight.err).toBe(0);
      const ck = join(dir, `resumed-${threads}`);
      const stopped = await spawnRnnc(trainArgs(model, ck, threads), signalAfterStep("SIGINT", 7));
      expect(stopped.code, stopped.out).toBe(130);
      const resumed = await rnnc(...trainArgs(model, ck, threads), "--resume");
      expect(resumed.err).toBe("");
      for (const file of ["weights.safetensors", "best/weights.safetensors"])
        expect(Buffer.compare(readFileSync(join(ck, file)), readFileSync(join(reference, file))), file).toBe(0);
      const logged = (d: string) =>
        metrics(d)
          .filter((l) => l.kind !== "warning")
          .map(({ seconds: _, ...rest }) => rest);
      expect(logged(ck)).toEqual(logged(reference));
    }, 90_000);
});
