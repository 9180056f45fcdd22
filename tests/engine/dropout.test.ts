/**
 * Dropout: its masks (drawn from the seeded generator, per step or once per sequence), the
 * identity without masks, its gradient against finite differences with a fixed mask, and the
 * generated code against the interpreter with the same masks.
 */
import { describe, expect, it } from "vitest";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Batch, Weights } from "../../engine/interpret/batch.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { initialWeights } from "../../engine/init-weights.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { randomBatch } from "../../engine/random-batch.js";
import { drawMask, withMasks } from "../../engine/train/masks.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference, compiledFor, difference } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";

/** An Elman model with dropout on its input, on the recurrent state read (variational) and before its output. */
const dropoutModel = (dropped = true) => {
  const d = (x: string, settings: string) => (dropped ? `dropout(${x}, ${settings})` : x);
  return `model Dropped {
    dim D = 3
    dim H = 4
    dim K = 3
    input x : [D]
    target y : class[K]
    param W : [H, H]
    param U : [H, D]
    param b : [H] = zeros
    param Vo : [K, H]
    state h : [H] = zeros
    h = tanh(W @ ${d("h[t-1]", "p = 0.25, per = sequence")} + U @ ${d("x", "p = 0.2")} + b)
    o = softmax(Vo @ ${d("h", "p = 0.5")})
    loss cross_entropy(o, y) at each
  }`;
};

function setUp(ir: IrModel, seed = 3): { weights: Weights; batch: Batch; rng: Rng } {
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
  return { weights, batch: randomBatch(ir, rng, { T: 5, B: 3, ragged: true }), rng };
}

describe("dropout's masks", () => {
  const mask = (p: number, per: "step" | "sequence") => ({ name: "dropout1", size: 50, p, per, origin: "" });

  it("hold 1/(1 − p) where an element is kept and 0 where it is dropped, about a share p dropped", () => {
    const m = drawMask(mask(0.3, "step"), 20, 10, new Rng(1));
    expect(new Set(m)).toEqual(new Set([0, 1 / 0.7]));
    const dropped = m.filter((v) => v === 0).length / m.length;
    expect(dropped).toBeGreaterThan(0.27);
    expect(dropped).toBeLessThan(0.33);
  });

  it("per step: a new mask at every step; per sequence: the same mask at every step", () => {
    const width = 10 * 50;
    const step = drawMask(mask(0.3, "step"), 4, 10, new Rng(1));
    const sequence = drawMask(mask(0.3, "sequence"), 4, 10, new Rng(1));
    expect(step.subarray(width, 2 * width)).not.toEqual(step.subarray(0, width));
    for (let t = 1; t < 4; t++)
      expect(sequence.subarray(t * width, (t + 1) * width)).toEqual(sequence.subarray(0, width));
    // Sequences (and elements) differ from one another within a step.
    expect(sequence.subarray(0, 50)).not.toEqual(sequence.subarray(50, 100));
  });

  it("are the seeded generator's: the same seed draws the same masks, p = 0 keeps everything and draws nothing", () => {
    expect(drawMask(mask(0.5, "step"), 3, 2, new Rng(9))).toEqual(drawMask(mask(0.5, "step"), 3, 2, new Rng(9)));
    const rng = new Rng(9);
    expect(Array.from(drawMask(mask(0, "step"), 3, 2, rng)).every((v) => v === 1)).toBe(true);
    expect(rng.getState()).toEqual(new Rng(9).getState());
  });

  it("are drawn for each dropout of a model, in source order, of its size", () => {
    const ir = irFromText(dropoutModel());
    const { batch } = setUp(ir);
    const masked = withMasks(ir, batch, new Rng(4));
    expect(ir.masks.map((m) => [m.name, m.size, m.p, m.per])).toEqual([
      ["dropout1", 4, 0.25, "sequence"],
      ["dropout2", 3, 0.2, "step"],
      ["dropout3", 4, 0.5, "step"],
    ]);
    expect(Object.keys(masked.masks!)).toEqual(["dropout1", "dropout2", "dropout3"]);
    expect(masked.masks!["dropout2"]!.length).toBe(batch.T * batch.B * 3);
  });

  it("in an encoder–decoder, are each over its own sequence's steps: a source longer than the target trains", () => {
    const ir = irFromText(`model Dropped {
      dim V = 5
      dim W = 4
      dim E = 3
      dim H = 4
      input x[s] : onehot[V]
      target y : class[W]
      param Ex : [E, V]
      param Vo : [W, H]
      xd = dropout(Ex @ x, p = 0.3)
      cell e = gru(xd, size = H, in = E)
      cell d = gru(y[t-1], size = H, init = e[last])
      o = softmax(Vo @ dropout(d, p = 0.2))
      loss cross_entropy(o, y) at each
    }`);
    const rng = new Rng(5);
    const batch = randomBatch(ir, rng, { T: 2, B: 3, ragged: true, steps: { s: 7 } });
    const masked = withMasks(ir, batch, rng);
    expect(masked.masks!["dropout1"]!.length).toBe(7 * 3 * 3);
    expect(masked.masks!["dropout2"]!.length).toBe(2 * 3 * 4);
    const { loss, grads } = interpreterBackend(ir).lossAndGrad(initialWeights(ir, 5), masked);
    expect(Number.isFinite(loss)).toBe(true);
    for (const g of Object.values(grads)) expect(g.every(Number.isFinite)).toBe(true);
  });
});

describe("dropout outside training", () => {
  it("is exactly the identity in the interpreter: without masks, it computes what the model without dropout computes", () => {
    const ir = irFromText(dropoutModel());
    const plain = irFromText(dropoutModel(false));
    const { weights, batch } = setUp(ir);
    const expected = interpreterBackend(plain).lossAndGrad(weights, batch);
    const r = interpreterBackend(ir).lossAndGrad(weights, batch);
    expect(r.loss).toBe(expected.loss);
    for (const q of ["h", "o"]) expect(r.quantity(q), q).toEqual(expected.quantity(q));
    for (const p of plain.params) expect(r.grads[p.name], p.name).toEqual(expected.grads[p.name]);
  });

  it("is the identity in generated code: without masks, it computes what the interpreter computes without dropout", async () => {
    const ir = irFromText(dropoutModel());
    const { weights, batch } = setUp(ir);
    const compiled = await compiledFor(ir);
    // The model without dropout, in the interpreter, against the model with dropout compiled: the same IR but its masks.
    const { worst, where } = difference(irFromText(dropoutModel(false)), compiled, weights, batch);
    expect(worst, where).toBeLessThan(1e-12);
  });
});

describe("dropout while training (a fixed mask)", () => {
  it("changes what the model computes", () => {
    const ir = irFromText(dropoutModel());
    const { weights, batch, rng } = setUp(ir);
    const without = interpreterBackend(ir).lossAndGrad(weights, batch).loss;
    const masked = interpreterBackend(ir).lossAndGrad(weights, withMasks(ir, batch, rng)).loss;
    expect(masked).not.toBe(without);
  });

  it("has the gradient of finite differences", () => {
    const ir = irFromText(dropoutModel());
    const { weights, batch, rng } = setUp(ir);
    const masked = withMasks(ir, batch, rng);
    const checks = gradcheck(interpreterBackend(ir), weights, masked, rng, { samplesPerParam: 12 });
    expect(Math.max(...checks.map((c) => c.worstError))).toBeLessThan(1e-6);
  });

  for (const kernels of ["js", "wasm"] as const) {
    it(`computes in generated code (${kernels} kernels) what the interpreter computes, to 1e-12`, async () => {
      const ir = irFromText(dropoutModel());
      const { weights, batch, rng } = setUp(ir);
      const { worst, where } = await backendDifference(ir, weights, withMasks(ir, batch, rng), undefined, { kernels });
      expect(worst, where).toBeLessThan(1e-12);
    });
  }
});
