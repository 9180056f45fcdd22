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
