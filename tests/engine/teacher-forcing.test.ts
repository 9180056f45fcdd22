/**
 * Teacher forcing and free running, declared once: a decoder reads its previous target,
 * y[t-1] (the zero vector before the first step: the start), so while training it reads the
 * target and when generating its own previous prediction.
 */
import { describe, expect, it } from "vitest";
import { generate } from "../../engine/interpret/generate.js";
import { interpret } from "../../engine/interpret/interpret.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import type { Batch } from "../../engine/interpret/batch.js";
import { Rng } from "../../runtime/rng.js";
import { irFromText } from "../support/models.js";

/** PyTorch's translation tutorial without attention: GRU encoder, GRU decoder from its last state reading the previous target. */
const translator = `model Translator {
  dim V = 6
  dim W = 5
  dim E = 4
  dim H = 4
  input x[s] : onehot[V]
  target y : class[W]
  param Ex : [E, V]
  param Vo : [W, H]
  param c : [W] = zeros
  ex = Ex @ x
  cell e = gru(ex, size = H, in = E)
  cell d = gru(y[t-1], size = H, init = e[last])
  o = log_softmax(Vo @ d + c)
  loss cross_entropy(o, y) at each
}`;

/** The same with the attention decoder of the tutorial: the previous state scored against every source step. */
const attentionTranslator = translator.replace("model Translator", "model AttentionTranslator").replace(
  "cell d = gru(y[t-1], size = H, init = e[last])",
  `param Wa : [H, H]
  param Ua : [H, H]
  param va : [H]
  param Ey : [H, W]
  score = sum(va * tanh(Wa @ d[t-1] + Ua @ e[s]))
  α = softmax(score, over = s, mask = x)
  ctx = sum(α * e[s], over = s, mask = x)
  dec_in = [Ey @ y[t-1], ctx]
  cell d = gru(dec_in, size = H, in = 2 * H, init = e[last])`,
);

function setup(seed: number, text = translator) {
  const ir = irFromText(text);
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-2, 2);
  return { ir, rng, weights };
}

describe("a decoder reading its previous target", () => {
  it("reads the target while training, and its gradients match finite differences", () => {
    const { ir, rng, weights } = setup(2);
    const batch = randomBatch(ir, rng, { T: 4, B: 3, ragged: true, steps: { s: 5 } });
    const checks = gradcheck(interpreterBackend(ir), weights, batch, rng, { samplesPerParam: 10 });
    for (const c of checks) expect(c.worstError, c.param).toBeLessThan(1e-5);
  });

  // Seeds whose weights generate outputs that vary (checked below), not one class over and over.
  it.each([
    ["", translator, 5],
    [", reading every source step through attention", attentionTranslator, 11],
  ] as const)(
    "generates what the teacher-forced run predicts when the targets are its own predictions%s",
    (_, text, seed) => {
      const { ir, rng, weights } = setup(seed, text);
      const sources = randomBatch(ir, rng, { T: 6, B: 4, ragged: true, steps: { s: 6 } });
      const steps = 7;
      const generated = generate(ir, weights, sources, { maxLength: steps });
      expect(generated.map((g) => g.length)).toEqual([steps, steps, steps, steps]);
      // Outputs that change from step to step and example to example: each step read the one before.
      expect(new Set(generated.flatMap((g) => [...g.subarray(2)])).size).toBeGreaterThanOrEqual(3);
      // Teacher forcing on the generated classes: each step's best class is the next one generated.
      const ids = new Int32Array(steps * sources.B);
      generated.forEach((g, b) => g.forEach((id, t) => (ids[t * sources.B + b] = id)));
      const lengths = new Int32Array(sources.B).fill(steps);
      const forced: Batch = {
        ...sources,
        T: steps,
        lengths,
        targets: { y: { kind: "class", ids } },
        sequences: { s: sources.sequences!["s"]!, t: { T: steps, lengths } },
      };
      const o = interpret(ir, weights, forced).quantity("o");
      const W = 5;
      for (let t = 0; t < steps; t++)
        for (let b = 0; b < sources.B; b++) {
          const row = o.subarray((t * sources.B + b) * W, (t * sources.B + b + 1) * W);
          expect(row.indexOf(Math.max(...row))).toBe(generated[b]![t]);
        }
    },
  );

  it("stops an example at the class that ends it, which is not part of the output", () => {
    const { ir, rng, weights } = setup(5);
    const sources = randomBatch(ir, rng, { T: 6, B: 4, ragged: true, steps: { s: 6 } });
    const full = generate(ir, weights, sources, { maxLength: 7 });
    const stop = full[0]![2]!;
    const stopped = generate(ir, weights, sources, { maxLength: 7, stop });
    stopped.forEach((g, b) => {
      const end = full[b]!.indexOf(stop);
      expect([...g]).toEqual([...full[b]!.subarray(0, end < 0 ? 7 : end)]);
    });
    expect(stopped[0]!.length).toBeLessThanOrEqual(2);
  });
});

describe("beam search", () => {
  /** Every output of at most `maxLength` steps: classes other than `stop` then `stop`, or `maxLength` classes cut off. */
  function everyOutput(classes: number, stop: number, maxLength: number): { ids: number[]; ended: boolean }[] {
    const out: { ids: number[]; ended: boolean }[] = [];
    const grow = (prefix: number[]) => {
      if (prefix.length === maxLength) return out.push({ ids: prefix, ended: false });
      out.push({ ids: prefix, ended: true });
      for (let k = 0; k < classes; k++) if (k !== stop) grow([...prefix, k]);
    };
    grow([]);
    return out;
  }

  /** Mean log-probability per class of each output for example b (its `stop` counted), by teacher forcing. */
  function meanLogProbabilities(
    ir: ReturnType<typeof irFromText>,
    weights: Record<string, Float64Array>,
    sources: Batch,
    b: number,
    outputs: { ids: number[]; ended: boolean }[],
    stop: number,
  ): number[] {
    const s = sources.sequences!["s"]!;
    const length = s.lengths[b]!;
    const N = outputs.length;
    const steps = outputs.map((o) => (o.ended ? [...o.ids, stop] : o.ids));
    const T = Math.max(...steps.map((x) => x.length));
    const source = new Int32Array(length * N);
    const x = (sources.inputs["x"] as { ids: Int32Array }).ids;
    for (let t = 0; t < length; t++) for (let n = 0; n < N; n++) source[t * N + n] = x[t * sources.B + b]!;
    const ids = new Int32Array(T * N);
    steps.forEach((y, n) => y.forEach((id, t) => (ids[t * N + n] = id)));
    const lengths = Int32Array.from(steps, (y) => y.length);
    const forced: Batch = {
      T,
      B: N,
      lengths,
      inputs: { x: { kind: "onehot", ids: source } },
      targets: { y: { kind: "class", ids } },
      sequences: { s: { T: length, lengths: new Int32Array(N).fill(length) }, t: { T, lengths } },
    };
    const o = interpret(ir, weights, forced).quantity("o");
    const W = 5;
    return steps.map((y, n) => y.reduce((sum, id, t) => sum + o[(t * N + n) * W + id]!, 0) / y.length);
  }

  it("of width 1 is greedy", () => {
    for (const seed of [5, 6, 7]) {
      const { ir, rng, weights } = setup(seed);
      const sources = randomBatch(ir, rng, { T: 6, B: 8, ragged: true, steps: { s: 6 } });
      for (const stop of [0, 3]) {
        const greedy = generate(ir, weights, sources, { maxLength: 9, stop });
        const beam = generate(ir, weights, sources, { maxLength: 9, stop, beam: 1 });
        expect(beam.map((g) => [...g])).toEqual(greedy.map((g) => [...g]));
      }
    }
  });

  it("wide enough to keep every hypothesis, finds the output of highest mean log-probability", () => {
    const { ir, rng, weights } = setup(3);
    const sources = randomBatch(ir, rng, { T: 5, B: 16, ragged: true, steps: { s: 5 } });
    const stop = 1;
    const maxLength = 3;
    const outputs = everyOutput(5, stop, maxLength);
    const beam = generate(ir, weights, sources, { maxLength, stop, beam: outputs.length });
    const greedy = generate(ir, weights, sources, { maxLength, stop });
    let better = 0;
    for (let b = 0; b < sources.B; b++) {
      const scores = meanLogProbabilities(ir, weights, sources, b, outputs, stop);
      const best = scores.indexOf(Math.max(...scores));
      expect([...beam[b]!]).toEqual(outputs[best]!.ids);
      const greedyOutput = outputs.findIndex((o) => o.ids.join() === [...greedy[b]!].join());
      if (scores[best]! > scores[greedyOutput]! + 1e-12) better++;
    }
    // Greedy misses the best output for some of these sources: the search has something to find.
    expect(better).toBeGreaterThan(0);
  });

  it("chooses only classes below a bound (a vocabulary smaller than the model's classes)", () => {
    const { ir, rng, weights } = setup(5);
    const sources = randomBatch(ir, rng, { T: 6, B: 8, ragged: true, steps: { s: 6 } });
    for (const beam of [undefined, 3]) {
      const free = generate(ir, weights, sources, { maxLength: 6, ...(beam ? { beam } : {}) });
      const bounded = generate(ir, weights, sources, { maxLength: 6, classes: 2, ...(beam ? { beam } : {}) });
      expect(free.some((g) => g.some((id) => id >= 2))).toBe(true);
      expect(bounded.every((g) => g.every((id) => id < 2))).toBe(true);
    }
  });
});
