/**
 * The API of a generated module as a program calls it (docs/generated-modules.md): its
 * parameters and their initialisers, its typed dims, and what it refuses before computing
 * anything. Modules are compiled standalone and imported, as `--backend compiled` does.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { InitSpec } from "../../runtime/init.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

type Float = Float64Array | Float32Array;
type Parameters = Record<string, Float>;

interface Batch {
  T: number;
  B: number;
  inputs: Record<string, Int32Array | Float>;
  targets?: Record<string, Int32Array | Float>;
  lengths?: Int32Array;
}

interface State {
  B: number;
  fresh: boolean;
  values: Record<string, Float | Int32Array>;
}

/** The whole API of a generated module, as these tests use it. */
interface Module {
  dims: Record<string, number>;
  parameterCount: number;
  parameterOffsets: Record<string, number>;
  parameterInits: Record<string, InitSpec>;
  createParameters(buffer?: Float): Parameters;
  initialiseParameters(params: Parameters, seed: number): void;
  Model: new () => {
    forward(params: Parameters, batch: Batch, state?: State): number;
    lossAndGrad(params: Parameters, batch: Batch, grads: Parameters, state?: State): number;
    output(name: string): Float;
    createState(params: Parameters, B: number): State;
    step?(params: Parameters, state: State, inputs: Batch["inputs"]): void;
  };
}

async function load(ir: IrModel, options: { dtype?: "f64" | "f32"; unrollSteps?: number } = {}): Promise<Module> {
  return (await loadCompiledModule(ir, options.dtype, options.unrollSteps)) as unknown as Module;
}

/** A sequence tagger (a class at every step) or classifier (one class per sequence). */
const tagger = (at: "each" | "last") =>
  irFromText(`
    model Tagger {
      dim V = 5
      dim H = 3
      dim K = 2
      input x : onehot[V]
      target y : class[K]
      param W : [H, H]
      param U : [H, V]
      param Vo : [K, H]
      state h : [H] = zeros
      h = tanh(W @ h[t-1] + U @ x)
      o = softmax(Vo @ h)
      loss cross_entropy(o, y) at ${at}
    }`);

/** A module with initialised parameters and gradients, and a valid batch of T = 3, B = 2 to spoil. */
async function setUp(at: "each" | "last" = "each") {
  const ir = tagger(at);
  const module = await load(ir);
  const params = module.createParameters();
  module.initialiseParameters(params, 1);
  const grads = module.createParameters();
  const batch = {
    T: 3,
    B: 2,
    inputs: { x: Int32Array.of(1, 2, 3, 4, 0, 1) },
    targets: { y: at === "each" ? Int32Array.of(0, 1, 1, 0, 1, 1) : Int32Array.of(0, 1) },
  };
  return { ir, module, model: new module.Model(), params, grads, batch };
}

describe("parameters", () => {
  it("may have any name the language allows, `buffer` included: each has its own view and gradient", async () => {
    const ir = irFromText(`
      model Named {
        dim H = 3
        input x : [H]
        target y : [H]
        param buffer : [H, H]
        param views : [H]
        o = buffer @ x + views
        loss mse(o, y) at each
      }`);
    const module = await load(ir);
    const flat = new Float64Array(module.parameterCount).map((_, i) => i);
    const params = module.createParameters(flat);
    expect(Object.keys(params)).toEqual(["buffer", "views"]);
    expect(Array.from(params["buffer"]!)).toEqual(Array.from(flat.subarray(0, 9)));
    const weights = initialWeights(ir, 2);
    const { worst, where } = await backendDifference(ir, weights, randomBatch(ir, new Rng(2), { T: 3, B: 2 }));
    expect(worst, where).toBeLessThan(1e-12);
  });

  it("are views over the buffer given to createParameters, at parameterOffsets", async () => {
    const { module } = await setUp();
    const flat = new Float64Array(module.parameterCount);
    const params = module.createParameters(flat);
    params["U"]![0] = 7;
    expect(flat[module.parameterOffsets["U"]!]).toBe(7);
    expect(() => module.createParameters(new Float64Array(module.parameterCount - 1))).toThrow(RangeError);
  });

  const initialisers = irFromText(`
    model Initialisers {
      dim H = 3
      dim X = 4
      input x : [X]
      target y : [H]
      param Wx : [H, X]
      param Wh : [H, H] = orthogonal(gain = 2)
      param Wide : [H, X] = orthogonal
      param U : [H, H] = uniform(-0.1, 0.2)
      param N : [H, H] = normal(0.5, 0.1)
      param ones : [H] = ones
      param c : [H] = 0.25
      param b : [H]
      state h : [H] = learned
      h = tanh(Wx @ x + Wh @ h[t-1] + Wide @ x + U @ h[t-1] + N @ h[t-1] + ones * c + b)
      loss mse(h, y) at each
    }`);

  it("carry the model's initialisers in parameterInits", async () => {
    const module = await load(initialisers);
    expect(module.parameterInits).toEqual(Object.fromEntries(initialisers.params.map((p) => [p.name, p.init])));
    expect(new Set(initialisers.params.map((p) => p.init.kind))).toEqual(
      new Set(["xavier", "orthogonal", "uniform", "normal", "ones", "constant", "zeros"]),
    );
  });

  for (const dtype of ["f64", "f32"] as const) {
    it(`are initialised from a seed exactly as rnnc train --seed initialises them (${dtype})`, async () => {
      const module = await load(initialisers, { dtype });
      const params = module.createParameters();
      module.initialiseParameters(params, 12345);
      const float = (a: Float64Array) => (dtype === "f32" ? Float32Array.from(a) : a);
      const expected = initialWeights(initialisers, 12345);
      for (const p of initialisers.params) expect(params[p.name], p.name).toEqual(float(expected[p.name]!));
    });
  }
});

describe("checks before anything is computed", () => {
  for (const at of ["each", "last"] as const) {
    it(`class ids outside [0, K), scored ${at}: a RangeError naming the target, and grads untouched`, async () => {
      const { model, params, grads, batch } = await setUp(at);
      for (const bad of [5, 2, -1]) {
        const y = batch.targets.y.slice();
        y[1] = bad;
        grads["W"]!.fill(7);
        expect(() => model.lossAndGrad(params, { ...batch, targets: { y } }, grads)).toThrow(
          new RegExp(
            `^target 'y' holds the class id ${bad} (at step 0 of sequence 1|for sequence 1), outside \\[0, 2\\)$`,
          ),
        );
        expect(() => model.forward(params, { ...batch, targets: { y } })).toThrow(RangeError);
        expect(grads["W"]!.every((g) => g === 7)).toBe(true);
      }
    });
  }

  it("not in the padding of a sequence, which is never scored", async () => {
    const { model, params, grads, batch } = await setUp("each");
    const y = Int32Array.of(0, 1, 1, 0, -1, 9);
    expect(
      Number.isFinite(model.lossAndGrad(params, { ...batch, targets: { y }, lengths: Int32Array.of(2, 2) }, grads)),
    ).toBe(true);
  });

  it("parameters and gradients of the wrong size, or missing", async () => {
    const { module, model, params, grads, batch } = await setUp();
    const short = { ...params, W: new Float64Array(8) };
    expect(() => model.forward(short, batch)).toThrow(/^params: parameter 'W' \[3, 3\] holds 8 numbers, not 9$/);
    expect(() => model.lossAndGrad(params, batch, { ...grads, U: new Float64Array(16) })).toThrow(
      /^grads: parameter 'U' \[3, 5\] holds 16 numbers, not 15$/,
    );
    const { Vo: _, ...missing } = params;
    expect(() => model.forward(missing, batch)).toThrow(new TypeError("params: parameter 'Vo' [2, 3] is missing"));
    expect(module.parameterCount).toBe(9 + 15 + 6);
  });

  it("inputs and targets shorter than T · B · size, or missing; longer ones serve", async () => {
    const { model, params, grads, batch } = await setUp();
    expect(() => model.forward(params, { ...batch, inputs: { x: new Int32Array(5) } })).toThrow(
      /^input 'x' \[T\]\[B\] holds 5 numbers, fewer than 6$/,
    );
    expect(() => model.forward(params, { ...batch, inputs: {} })).toThrow(new TypeError("input 'x' [T][B] is missing"));
    expect(() => model.lossAndGrad(params, { ...batch, targets: { y: new Int32Array(4) } }, grads)).toThrow(
      /^target 'y' \[T\]\[B\] holds 4 numbers, fewer than 6$/,
    );
    expect(() => model.lossAndGrad(params, { ...batch, targets: {} }, grads)).toThrow(TypeError);
    expect(() => model.forward(params, { ...batch, inputs: { x: Int32Array.of(0, 1, 2, 3, 99, 0) } })).toThrow(
      /^input 'x' holds the id 99 at step 2 of sequence 0, outside \[0, 5\) and not the padding id -1$/,
    );
    const longer = { x: Int32Array.of(...batch.inputs.x, 4, 4) };
    expect(model.forward(params, { ...batch, inputs: longer })).toBe(model.forward(params, batch));
  });

  it("lengths outside [1, T], and a state for other streams or of the wrong size", async () => {
    const { model, params, batch } = await setUp();
    for (const lengths of [Int32Array.of(0, 3), Int32Array.of(3, 4), Int32Array.of(3)]) {
      expect(() => model.forward(params, { ...batch, lengths })).toThrow(/^lengths must hold B values from 1 to T$/);
    }
    expect(() => model.forward(params, batch, model.createState(params, 3))).toThrow(
      /^the state is for 3 streams, the batch has 2$/,
    );
    for (const B of [0, 1.5, NaN])
      expect(() => model.createState(params, B)).toThrow(/^a state needs B ≥ 1 streams, not /);
    const state = model.createState(params, 2);
    const spoilt = { ...state, values: { h: new Float64Array(5) } };
    expect(() => model.forward(params, batch, spoilt)).toThrow(
      /^state value 'h' \[1\]\[B\]\[3\] holds 5 numbers, not 6$/,
    );
    expect(spoilt.fresh).toBe(true);
  });
});

describe("a module unrolled for T steps (--unroll T)", () => {
  it("runs batches of exactly T steps and refuses others", async () => {
    const { ir, params, batch } = await setUp();
    const unrolled = new (await load(ir, { unrollSteps: 3 })).Model();
    const looped = new (await load(ir)).Model();
    expect(unrolled.forward(params, batch)).toBe(looped.forward(params, batch));
    const twoSteps = { ...batch, T: 2 };
    expect(() => unrolled.forward(params, twoSteps)).toThrow(
      /^this module is unrolled for batches of T = 3 steps \(rnnc compile --unroll 3\), not T = 2$/,
    );
  });

  it("has step() only when T is 1, where it is forward() on one step", async () => {
    const { ir, params } = await setUp();
    expect(new (await load(ir, { unrollSteps: 3 })).Model().step).toBeUndefined();
    const oneStep = new (await load(ir, { unrollSteps: 1 })).Model();
    const state = oneStep.createState(params, 2);
    oneStep.step!(params, state, { x: Int32Array.of(3, 4) });
    const stepped = Float64Array.from(oneStep.output("o"));
    oneStep.forward(params, { T: 1, B: 2, inputs: { x: Int32Array.of(3, 4) } });
    expect(stepped).toEqual(oneStep.output("o"));
  });
});

describe("dims", () => {
  it("are typed by name and value: a misspelled dim is a type error", async () => {
    const module = await compileModule(tagger("each"), {
      emit: "ts",
      dtype: "f64",
      standalone: true,
      sourceName: "tagger.rnn",
      format: false,
    });
    const program = `import { dims } from "./tagger.js";\nconst hidden: 3 = dims.H;\nexport const sizes = [hidden, dims.V, dims.Hidden];\n`;
    const diagnostics = strictDiagnostics({ "tagger.ts": module, "program.ts": program });
    expect(diagnostics).toMatch(/program\.ts\(3,\d+\): error TS2339: Property 'Hidden' does not exist/);
    expect(diagnostics.match(/error/g)).toHaveLength(1);
  });
});
