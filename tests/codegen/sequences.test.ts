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
import { generate } from "../../engine/interpret/generate.js";
import type { Batch, Weights } from "../../engine/interpret/batch.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { interpret } from "../../engine/interpret/interpret.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromFile, irFromText } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

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

/**
 * Attention whose names are those the generated code uses for attention itself (S, lengths_S, e_steps) or JavaScript
 * reserves: the source's step variable S, a source state toString read at every step of it, a parameter __proto__.
 */
const hostileAttention = `model constructor {
  dim V = 4
  dim W = 3
  dim H = 3
  input x[S] : onehot[V]
  target y : class[W]
  param S : [H, H + V]
  param lengths_S : [H, H]
  param e_steps : [H]
  param Wd : [H, H + W + H]
  param __proto__ : [W, 2 * H]
  state toString : [H] = zeros
  toString = tanh(S @ [toString[S-1], x])
  state d : [H] = toString[last]
  score = sum(e_steps * tanh(lengths_S @ toString[S] + d[t-1]))
  α = softmax(score, over = S, mask = x)
  ctx = sum(α * toString[S], over = S, mask = x)
  d = tanh(Wd @ [d[t-1], y[t-1], ctx])
  o = log_softmax(__proto__ @ [d, ctx])
  loss cross_entropy(o, y) at each
}`;

function perturbedWeights(ir: ReturnType<typeof irFromText>, seed: number, spread = 0.3) {
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-spread, spread);
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
  [
    "additive attention, the tutorial's decoder (tests/fixtures/pytorch)",
    () => irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn"),
  ],
  [
    "Luong's dot attention over a bidirectional encoder (tests/fixtures/pytorch)",
    () => irFromFile("tests/fixtures/pytorch/attention_luong_dot.rnn"),
  ],
  ["examples/translate-attention.rnn", () => irFromFile("examples/translate-attention.rnn", { V: 6, W: 5, H: 4 })],
  [
    "attention with the names the generated code uses for it (S, lengths_S, e_steps)",
    () => irFromText(hostileAttention),
  ],
];

describe("compiled equals interpreted to 1e-12 on models of several sequences", () => {
  for (const kernels of ["js", "wasm"] as KernelTier[])
    for (const [name, make] of models)
      it(`${name} (${kernels} kernels)`, async () => {
        const ir = make();
        const rng = new Rng(5);
        const batch = randomBatch(ir, rng, { T: 4, B: 5, ragged: true, steps: { s: 7, src: 6, S: 6 } });
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

  it("of attention type-checks under --strict whatever its names, on every kernel tier", async () => {
    const modules: Record<string, string> = {};
    for (const kernels of ["js", "wasm"] as KernelTier[])
      modules[`attention.${kernels}.ts`] = await compileModule(irFromText(hostileAttention), {
        emit: "ts",
        dtype: "f32",
        kernels,
        standalone: false,
        sourceName: "attention.rnn",
      });
    expect(strictDiagnostics(modules, ["lib.es2022.d.ts", "lib.dom.d.ts"])).toBe("");
  });

  it("spreads a parameter over the source's steps once a pass, before its loop over time, not at every step", async () => {
    const code = await compileModule(irFromFile("examples/translate-attention.rnn"), {
      emit: "ts",
      dtype: "f64",
      kernels: "js",
      standalone: false,
      sourceName: "translate-attention.rnn",
    });
    // spreadSteps(B, S, lengths, K, x, xOff, y, yOff, 0): the row stride 0 of a parameter's single row.
    const parameterSpreads = (text: string) => text.match(/spreadSteps\((?:[^,()]+, ){8}0\);/g)?.length ?? 0;
    const decoder = code.slice(code.indexOf("function forwardSequence1("), code.indexOf("function backwardSequence1("));
    const loop = decoder.indexOf("for (let t = 0;");
    expect(parameterSpreads(decoder.slice(0, loop))).toBe(2); // ba and va, in score = sum(va * tanh(... + ba))
    expect(parameterSpreads(decoder.slice(loop))).toBe(0);
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

describe("decoding with the module of an encoder-decoder", () => {
  // Each with weights (a seed) whose outputs vary with the source and end at various lengths.
  const decoders: [string, () => ReturnType<typeof irFromText>, number][] = [
    ["a tanh encoder-decoder", () => irFromText(encoderDecoder), 21],
    ["PyTorch's GRU encoder-decoder", () => irFromFile("tests/fixtures/pytorch/gru_seq2seq.rnn"), 7],
    ["an LSTM encoder-decoder", () => irFromFile("tests/fixtures/pytorch/lstm_seq2seq.rnn"), 21],
    // Attention: each step reads the source's every step, kept in the decoder's state.
    ["the tutorial's attention decoder", () => irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn"), 7],
    ["Luong's dot attention decoder", () => irFromFile("tests/fixtures/pytorch/attention_luong_dot.rnn"), 5],
  ];
  for (const kernels of ["js", "wasm"] as KernelTier[])
    for (const [name, make, seed] of decoders)
      it(`${name}: decode gives what the interpreter generates, each step's prediction its teacher-forced one (${kernels} kernels)`, async () => {
        const ir = make();
        const weights = perturbedWeights(ir, seed, 2);
        const rng = new Rng(8);
        const batch = randomBatch(ir, rng, { T: 3, B: 6, ragged: true, steps: { s: 7 } });
        // The stop class: the one the outputs run to 9 steps choose least often, so that they end at various lengths.
        const counts = new Map<number, number>();
        for (const d of generate(ir, weights, batch, { maxLength: 9 }))
          for (const c of d) counts.set(c, (counts.get(c) ?? 0) + 1);
        const stop = [...counts].sort((a, b) => a[1] - b[1])[0]![0];
        const expected = generate(ir, weights, batch, { maxLength: 9, stop });
        // Outputs of several classes, ended at several lengths: each step's choice is carried into the next.
        expect(new Set(expected.map((d) => d.length)).size).toBeGreaterThan(1);
        expect(expected.some((d) => d.length >= 2)).toBe(true);
        const { model, params, sources } = await decodingModule(ir, weights, batch, kernels);
        const source = batch.sequences!["s"]!;
        const decoded = model.decode(params, sources, 9, stop);
        expect(decoded.map((d) => [...d])).toEqual(expected.map((d) => [...d]));
        // Step by step: each prediction is the interpreter's for the target fed its own choices (teacher forcing).
        const state = model.encode(params, sources);
        const previous = new Int32Array(batch.B).fill(-1);
        const steps: Float64Array[] = [];
        const chosen: Int32Array[] = [];
        for (let t = 0; t < 4; t++) {
          const scores = Float64Array.from(model.decodeStep(params, state, previous));
          steps.push(scores);
          const K = scores.length / batch.B;
          for (let b = 0; b < batch.B; b++)
            previous[b] = [...scores.subarray(b * K, (b + 1) * K)].reduce(
              (best, v, k, row) => (v > row[best]! ? k : best),
              0,
            );
          chosen.push(previous.slice());
        }
        const forced = interpret(ir, weights, {
          ...batch,
          T: 4,
          lengths: new Int32Array(batch.B).fill(4),
          sequences: { s: source, t: { T: 4, lengths: new Int32Array(batch.B).fill(4) } },
          targets: { [ir.targets[0]!.name]: { kind: "class", ids: Int32Array.from(chosen.flatMap((c) => [...c])) } },
        });
        const prediction = ir.quantities.find((q) => q.node === ir.losses[0]!.prediction)!.name;
        const teacher = forced.quantity(prediction);
        const worst = Math.max(
          ...steps.flatMap((s, t) => [...s].map((v, i) => Math.abs(v - teacher[t * s.length + i]!))),
        );
        expect(worst).toBeLessThan(1e-12);
      });

  for (const kernels of ["js", "wasm"] as KernelTier[])
    for (const [name, make, seed] of decoders)
      it(`${name}: selectRows gives a state whose rows go on as the rows it took (${kernels} kernels)`, async () => {
        const ir = make();
        const weights = perturbedWeights(ir, seed, 2);
        const batch = randomBatch(ir, new Rng(9), { T: 3, B: 4, ragged: true, steps: { s: 6 } });
        const { model, params, sources } = await decodingModule(ir, weights, batch, kernels);
        const state = model.encode(params, sources);
        // Taken before any step (a beam's first expansion) and after one: rows dropped, reordered and repeated.
        const rows = Int32Array.of(3, 1, 1, 0, 3);
        const early = model.selectRows(state, rows);
        model.decodeStep(params, state, new Int32Array(batch.B).fill(-1));
        model.decodeStep(params, early, new Int32Array(rows.length).fill(-1));
        const late = model.selectRows(state, rows);
        const previous = Int32Array.of(2, 0, 1, 3);
        const whole = Float64Array.from(model.decodeStep(params, state, previous));
        const K = whole.length / batch.B;
        const taken = Int32Array.from(rows, (r) => previous[r]!);
        for (const selected of [late, early]) {
          const scores = Float64Array.from(model.decodeStep(params, selected, taken));
          const worst = Math.max(
            ...[...scores].map((v, i) => Math.abs(v - whole[rows[Math.floor(i / K)]! * K + (i % K)]!)),
          );
          expect(worst).toBeLessThan(1e-12);
        }
      });

  it("refuses a state it did not make and previous classes out of range", async () => {
    const ir = irFromText(encoderDecoder);
    const module = await loadCompiledModule(ir, "f64", undefined, "js");
    const model = new module.Model() as unknown as DecodingModel;
    const params = module.createParameters() as Record<string, Float64Array>;
    const sources = { B: 2, sequences: { s: { T: 3 } }, inputs: { x: new Int32Array(6) } };
    const state = model.encode(params, sources);
    expect(() => model.decodeStep(params, { ...state }, new Int32Array(2))).toThrow(
      "decodeStep: state must be a DecoderState that encode made",
    );
    expect(() => model.decodeStep(params, state, Int32Array.of(0, 4))).toThrow(
      "decodeStep: previous holds the class id 4, outside [-1, 4)",
    );
    expect(() => model.decodeStep(params, state, new Int32Array(3))).toThrow(
      "decodeStep: previous must be an Int32Array of state.B = 2 class ids",
    );
    expect(() => model.decode(params, sources, 0)).toThrow("decode: maxLength must be a whole number ≥ 1, not 0");
    expect(() => model.selectRows({ ...state }, Int32Array.of(0))).toThrow(
      "selectRows: state must be a DecoderState that encode made",
    );
    expect(() => model.selectRows(state, Int32Array.of(0, 2))).toThrow("selectRows: rows holds 2, outside [0, 2)");
    expect(() => model.selectRows(state, new Int32Array(0))).toThrow(
      "selectRows: rows must be an Int32Array of at least one row",
    );
  });
});

/** The module of `ir` with `weights` as its parameters, and the batch's sources as encode reads them (sequence s, input x). */
async function decodingModule(ir: IrModel, weights: Weights, batch: Batch, kernels: KernelTier) {
  const module = await loadCompiledModule(ir, "f64", undefined, kernels);
  const model = new module.Model() as unknown as DecodingModel;
  const params = module.createParameters() as Record<string, Float64Array>;
  for (const p of ir.params) params[p.name]!.set(weights[p.name]!);
  const source = batch.sequences!["s"]!;
  const sources = {
    B: batch.B,
    sequences: { s: { T: source.T, lengths: source.lengths } },
    inputs: { x: (batch.inputs["x"] as { ids: Int32Array }).ids },
  };
  return { model, params, sources };
}

/** The decoding entry points of an encoder-decoder's module (docs/generated-modules.md). */
interface DecodingModel {
  encode(params: Record<string, Float64Array>, batch: object): object;
  decodeStep(params: Record<string, Float64Array>, state: object, previous: Int32Array): Float64Array;
  decode(params: Record<string, Float64Array>, batch: object, maxLength: number, stop?: number): Int32Array[];
  selectRows(state: object, rows: Int32Array): object;
}
