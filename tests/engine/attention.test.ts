/**
 * Attention on the interpreter: a decoder reading every step of the encoder, `e[s]`, scored
 * (additive, dot, general), weighed by a softmax over the source's real steps and summed.
 * Forward against the equations computed by hand, the padding of the sources against each
 * example alone, and BPTT (through the weights, the scores and back into the encoder at
 * every step) against finite differences.
 */
import { describe, expect, it } from "vitest";
import { applies } from "../../compiler/ir/ir.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { interpret } from "../../engine/interpret/interpret.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { irFromText } from "../support/models.js";
import { exampleAlone, perturbedWeights } from "../support/several-sequences.js";

/** PyTorch's translation tutorial's attention decoder (Bahdanau): the score from the previous state. */
const additive = `model Additive {
  dim V = 5
  dim W = 4
  dim H = 3
  input x[s] : onehot[V]
  target y : class[W]
  param Emb : [H, W]
  param Wa : [H, H]
  param Ua : [H, H]
  param ba : [H]
  param va : [H]
  param Vo : [W, H]
  cell e = gru(x, size = H)
  score = sum(va * tanh(Wa @ d[t-1] + Ua @ e[s] + ba))
  α = softmax(score, over = s, mask = x)
  c = sum(α * e[s], over = s, mask = x)
  dec_in = [relu(Emb @ y[t-1]), c]
  cell d = gru(dec_in, size = H, in = 2 * H, init = e[last])
  o = log_softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`;

/** Luong's dot score over a bidirectional encoder; the decoder starts from zeros, so the encoder learns through attention alone. */
const dot = `model Dot {
  dim V = 5
  dim W = 4
  dim H = 2
  input x[s] : onehot[V]
  target y : class[W]
  param Wc : [2 * H, 4 * H]
  param Vo : [W, 2 * H]
  cell e = gru(x, size = H, direction = both)
  cell d = gru(y[t-1], size = 2 * H)
  score = sum(d * e[s])
  α = softmax(score, over = s, mask = x)
  c = sum(α * e[s], over = s, mask = x)
  o = log_softmax(Vo @ tanh(Wc @ [c, d]))
  loss cross_entropy(o, y) at each
}`;

/** Luong's general score, dᵀ W e_s. */
const general = dot
  .replace("model Dot", "model General")
  .replace("score = sum(d * e[s])", "param Wg : [2 * H, 2 * H]\n  score = sum(d * (Wg @ e[s]))");

const batchOf = (ir: ReturnType<typeof irFromText>, rng: Rng) =>
  randomBatch(ir, rng, { T: 4, B: 4, ragged: true, steps: { s: 6, t: 4 } });

describe("attention", () => {
  it("lowers e[s] to the encoder at every step, and the equations over s to rows per source step", () => {
    const ir = irFromText(additive);
    const node = (name: string) => ir.nodes[ir.quantities.find((q) => q.name === name)!.node]!;
    expect(ir.nodes.filter((n) => n.op === "steps").map((n) => [n.op === "steps" && n.source, n.over])).toEqual([
      ["e", "s"],
    ]);
    expect([node("score").over, node("α").over, node("c").over]).toEqual(["s", "s", undefined]);
    expect([node("score").size, node("α").size, node("c").size]).toEqual([1, 1, 3]);
    expect(applies(node("α"), "softmax_steps")).toBe(true);
  });

  it("computes the scores, the weights over each source's real steps and the context as the equations say", () => {
    const ir = irFromText(additive);
    const rng = new Rng(3);
    const weights = perturbedWeights(ir, rng);
    const batch = batchOf(ir, rng);
    const result = interpret(ir, weights, batch);
    const { B } = batch;
    const H = 3;
    const source = batch.sequences!["s"]!;
    const target = batch.sequences!["t"]!;
    const S = source.T;
    const e = result.quantity("e"); // [S][B][H]
    const d = result.quantity("d"); // [T][B][H]
    const alpha = result.quantity("α"); // [T][B][S]
    const c = result.quantity("c"); // [T][B][H]
    const W = (name: string) => weights[name]!;
    const matvec = (M: Float64Array, v: number[]) =>
      Array.from({ length: H }, (_, i) => v.reduce((z, x, j) => z + M[i * H + j]! * x, 0));
    for (let b = 0; b < B; b++) {
      const encoder = Array.from({ length: source.lengths[b]! }, (_, s) =>
        Array.from(e.subarray((s * B + b) * H, (s * B + b + 1) * H)),
      );
      let previous = encoder.at(-1)!; // d_0 = e[last]
      for (let t = 0; t < target.lengths[b]!; t++) {
        const query = matvec(W("Wa"), previous);
        const scores = encoder.map((es) => {
          const key = matvec(W("Ua"), es);
          return query.reduce((sum, q, i) => sum + W("va")[i]! * Math.tanh(q + key[i]! + W("ba")[i]!), 0);
        });
        const m = Math.max(...scores);
        const z = scores.reduce((sum, x) => sum + Math.exp(x - m), 0);
        const weightsOverSteps = scores.map((x) => Math.exp(x - m) / z);
        for (let s = 0; s < S; s++)
          expect(alpha[(t * B + b) * S + s]).toBeCloseTo(s < encoder.length ? weightsOverSteps[s]! : 0, 14);
        for (let i = 0; i < H; i++) {
          const context = encoder.reduce((sum, es, s) => sum + weightsOverSteps[s]! * es[i]!, 0);
          expect(c[(t * B + b) * H + i]).toBeCloseTo(context, 14);
        }
        previous = Array.from(d.subarray((t * B + b) * H, (t * B + b + 1) * H));
      }
    }
  });

  it("gives each example what it gives alone: the padding of the shorter sources gets no weight", () => {
    const ir = irFromText(dot);
    const rng = new Rng(5);
    const weights = perturbedWeights(ir, rng);
    const batch = batchOf(ir, rng);
    const together = interpret(ir, weights, batch);
    const alpha = together.quantity("α");
    const S = batch.sequences!["s"]!.T;
    let summed = 0;
    for (let b = 0; b < batch.B; b++) {
      const alone = exampleAlone(batch, b);
      const r = interpret(ir, weights, alone);
      summed += r.loss! * alone.lengths[0]!;
      const own = r.quantity("α");
      const Sb = alone.sequences!["s"]!.T;
      for (let t = 0; t < alone.T; t++)
        for (let s = 0; s < S; s++)
          expect(alpha[(t * batch.B + b) * S + s]).toBeCloseTo(s < Sb ? own[t * Sb + s]! : 0, 13);
    }
    const positions = batch.sequences!["t"]!.lengths.reduce((a, n) => a + n, 0);
    expect(together.loss).toBeCloseTo(summed / positions, 13);
  });

  for (const [name, text, encoderParams] of [
    ["additive (Bahdanau)", additive, ["e.W_r", "e.W_hn", "Ua"]],
    ["dot (Luong), over a bidirectional encoder read through attention alone", dot, ["e.fwd.W_r", "e.bwd.W_z"]],
    ["general (Luong)", general, ["e.fwd.W_in", "e.bwd.b_hn", "Wg"]],
  ] as const) {
    it(`BPTT through the attention matches finite differences: ${name}`, () => {
      const ir = irFromText(text);
      const rng = new Rng(7);
      const weights = perturbedWeights(ir, rng);
      const batch = batchOf(ir, rng);
      const checks = gradcheck(interpreterBackend(ir), weights, batch, rng, { samplesPerParam: 12 });
      for (const c of checks) expect(c.worstError, c.param).toBeLessThan(1e-5);
      const grads = interpreterBackend(ir).lossAndGrad(weights, batch).grads;
      for (const p of encoderParams)
        expect(
          grads[p]!.some((v) => Math.abs(v) > 1e-6),
          p,
        ).toBe(true);
    });
  }
});
