/** The training loop: masking, clipping, resume exactness, NaN handling, and loss falling on every example model. */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/frontend.js";
import { interpreterBackend } from "../../../engine/interpreter-backend.js";
import { sequenceBatch, examplesFromBatch, type Dataset, type Example } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import type { Weights } from "../../../engine/interpret/batch.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { Rng } from "../../../runtime/rng.js";
import { createBackend } from "../../../engine/train/backend-choice.js";
import { evaluate } from "../../../engine/train/evaluate.js";
import { initialTrainState, trainLoop, type TrainConfig, type TrainState } from "../../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { constantSchedule, type ScheduleConfig } from "../../../engine/train/schedule.js";
import { irFromFile, irFromText } from "../../support/models.js";

const elman = `model E {
  dim V = 6
  dim H = 5
  dim K = 3
  input x : onehot[V]
  target y : class[K]
  param W : [H, H]
  param U : [H, V]
  param b : [H] = zeros
  param Vo : [K, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x + b)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at last
}`;

const config = (over: Partial<TrainConfig> = {}): TrainConfig => ({
  epochs: 2,
  batch: 4,
  seqLen: 10,
  optimizer: defaultOptimizerConfig("adam", 0.02),
  clipValue: null,
  clipNorm: null,
  seed: 3,
  valSplit: 0,
  evalEvery: 0,
  ...over,
});
const copy = (w: Weights): Weights => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.slice()]));

function randomExamples(ir: ReturnType<typeof irFromText>, n: number, seed: number, maxLen = 7): Example[] {
  const rng = new Rng(seed);
  const batch = randomBatch(ir, rng, { T: maxLen, B: n, ragged: true });
  return examplesFromBatch(ir, batch);
}

describe("masking", () => {
  it("padded steps change nothing: a padded batch gives the loss and gradients of its sequences run alone", () => {
    const ir = irFromText(elman);
    const backend = interpreterBackend(ir);
    const weights = initialWeights(ir, 1);
    const examples = randomExamples(ir, 3, 5);
    expect(new Set(examples.map((e) => e.length)).size).toBeGreaterThan(1);
    const together = backend.lossAndGrad(weights, sequenceBatch(ir, examples, [0, 1, 2]));
    const alone = examples.map((_, i) => backend.lossAndGrad(weights, sequenceBatch(ir, examples, [i])));
    expect(together.loss).toBeCloseTo(alone.reduce((s, r) => s + r.loss, 0) / 3, 12);
    for (const name of Object.keys(weights)) {
      const sum = alone.reduce(
        (acc, r) => acc.map((v, i) => v + r.grads[name]![i]! / 3),
        new Float64Array(weights[name]!.length),
      );
      together.grads[name]!.forEach((g, i) => expect(g).toBeCloseTo(sum[i]!, 12));
    }
  });

  it("what sits in the padding does not matter", () => {
    const ir = irFromText(elman);
    const backend = interpreterBackend(ir);
    const weights = initialWeights(ir, 2);
    const examples = randomExamples(ir, 4, 9);
    const batch = sequenceBatch(ir, examples, [0, 1, 2, 3]);
    const a = backend.lossAndGrad(weights, batch);
    const ids = (batch.inputs["x"] as { ids: Int32Array }).ids;
    for (let t = 0; t < batch.T; t++)
      for (let b = 0; b < batch.B; b++) if (t >= batch.lengths[b]!) ids[t * batch.B + b] = 5;
    const b2 = backend.lossAndGrad(weights, batch);
    expect(b2.loss).toBe(a.loss);
    for (const name of Object.keys(weights)) expect(Array.from(b2.grads[name]!)).toEqual(Array.from(a.grads[name]!));
  });
});

describe("the loop", () => {
  const ir = irFromText(elman);
  const data: Dataset = { kind: "sequences", examples: randomExamples(ir, 10, 11) };

  it("clips the gradient norm before the step (sgd: w − lr·g·c/‖g‖)", async () => {
    const backend = interpreterBackend(ir);
    const w0 = initialWeights(ir, 4);
    const c = config({ epochs: 1, batch: 10, optimizer: defaultOptimizerConfig("sgd", 0.5), clipNorm: 0.01 });
    const state = initialTrainState(copy(w0), c);
    let norm = 0;
    await trainLoop(backend, { train: data }, c, state, { step: (r) => (norm = r.gradNorm) });
    const order = initialTrainState(copy(w0), c).shuffle.shuffle(Array.from({ length: 10 }, (_, i) => i));
    const g = backend.lossAndGrad(w0, sequenceBatch(ir, data.kind === "sequences" ? data.examples : [], order)).grads;
    expect(norm).toBeGreaterThan(0.01);
    for (const name of Object.keys(w0))
      state.weights[name]!.forEach((v, i) =>
        expect(v).toBeCloseTo(w0[name]![i]! - (0.5 * g[name]![i]! * 0.01) / norm, 14),
      );
  });

  it("clips each entry with --clip-value", async () => {
    const backend = interpreterBackend(ir);
    const w0 = initialWeights(ir, 4);
    const c = config({ epochs: 1, batch: 10, optimizer: defaultOptimizerConfig("sgd", 1), clipValue: 1e-4 });
    const state = initialTrainState(copy(w0), c);
    await trainLoop(backend, { train: data }, c, state);
    for (const name of Object.keys(w0))
      state.weights[name]!.forEach((v, i) => expect(Math.abs(v - w0[name]![i]!)).toBeLessThanOrEqual(1e-4 + 1e-16));
  });

  it("each step uses the schedule's learning rate: the first step of a warmup moves sgd by lr/W·g", async () => {
    const backend = interpreterBackend(ir);
    const w0 = initialWeights(ir, 4);
    const schedule: ScheduleConfig = { ...constantSchedule, kind: "cosine", warmup: 4, cosineSteps: 3, minLr: 0.01 };
    const c = config({ epochs: 7, batch: 10, optimizer: defaultOptimizerConfig("sgd", 0.5), schedule });
    const state = initialTrainState(copy(w0), c);
    const rates: number[] = [];
    let afterFirst: Weights | undefined;
    await trainLoop(backend, { train: data }, c, state, {
      step: (r) => {
        rates.push(r.lr);
        afterFirst ??= copy(state.weights);
      },
    });
    const cosine = (m: number) => 0.01 + (0.49 * (1 + Math.cos((Math.PI * m) / 3))) / 2;
    [0.125, 0.25, 0.375, 0.5, cosine(0), cosine(1), cosine(2)].forEach((lr, k) => expect(rates[k]).toBeCloseTo(lr, 15));
    expect(rates).toHaveLength(7);
    const order = initialTrainState(copy(w0), c).shuffle.shuffle(Array.from({ length: 10 }, (_, i) => i));
    const g = backend.lossAndGrad(w0, sequenceBatch(ir, data.kind === "sequences" ? data.examples : [], order)).grads;
    for (const name of Object.keys(w0))
      afterFirst![name]!.forEach((v, i) => expect(v).toBeCloseTo(w0[name]![i]! - 0.125 * g[name]![i]!, 14));
  });

  it("a plateau schedule lowers the rate after validations that do not improve, and the next steps use it", async () => {
    const backend = interpreterBackend(ir);
    const schedule: ScheduleConfig = { ...constantSchedule, kind: "plateau", patience: 0, factor: 0.5 };
    const c = config({ epochs: 6, batch: 5, evalEvery: 1, optimizer: defaultOptimizerConfig("sgd", 20), schedule });
    const state = initialTrainState(initialWeights(ir, 1), c);
    const events: string[] = [];
    await trainLoop(backend, { train: data, val: data }, c, state, {
      step: (r) => events.push(`step ${r.lr}`),
      evaluated: (r) => r.lrReduced !== undefined && events.push(`lowered ${r.lrReduced}`),
    });
    const lowered = events.filter((e) => e.startsWith("lowered"));
    expect(lowered.length).toBeGreaterThan(0);
    let rate = 20;
    for (const e of events) {
      const [what, value] = e.split(" ");
      if (what === "lowered") {
        expect(Number(value)).toBe(rate / 2);
        rate /= 2;
      } else expect(Number(value)).toBe(rate);
    }
    expect(state.plateau!.lr).toBe(rate);
  });

  it("--patience stops the run at the validation that makes N in a row without a new best", async () => {
    const backend = interpreterBackend(ir);
    const c = config({ epochs: 20, batch: 5, evalEvery: 1, optimizer: defaultOptimizerConfig("sgd", 20), patience: 3 });
    const state = initialTrainState(initialWeights(ir, 1), c);
    const losses: number[] = [];
    const out = await trainLoop(backend, { train: data, val: data }, c, state, {
      evaluated: (r) => losses.push(r.val!.loss),
    });
    expect(out.status).toBe("stopped-early");
    let best = Infinity;
    let since = 0;
    const stopAt = losses.findIndex((l) => {
      since = l < best ? 0 : since + 1;
      best = Math.min(best, l);
      return since === 3;
    });
    expect(stopAt).toBe(losses.length - 1);
    expect(state.early).toEqual({ best, since: 3 });
    expect(state.epoch).toBeLessThan(20);
  });

  it("a run stopped after any step and continued from its state ends with the same weights, bit for bit", async () => {
    const backend = interpreterBackend(ir);
    const c = config({ epochs: 3, batch: 3 });
    const straight = initialTrainState(initialWeights(ir, 1), c);
    await trainLoop(backend, { train: data }, c, straight);

    let saved: string | undefined;
    const first = initialTrainState(initialWeights(ir, 1), c);
    const out = await trainLoop(backend, { train: data }, c, first, {
      stopRequested: () => first.step === 5,
      checkpoint: (s) => (saved = snapshot(s)),
    });
    expect(out.status).toBe("interrupted");
    expect(first.batchInEpoch).toBe(1);
    const resumed = restore(saved!, c);
    await trainLoop(backend, { train: data }, c, resumed);
    expect(resumed.step).toBe(straight.step);
    for (const name of Object.keys(straight.weights))
      expect(Array.from(resumed.weights[name]!)).toEqual(Array.from(straight.weights[name]!));
  });

  it("a stop asked for while a step computes (a signal, handled at the next turn of events) ends the run after that step", async () => {
    const backend = interpreterBackend(ir);
    const c = config({ epochs: 3, batch: 3 });
    const state = initialTrainState(initialWeights(ir, 1), c);
    let asked = false;
    const saved: number[] = [];
    const out = await trainLoop(
      backend,
      { train: data },
      c,
      state,
      { stopRequested: () => asked, checkpoint: (s) => saved.push(s.step) },
      (weights, batch) => {
        if (state.step === 4) setImmediate(() => (asked = true));
        return backend.lossAndGrad(weights, batch);
      },
    );
    expect(out.status).toBe("interrupted");
    expect(saved).toEqual([5]);
  });

  it("stops on a non-finite loss, reporting where, with the weights of the last good step", async () => {
    const exploding = irFromText(`model X {
      dim D = 2
      dim H = 3
      input x : [D]
      target y : [H]
      param W : [H, H] = 3
      param U : [H, D] = 3
      state h : [H] = zeros
      h = exp(W @ h[t-1] + U @ x)
      loss mse(h, y) at last
    }`);
    const rng = new Rng(1);
    const examples = examplesFromBatch(exploding, randomBatch(exploding, rng, { T: 12, B: 4 }));
    const c = config({ epochs: 1, batch: 4 });
    const w0 = initialWeights(exploding, 1);
    const state = initialTrainState(copy(w0), c);
    const out = await trainLoop(interpreterBackend(exploding), { train: { kind: "sequences", examples } }, c, state);
    expect(out.status).toBe("diverged");
    if (out.status !== "diverged") return;
    expect(out.message).toMatch(/'h' is Infinity at step \d+ of sequence \d+/);
    expect(out.state.step).toBe(0);
    expect(Array.from(out.state.weights["W"]!)).toEqual(Array.from(w0["W"]!));
  });

  it("reports exploding gradient norms with a hint to clip", async () => {
    const backend = interpreterBackend(ir);
    const c = config({ epochs: 1, batch: 1 });
    const state = initialTrainState(initialWeights(ir, 1), c);
    state.recentNorms = Array(20).fill(1e-6);
    const warnings: string[] = [];
    await trainLoop(backend, { train: data }, c, state, { warning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/gradient norm .*× the recent median.*use --clip-norm 1/);
  });

  it("trains the same with the compiled backend (to rounding)", async () => {
    const c = config({ epochs: 2, batch: 4 });
    const viaInterp = initialTrainState(initialWeights(ir, 1), c);
    await trainLoop(await createBackend(ir, "interp"), { train: data }, c, viaInterp);
    const viaCompiled = initialTrainState(initialWeights(ir, 1), c);
    const compiled = await createBackend(ir, "compiled");
    expect(compiled.name).toBe("compiled");
    await trainLoop(compiled, { train: data }, c, viaCompiled);
    for (const name of Object.keys(viaInterp.weights))
      viaCompiled.weights[name]!.forEach((v, i) =>
        expect(Math.abs(v - viaInterp.weights[name]![i]!)).toBeLessThan(1e-9),
      );
  });
});

function snapshot(s: TrainState): string {
  const arrays = (w: Record<string, Float64Array>) =>
    Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Array.from(v)]));
  const opt = s.optimizer.getState();
  return JSON.stringify({
    weights: arrays(s.weights),
    t: opt.t,
    slots: Object.fromEntries(Object.entries(opt.slots).map(([k, v]) => [k, arrays(v)])),
    rng: s.shuffle.getState(),
    step: s.step,
    epoch: s.epoch,
    batchInEpoch: s.batchInEpoch,
    order: s.order,
    epochLoss: s.epochLoss,
  });
}

function restore(text: string, c: TrainConfig): TrainState {
  const j = JSON.parse(text);
  const floats = (w: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Float64Array.from(v)]));
  const s = initialTrainState(floats(j.weights), c);
  s.optimizer.setState({
    t: j.t,
    slots: Object.fromEntries(
      Object.entries(j.slots as Record<string, Record<string, number[]>>).map(([k, v]) => [k, floats(v)]),
    ),
  });
  s.shuffle = Rng.fromState(j.rng);
  Object.assign(s, {
    step: j.step,
    epoch: j.epoch,
    batchInEpoch: j.batchInEpoch,
    order: j.order,
    epochLoss: j.epochLoss,
  });
  return s;
}

describe("a short run lowers the loss of every example model", () => {
  const files = [
    ...readdirSync("examples")
      .filter((f) => f.endsWith(".rnn"))
      .map((f) => `examples/${f}`),
    ...readdirSync("examples/experiments/models")
      .filter((f) => f.endsWith(".rnn"))
      .map((f) => `examples/experiments/models/${f}`),
  ].filter((file) => irFromFile(file).losses.length > 0); // the linear recurrence has no loss to lower
  for (const file of files) {
    it(file, async () => {
      const dims = Object.fromEntries(
        analyze(readFileSync(file, "utf8"))
          .model!.dims.filter((d) => /^(H\d*|V|D|E|K)$/.test(d.name))
          .map((d) => [d.name, d.name.startsWith("H") || d.name === "E" ? 6 : d.name === "K" ? 3 : 5]),
      );
      const ir = irFromFile(file, dims);
      const examples = examplesFromBatch(ir, randomBatch(ir, new Rng(2), { T: 6, B: 8, ragged: true }));
      const train: Dataset = { kind: "sequences", examples };
      const backend = interpreterBackend(ir);
      const c = config({ epochs: 15, batch: 8, optimizer: defaultOptimizerConfig("adam", 0.05) });
      const state = initialTrainState(initialWeights(ir, 1), c);
      const before = (await evaluate(backend, state.weights, train, c)).loss;
      const out = await trainLoop(backend, { train }, c, state);
      expect(out.status).toBe("finished");
      const after = (await evaluate(backend, state.weights, train, c)).loss;
      expect(after, `${before} → ${after}`).toBeLessThan(before * 0.9);
    });
  }
});
