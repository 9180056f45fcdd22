/**
 * Gradient accumulation: K batches of B summed into one step train exactly as one batch of
 * K·B does, up to the order of the sums (1e-12 in float64), on sequences of different lengths,
 * on a text whose streams carry their state from chunk to chunk, and with a summed loss.
 */
import { describe, expect, it } from "vitest";
import { interpreterBackend } from "../../../engine/interpreter-backend.js";
import { examplesFromBatch, type Dataset } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { Rng } from "../../../runtime/rng.js";
import { initialTrainState, trainLoop, type StepReport, type TrainConfig } from "../../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { irFromText } from "../../support/models.js";

const model = (at: "last" | "each", reduce = "mean") => `model E {
  dim V = 6
  dim H = 5
  dim K = ${at === "each" ? 6 : 3}
  input x : onehot[V]
  target y : class[K]
  param W : [H, H]
  param U : [H, V]
  param b : [H] = zeros
  param Vo : [K, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x + b)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y${reduce === "sum" ? ", reduce = sum" : ""}) at ${at}
}`;

const config = (over: Partial<TrainConfig>): TrainConfig => ({
  epochs: 2,
  batch: 6,
  seqLen: 5,
  optimizer: defaultOptimizerConfig("adam", 0.02),
  clipValue: null,
  clipNorm: 1,
  seed: 3,
  valSplit: 0,
  evalEvery: 0,
  ...over,
});

/** Trains from the same start with `one` and with `accumulated`; both must take the same steps to the same weights. */
async function compare(source: string, train: Dataset, one: Partial<TrainConfig>, accumulated: Partial<TrainConfig>) {
  const ir = irFromText(source);
  const backend = interpreterBackend(ir);
  const run = async (over: Partial<TrainConfig>) => {
    const c = config(over);
    const state = initialTrainState(initialWeights(ir, 1), c);
    const steps: StepReport[] = [];
    const out = await trainLoop(backend, { train }, c, state, { step: (r) => steps.push(r) });
    expect(out.status).toBe("finished");
    return { state, steps };
  };
  const a = await run(one);
  const b = await run(accumulated);
  expect(b.steps.length).toBe(a.steps.length);
  expect(a.steps.length).toBeGreaterThanOrEqual(4);
  b.steps.forEach((s, i) => {
    expect(s.positions).toBe(a.steps[i]!.positions);
    expect(Math.abs(s.loss - a.steps[i]!.loss)).toBeLessThan(1e-12);
  });
  for (const [name, w] of Object.entries(a.state.weights))
    w.forEach((v, i) => expect(Math.abs(b.state.weights[name]![i]! - v), `${name}[${i}]`).toBeLessThan(1e-12));
  return { a, b };
}

describe("--accumulate K equals one batch K times larger", () => {
  it("sequences of different lengths, a loss at the last step (3 × 2 against 6, and 4 × 2 against 8 with a short last batch)", async () => {
    const ir = irFromText(model("last"));
    const train: Dataset = {
      kind: "sequences",
      examples: examplesFromBatch(ir, randomBatch(ir, new Rng(7), { T: 8, B: 21, ragged: true })),
    };
    await compare(model("last"), train, { batch: 6 }, { batch: 2, accumulate: 3 });
    await compare(model("last"), train, { batch: 8 }, { batch: 2, accumulate: 4 });
  });

  it("a loss at every step, summed", async () => {
    const ir = irFromText(model("each", "sum"));
    const train: Dataset = {
      kind: "sequences",
      examples: examplesFromBatch(ir, randomBatch(ir, new Rng(8), { T: 7, B: 12, ragged: true })),
    };
    await compare(
      model("each", "sum"),
      train,
      { batch: 6, optimizer: defaultOptimizerConfig("sgd", 0.01) },
      {
        batch: 3,
        accumulate: 2,
        optimizer: defaultOptimizerConfig("sgd", 0.01),
      },
    );
  });

  it("a text: 2 groups of 3 streams, each carrying its state, against 6 streams", async () => {
    const rng = new Rng(9);
    const train: Dataset = {
      kind: "stream",
      ids: Int32Array.from({ length: 203 }, () => rng.int(6)),
      input: "x",
      target: "y",
    };
    const { a } = await compare(model("each"), train, { batch: 6 }, { batch: 3, accumulate: 2 });
    expect(a.steps.length).toBe(2 * Math.ceil(Math.floor(202 / 6) / 5));
  });
});
