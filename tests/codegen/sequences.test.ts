/**
 * Generated code for models of several sequences (a source and a target of other lengths per
 * example) and for teacher forcing (`y[t-1]`): equal to the interpreter to 1e-12 in float64 —
 * loss, every quantity of every sequence at every step, every gradient — on ragged batches
 * whose sequences have lengths of their own, on the JavaScript and the WebAssembly kernels.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromFile, irFromText } from "../support/models.js";

/** A tanh encoder whose last state starts a tanh decoder that reads its previous target. */
const encoderDecoder = `model EncDec {
  dim V = 5
  dim W = 4
  dim H = 3
  input x[s] : onehot[V]
  target y : class[W]
  param We : [H, H + V]
  param be : [H] = zeros
  param Wd : [H, H + W]
  param bd : [H] = zeros
  param Vo : [W, H]
  state e : [H] = zeros
  state d : [H] = e[last]
  e = tanh(We @ [e[s-1], x] + be)
  d = tanh(Wd @ [d[t-1], y[t-1]] + bd)
  o = softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`;

/** An LSTM encoder whose last state is read at every decoder step and by the output (the context of Cho et al. 2014). */
const contextEveryStep = `model Context {
  dim V = 4
  dim W = 3
  dim H = 3
  input x[src] : onehot[V]
  target y[tgt] : class[W]
  param Wd : [H, H + W + H]
  param Vo : [W, H + H]
  param c : [W] = zeros
  cell e = lstm(x, size = H)
  state d : [H] = learned
  d = tanh(Wd @ [d[tgt-1], y[tgt-1], e[last]])
  o = softmax(Vo @ [d, e[last]] + c)
  loss cross_entropy(o, y, reduce = sum) at each
}`;

/** A bidirectional encoder: the decoder starts from the forward state at its last step and reads the backward one's. */
const bidirectionalEncoder = `model BiEnc {
  dim V = 4
  dim W = 3
  dim H = 3
  input x[s] : onehot[V]
  target y : class[W]
  param Wf : [H, H + V]
  param Wb : [H, H + V]
  param Wd : [H, H + W + H]
  param Vo : [W, H]
  state f : [H] = zeros
  state g : [H] = zeros
  state d : [H] = f[last]
  f = tanh(Wf @ [f[s-1], x])
  g = tanh(Wb @ [g[s+1], x])
  d = tanh(Wd @ [d[t-1], y[t-1], g[last]])
  o = log_softmax(Vo @ d)
  loss cross_entropy(o, y) at each
}`;

/** Teacher forcing in a model of one sequence: a decoder without an encoder. */
const previousTargetOnly = `model Decoder {
  dim W = 5
  dim H = 4
  target y : class[W]
  param U : [H, H + W]
  param Vo : [W, H]
  state h : [H] = learned
  h = tanh(U @ [h[t-1], y[t-1]])
  o = log_softmax(Vo @ h)
  loss cross_entropy(o, y) at each
}`;

function perturbedWeights(ir: ReturnType<typeof irFromText>, seed: number) {
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
  return weights;
}

const models: [string, () => ReturnType<typeof irFromText>][] = [
  ["a tanh encoder-decoder, d = e[last], reading y[t-1]", () => irFromText(encoderDecoder)],
  ["an LSTM encoder read at every decoder step, e[last] in products", () => irFromText(contextEveryStep)],
  ["a bidirectional encoder read at its last step both ways", () => irFromText(bidirectionalEncoder)],
  ["teacher forcing in a model of one sequence", () => irFromText(previousTargetOnly)],
  [
    "PyTorch's GRU encoder-decoder (tests/fixtures/pytorch)",
    () => irFromFile("tests/fixtures/pytorch/gru_seq2seq.rnn"),
  ],
  [
    "an LSTM encoder-decoder, h and c (tests/fixtures/pytorch)",
    () => irFromFile("tests/fixtures/pytorch/lstm_seq2seq.rnn"),
  ],
];

describe("compiled equals interpreted to 1e-12 on models of several sequences", () => {
  for (const kernels of ["js", "wasm"] as KernelTier[])
    for (const [name, make] of models)
      it(`${name} (${kernels} kernels)`, async () => {
        const ir = make();
        const rng = new Rng(5);
        const batch = randomBatch(ir, rng, { T: 4, B: 5, ragged: true, steps: { s: 7, src: 6 } });
        const { worst, where } = await backendDifference(ir, perturbedWeights(ir, 9), batch, undefined, { kernels });
        expect(worst, where).toBeLessThan(1e-12);
      });
});

describe("the module of a model of several sequences", () => {
  it("takes each sequence's steps and lengths in batch.sequences, and checks the arrays against them", async () => {
    const ir = irFromText(encoderDecoder);
    const module = await loadCompiledModule(ir, "f64", undefined, "js");
    const model = new module.Model();
    const params = module.createParameters();
    const x = Int32Array.from({ length: 6 * 2 }, (_, i) => i % 5);
    const y = Int32Array.from({ length: 3 * 2 }, (_, i) => i % 4);
    const batch = { B: 2, sequences: { s: { T: 6 }, t: { T: 3, lengths: Int32Array.of(3, 2) } }, inputs: { x } };
    expect(Number.isFinite(model.forward(params, { ...batch, targets: { y } }))).toBe(true);
    // Quantities are read over their own sequence's steps.
    expect(model.output("e").length).toBe(6 * 2 * 3);
    expect(model.output("o").length).toBe(3 * 2 * 4);
    expect(() => model.forward(params, { ...batch, inputs: { x: x.subarray(0, 5 * 2) } })).toThrow(
      "input 'x' [T of s][B] holds 10 numbers, fewer than 12",
    );
    expect(() => model.forward(params, { B: 2, inputs: { x } } as never)).toThrow(
      "batch.sequences must be an object { s: { T, lengths? }, t: { T, lengths? } }",
    );
    expect(() =>
      model.forward(params, { ...batch, sequences: { ...batch.sequences, t: { T: 3, lengths: Int32Array.of(4, 1) } } }),
    ).toThrow("lengths must hold B values from 1 to T");
    // The decoder reads its previous target: a batch without targets cannot be run.
    expect(() => model.forward(params, batch)).toThrow(
      "EncDec reads y[t-1], its previous target: the batch needs its targets",
    );
  });

  it("is not unrolled for one T", async () => {
    await expect(
      compileModule(irFromText(encoderDecoder), {
        emit: "ts",
        dtype: "f64",
        standalone: false,
        unrollSteps: 3,
        sourceName: "m.rnn",
      }),
    ).rejects.toThrow("EncDec reads sequences s, t, each of its own length: a module unrolled for one T cannot run it");
  });
});
