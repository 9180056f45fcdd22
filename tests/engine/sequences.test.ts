/**
 * Models of several sequences (a source and a target of another length per example): the
 * encoder's last state starts or feeds the decoder, on the interpreter. Forward against the
 * recurrences computed by hand, padding of each sequence against each example alone, and
 * BPTT across the sequences against finite differences.
 */
import { describe, expect, it } from "vitest";
import { interpret } from "../../engine/interpret/interpret.js";
import { batchFromJson } from "../../engine/io/data-json.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { irFromText } from "../support/models.js";
import { exampleAlone, perturbedWeights } from "../support/several-sequences.js";

const encoderDecoder = `model EncDec {
  dim V = 5
  dim W = 4
  dim H = 3
  input x[s] : onehot[V]
  input yin : onehot[W]
  target y : class[W]
  param We : [H, H + V]
  param be : [H] = zeros
  param Wd : [H, H + W]
  param bd : [H] = zeros
  param Vo : [W, H]
  state e : [H] = zeros
  state d : [H] = e[last]
  e = tanh(We @ [e[s-1], x] + be)
  d = tanh(Wd @ [d[t-1], yin] + bd)
  o = softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`;

/** A GRU encoder whose last state is read at every decoder step and by the output (the context of Cho et al. 2014). */
const contextEveryStep = `model Context {
  dim V = 4
  dim W = 3
  dim H = 3
  input x[src] : onehot[V]
  input yin[tgt] : onehot[W]
  target y[tgt] : class[W]
  param Wd : [H, H + W + H]
  param bd : [H] = zeros
  param Vo : [W, H + H]
  cell e = gru(x, size = H)
  state d : [H] = learned
  d = tanh(Wd @ [d[tgt-1], yin, e[last]] + bd)
  o = softmax(Vo @ [d, e[last]])
  loss cross_entropy(o, y, reduce = sum) at each
}`;

/** LSTM encoder and decoder, the decoder's h and c starting from the encoder's. */
const lstmEncoderDecoder = `model LstmEncDec {
  dim V = 4
  dim W = 5
  dim H = 3
  input x[s] : onehot[V]
  input yin : onehot[W]
  target y : class[W]
  param Vo : [W, H]
  cell e = lstm(x, size = H)
  cell d = lstm(yin, size = H, init = e[last])
  o = log_softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`;

describe("a model of several sequences", () => {
  it("lowers each sequence's equations over its own steps, the source first", () => {
    const ir = irFromText(encoderDecoder);
    expect(ir.sequences).toEqual(["s", "t"]);
    const sequenceOf = (name: string) => ir.nodes[ir.quantities.find((q) => q.name === name)!.node]!.sequence;
    expect([sequenceOf("e"), sequenceOf("d"), sequenceOf("o")]).toEqual(["s", "t", "t"]);
    expect(ir.states.find((s) => s.name === "d")!.init).toEqual({ kind: "last", source: "e" });
  });

  it("computes the decoder from the encoder's state at each example's own last step", () => {
    const ir = irFromText(encoderDecoder);
    const rng = new Rng(3);
    const weights = perturbedWeights(ir, rng);
    const batch = randomBatch(ir, rng, { T: 4, B: 3, ragged: true, steps: { s: 6, t: 4 } });
    const result = interpret(ir, weights, batch);
    const { H, V, W } = { H: 3, V: 5, W: 4 };
    const tanhStep = (M: Float64Array, cols: number, h: number[], id: number, bias: Float64Array) =>
      Array.from({ length: H }, (_, i) => {
        let z = bias[i]!;
        for (let j = 0; j < H; j++) z += M[i * cols + j]! * h[j]!;
        return Math.tanh(z + M[i * cols + H + id]!);
      });
    const source = batch.sequences!["s"]!;
    const target = batch.sequences!["t"]!;
    const xs = (batch.inputs["x"] as { ids: Int32Array }).ids;
    const ys = (batch.inputs["yin"] as { ids: Int32Array }).ids;
    const d = result.quantity("d");
    for (let b = 0; b < batch.B; b++) {
      let e = [0, 0, 0];
      for (let s = 0; s < source.lengths[b]!; s++)
        e = tanhStep(weights["We"]!, H + V, e, xs[s * batch.B + b]!, weights["be"]!);
      let h = e;
      for (let t = 0; t < target.lengths[b]!; t++) {
        h = tanhStep(weights["Wd"]!, H + W, h, ys[t * batch.B + b]!, weights["bd"]!);
        for (let i = 0; i < H; i++) expect(d[(t * batch.B + b) * H + i]).toBeCloseTo(h[i]!, 14);
      }
    }
  });

  it("gives each example what it gives alone, whatever the other examples' lengths", () => {
    const ir = irFromText(lstmEncoderDecoder);
    const rng = new Rng(5);
    const weights = perturbedWeights(ir, rng);
    const batch = randomBatch(ir, rng, { T: 5, B: 4, ragged: true, steps: { s: 7, t: 5 } });
    const together = interpret(ir, weights, batch, { grad: true });
    let summed = 0;
    for (let b = 0; b < batch.B; b++) {
      const alone = exampleAlone(batch, b);
      const r = interpret(ir, weights, alone);
      summed += r.loss! * alone.lengths[0]!;
    }
    const positions = batch.sequences!["t"]!.lengths.reduce((a, n) => a + n, 0);
    expect(together.loss).toBeCloseTo(summed / positions, 13);
  });

  for (const [name, text, encoderParams] of [
    ["a decoder whose initial state is the encoder's last", encoderDecoder, ["We", "be"]],
    ["the encoder's last state read at every decoder step", contextEveryStep, ["e.W_r", "e.W_hn", "e.b_in"]],
    ["LSTM cells, the decoder's h and c from the encoder's", lstmEncoderDecoder, ["e.W_i", "e.W_f", "e.b_o"]],
  ] as const) {
    it(`BPTT through both sequences matches finite differences: ${name}`, () => {
      const ir = irFromText(text);
      const rng = new Rng(7);
      const weights = perturbedWeights(ir, rng);
      const [first, second] = ir.sequences!;
      const batch = randomBatch(ir, rng, { T: 4, B: 3, ragged: true, steps: { [first!]: 6, [second!]: 4 } });
      const checks = gradcheck(interpreterBackend(ir), weights, batch, rng, { samplesPerParam: 12 });
      for (const c of checks) expect(c.worstError, c.param).toBeLessThan(1e-5);
      // The encoder's parameters get their gradient only through what the decoder reads of it.
      const grads = interpreterBackend(ir).lossAndGrad(weights, batch).grads;
      for (const p of encoderParams) expect(grads[p]!.some((v) => Math.abs(v) > 1e-6)).toBe(true);
    });
  }
});

describe("the data of a model of several sequences", () => {
  const ir = () => irFromText(encoderDecoder);
  const data = {
    x: [
      [1, 2],
      [3, 0],
      [4, 0],
    ],
    yin: [
      [0, 1],
      [2, 3],
    ],
    y: [
      [1, 1],
      [0, 2],
    ],
  };

  it("gives each input and target its own sequence's steps, and each sequence its lengths", () => {
    const batch = batchFromJson(ir(), { ...data, lengths: { s: [3, 1], t: [2, 2] } });
    expect(batch.sequences!["s"]).toEqual({ T: 3, lengths: Int32Array.of(3, 1) });
    expect(batch.sequences!["t"]).toEqual({ T: 2, lengths: Int32Array.of(2, 2) });
    expect([batch.T, batch.B]).toEqual([2, 2]);
  });

  it("says what is wrong with lengths that are not per sequence", () => {
    expect(() => batchFromJson(ir(), { ...data, lengths: [3, 1] })).toThrow(
      'lengths of a model of several sequences is an object of each sequence\'s lengths, {"s": [B], "t": [B]}',
    );
    expect(() => batchFromJson(ir(), { ...data, lengths: { u: [1, 1] } })).toThrow(
      "lengths of 'u': the model's sequences are s, t",
    );
    expect(() => batchFromJson(ir(), { ...data, lengths: { s: [4, 1] } })).toThrow(
      "lengths.s[0] is 4; a length is a whole number from 1 to 3",
    );
    expect(() => batchFromJson(ir(), { ...data, yin: [[0], [2]] })).toThrow(
      "'yin' has 1 examples, but the other sequences have 2",
    );
  });
});
