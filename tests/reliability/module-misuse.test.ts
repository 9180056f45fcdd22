/**
 * Every misuse of a generated module's API (docs/generated-modules.md, "What every call
 * checks") gets a TypeError or RangeError that names the argument, thrown before anything is
 * computed: no parameter, gradient or state is written, and nothing has run on the model
 * (output() still says so). Each kind of misuse the adversarial test of issue 13 found is
 * here: wrong types and dtypes, null and missing arguments or fields, wrong lengths,
 * fractional numbers (T, B, seeds, and ids or lengths in arrays that are not Int32Array),
 * out-of-range ids, names the model does not have, arrays a call writes sharing memory with
 * another, and calls in the wrong order.
 *
 * The same cases run on the JavaScript and the WebAssembly kernel tiers, float64 and float32,
 * for a --standalone module and one that imports rnnc/runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { ModuleDirectory } from "../support/import-module.js";
import { irFromText } from "../support/models.js";

type Float = Float64Array | Float32Array;
type Values = Float | Int32Array;
type Params = Record<string, Float>;
interface State {
  B: number;
  fresh: boolean;
  values: Record<string, Values>;
}

/** The module's API, loosely typed: these tests pass it what its types forbid. */
interface Module {
  parameterCount: number;
  createParameters(buffer?: unknown): Params;
  initialiseParameters(params: unknown, seed: unknown): void;
  Model: new () => {
    forward(params: unknown, batch: unknown, state?: unknown): number;
    lossAndGrad(params: unknown, batch: unknown, grads?: unknown, state?: unknown): number;
    output(name: unknown): Float;
    createState(params: unknown, B: unknown): State;
    step(params: unknown, state: unknown, inputs: unknown): void;
  };
}

/** Every kind of argument: one-hot and dense inputs, a class target at each step, a real one at the last, a learned state. */
const ir = irFromText(`
  model Misuse {
    dim V = 5
    dim D = 2
    dim H = 3
    dim K = 2
    input x : onehot[V]
    input u : [D]
    target y : class[K]
    target r : [H]
    param W : [H, H]
    param U : [H, V]
    param Wu : [H, D]
    param Vo : [K, H]
    state h : [H] = learned
    h = tanh(W @ h[t-1] + U @ x + Wu @ u)
    o = softmax(Vo @ h)
    loss cross_entropy(o, y) at each
    loss mse(h, r) at last
  }`);

/** A module's arguments, valid (T = 3, B = 2), for each case to spoil; grads hold 7 so a write would show. */
function setUp(module: Module, dtype: "f64" | "f32") {
  const Float = dtype === "f32" ? Float32Array : Float64Array;
  const Other = dtype === "f32" ? Float64Array : Float32Array;
  const params = module.createParameters();
  module.initialiseParameters(params, 1);
  const grads = module.createParameters(new Float(module.parameterCount).fill(7));
  const model = new module.Model();
  const batch = {
    T: 3,
    B: 2,
    inputs: { x: Int32Array.of(1, 2, 3, 4, 0, 1), u: new Float(12).map((_, i) => i / 10) },
    targets: { y: Int32Array.of(0, 1, 1, 0, 1, 1), r: Float.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6) },
  };
  const state = model.createState(params, 2);
  return { module, model, params, grads, batch, state, Float, Other };
}

type Context = ReturnType<typeof setUp>;

interface Misuse {
  what: string;
  act: (c: Context) => unknown;
  error: typeof TypeError | typeof RangeError;
  /** The message, given the module's float type's name. */
  message: (float: string, other: string) => RegExp;
  /** The case runs a call first (to get an output view), so output() has something to read. */
  ranBefore?: true;
}

const misuse = (
  what: string,
  error: Misuse["error"],
  message: RegExp | Misuse["message"],
  act: Misuse["act"],
  ranBefore?: true,
): Misuse => ({
  what,
  act,
  error,
  message: typeof message === "function" ? message : () => message,
  ...(ranBefore ? { ranBefore } : {}),
});

const withInputs = (c: Context, inputs: Record<string, unknown>) => ({
  ...c.batch,
  inputs: { ...c.batch.inputs, ...inputs },
});
const withTargets = (c: Context, targets: Record<string, unknown>) => ({
  ...c.batch,
  targets: { ...c.batch.targets, ...targets },
});
const withValues = (c: Context, values: Record<string, unknown>) => ({
  ...c.state,
  values: { ...c.state.values, ...values },
});
const dtypeNote = (float: string) => `${float} \\(the module's dtype is f(32|64)\\)`;
const paramsShape = "an object of arrays by parameter name \\(as createParameters makes\\)";

const misuses: Misuse[] = [
  // createParameters and initialiseParameters
  misuse(
    "createParameters of a string",
    TypeError,
    (f) => new RegExp(`^createParameters: buffer must be a ${dtypeNote(f)} of 39 numbers, not the string "buffer"$`),
    (c) => c.module.createParameters("buffer"),
  ),
  misuse(
    "createParameters of the other float type",
    TypeError,
    (f, o) =>
      new RegExp(`^createParameters: buffer must be a ${dtypeNote(f)} of 39 numbers, not a ${o} of 39 numbers$`),
    (c) => c.module.createParameters(new c.Other(39)),
  ),
  misuse("createParameters of an Array", TypeError, /, not an Array of 39 elements$/, (c) =>
    c.module.createParameters(new Array(39).fill(0)),
  ),
  misuse("createParameters of null", TypeError, /, not null$/, (c) => c.module.createParameters(null)),
  misuse("createParameters of an object", TypeError, /, not an object of another kind$/, (c) =>
    c.module.createParameters(Object.create(null)),
  ),
  misuse(
    "createParameters of a buffer one too long",
    RangeError,
    /^a parameter buffer holds 39 numbers, not 40$/,
    (c) => c.module.createParameters(new c.Float(40)),
  ),
  misuse(
    "initialiseParameters with a fractional seed",
    RangeError,
    /^initialiseParameters: seed must be an integer in \[0, 2\^32\), not 1\.5$/,
    (c) => c.module.initialiseParameters(c.params, 1.5),
  ),
  misuse(
    "initialiseParameters with a seed of 2^32",
    RangeError,
    /^initialiseParameters: seed must be an integer in \[0, 2\^32\), not 4294967296$/,
    (c) => c.module.initialiseParameters(c.params, 2 ** 32),
  ),
  misuse(
    "initialiseParameters with a string seed",
    TypeError,
    /^initialiseParameters: seed must be a number, not the string "1"$/,
    (c) => c.module.initialiseParameters(c.params, "1"),
  ),
  misuse("initialiseParameters of null", TypeError, new RegExp(`^params must be ${paramsShape}, not null$`), (c) =>
    c.module.initialiseParameters(null, 1),
  ),
  // Parameters and gradients
  misuse("forward with params null", TypeError, new RegExp(`^params must be ${paramsShape}, not null$`), (c) =>
    c.model.forward(null, c.batch),
  ),
  misuse(
    "forward with params undefined",
    TypeError,
    new RegExp(`^params must be ${paramsShape}, not undefined$`),
    (c) => c.model.forward(undefined, c.batch),
  ),
  misuse("forward with params a number", TypeError, new RegExp(`^params must be ${paramsShape}, not number 42$`), (c) =>
    c.model.forward(42, c.batch),
  ),
  misuse("a parameter missing", TypeError, /^params: parameter 'W' \[3, 3\] is missing$/, (c) => {
    const { W: _, ...rest } = c.params;
    return c.model.forward(rest, c.batch);
  }),
  misuse("a parameter too short", RangeError, /^params: parameter 'W' \[3, 3\] holds 8 numbers, not 9$/, (c) =>
    c.model.forward({ ...c.params, W: new c.Float(8) }, c.batch),
  ),
  misuse(
    "parameters from createParameters whose buffer was transferred away",
    RangeError,
    /^params: parameter 'W' \[3, 3\] holds 0 numbers, not 9$/,
    (c) => {
      const params = c.module.createParameters();
      structuredClone(params["W"]!.buffer, { transfer: [params["W"]!.buffer as ArrayBuffer] });
      return c.model.forward(params, c.batch);
    },
  ),
  misuse("a parameter too long", RangeError, /^params: parameter 'U' \[3, 5\] holds 16 numbers, not 15$/, (c) =>
    c.model.forward({ ...c.params, U: new c.Float(16) }, c.batch),
  ),
  misuse(
    "a parameter as an Array",
    TypeError,
    (f) => new RegExp(`^params: parameter 'W' \\[3, 3\\] must be a ${dtypeNote(f)}, not an Array of 9 elements$`),
    (c) => c.model.forward({ ...c.params, W: new Array(9).fill(0) }, c.batch),
  ),
  misuse(
    "a parameter of the other float type",
    TypeError,
    (f, o) => new RegExp(`^params: parameter 'W' \\[3, 3\\] must be a ${dtypeNote(f)}, not a ${o} of 9 numbers$`),
    (c) => c.model.forward({ ...c.params, W: new c.Other(9) }, c.batch),
  ),
  misuse(
    "a parameter the model does not have",
    TypeError,
    /^params has no parameter named 'Wx' \(this model's: 'W', 'U', 'Wu', 'Vo', 'h\.init'\)$/,
    (c) => c.model.forward({ ...c.params, Wx: new c.Float(9) }, c.batch),
  ),
  misuse("lossAndGrad without grads", TypeError, new RegExp(`^grads must be ${paramsShape}, not undefined$`), (c) =>
    c.model.lossAndGrad(c.params, c.batch),
  ),
  misuse("lossAndGrad with grads null", TypeError, new RegExp(`^grads must be ${paramsShape}, not null$`), (c) =>
    c.model.lossAndGrad(c.params, c.batch, null),
  ),
  misuse("a gradient too short", RangeError, /^grads: parameter 'U' \[3, 5\] holds 14 numbers, not 15$/, (c) =>
    c.model.lossAndGrad(c.params, c.batch, { ...c.grads, U: new c.Float(14) }),
  ),
  misuse(
    "a gradient of the other float type",
    TypeError,
    (f, o) => new RegExp(`^grads: parameter 'Vo' \\[2, 3\\] must be a ${dtypeNote(f)}, not a ${o} of 6 numbers$`),
    (c) => c.model.lossAndGrad(c.params, c.batch, { ...c.grads, Vo: new c.Other(6) }),
  ),
  misuse("a gradient the model does not have", TypeError, /^grads has no parameter named 'b'/, (c) =>
    c.model.lossAndGrad(c.params, c.batch, { ...c.grads, b: new c.Float(3) }),
  ),
  // The batch
  misuse("batch null", TypeError, /^batch must be an object \{ T, B, inputs, targets\?, lengths\? \}, not null$/, (c) =>
    c.model.forward(c.params, null),
  ),
  misuse("batch a string", TypeError, /^batch must be an object .*, not the string "batch"$/, (c) =>
    c.model.forward(c.params, "batch"),
  ),
  misuse("T a string", TypeError, /^batch\.T and batch\.B must be numbers, not the string "3" and number 2$/, (c) =>
    c.model.forward(c.params, { ...c.batch, T: "3" }),
  ),
  misuse("B missing", TypeError, /^batch\.T and batch\.B must be numbers, not number 3 and undefined$/, (c) => {
    const { B: _, ...rest } = c.batch;
    return c.model.forward(c.params, rest);
  }),
  misuse("T fractional", RangeError, /^a batch needs T ≥ 1 and B ≥ 1, not T = 2\.5, B = 2$/, (c) =>
    c.model.forward(c.params, { ...c.batch, T: 2.5 }),
  ),
  misuse("B fractional", RangeError, /^a batch needs T ≥ 1 and B ≥ 1, not T = 3, B = 1\.5$/, (c) =>
    c.model.forward(c.params, { ...c.batch, B: 1.5 }),
  ),
  misuse("T zero", RangeError, /^a batch needs T ≥ 1 and B ≥ 1, not T = 0, B = 2$/, (c) =>
    c.model.forward(c.params, { ...c.batch, T: 0 }),
  ),
  misuse("T NaN", RangeError, /^a batch needs T ≥ 1 and B ≥ 1, not T = NaN, B = 2$/, (c) =>
    c.model.forward(c.params, { ...c.batch, T: NaN }),
  ),
  misuse("B infinite", RangeError, /^a batch needs T ≥ 1 and B ≥ 1, not T = 3, B = Infinity$/, (c) =>
    c.model.forward(c.params, { ...c.batch, B: Infinity }),
  ),
  misuse(
    "inputs missing",
    TypeError,
    /^batch\.inputs must be an object of arrays by input name, not undefined$/,
    (c) => {
      const { inputs: _, ...rest } = c.batch;
      return c.model.forward(c.params, rest);
    },
  ),
  misuse("an input missing", TypeError, /^input 'x' \[T\]\[B\] is missing$/, (c) =>
    c.model.forward(c.params, { ...c.batch, inputs: { u: c.batch.inputs.u } }),
  ),
  misuse(
    "one-hot ids fractional, in a Float64Array",
    TypeError,
    /^input 'x' \[T\]\[B\] must be an Int32Array of token ids, not a Float64Array of 6 numbers$/,
    (c) => c.model.forward(c.params, withInputs(c, { x: Float64Array.of(1.7, 2, 3, 4, 0, 1) })),
  ),
  misuse(
    "one-hot ids in an Array",
    TypeError,
    /^input 'x' \[T\]\[B\] must be an Int32Array of token ids, not an Array of 6 elements$/,
    (c) => c.model.forward(c.params, withInputs(c, { x: [1, 2, 3, 4, 0, 1] })),
  ),
  misuse(
    "a one-hot id out of range",
    RangeError,
    /^input 'x' holds the id 5 at step 1 of sequence 1, outside \[0, 5\) and not the padding id -1$/,
    (c) => c.model.forward(c.params, withInputs(c, { x: Int32Array.of(1, 2, 3, 5, 0, 1) })),
  ),
  misuse(
    "a negative one-hot id other than -1",
    RangeError,
    /^input 'x' holds the id -2 at step 0 of sequence 0,/,
    (c) => c.model.forward(c.params, withInputs(c, { x: Int32Array.of(-2, 2, 3, 4, 0, 1) })),
  ),
  misuse("one-hot ids too few", RangeError, /^input 'x' \[T\]\[B\] holds 5 numbers, fewer than 6$/, (c) =>
    c.model.forward(c.params, withInputs(c, { x: new Int32Array(5) })),
  ),
  misuse("a dense input too short", RangeError, /^input 'u' \[T\]\[B\]\[2\] holds 11 numbers, fewer than 12$/, (c) =>
    c.model.forward(c.params, withInputs(c, { u: new c.Float(11) })),
  ),
  misuse(
    "a dense input of the other float type",
    TypeError,
    (f, o) => new RegExp(`^input 'u' \\[T\\]\\[B\\]\\[2\\] must be a ${dtypeNote(f)}, not a ${o} of 12 numbers$`),
    (c) => c.model.forward(c.params, withInputs(c, { u: new c.Other(12) })),
  ),
  misuse(
    "a dense input of ids",
    TypeError,
    /^input 'u' \[T\]\[B\]\[2\] must be a .*, not an Int32Array of 12 numbers$/,
    (c) => c.model.forward(c.params, withInputs(c, { u: new Int32Array(12) })),
  ),
  misuse(
    "an input the model does not have",
    TypeError,
    /^batch\.inputs has no input named 'z' \(this model's: 'x', 'u'\)$/,
    (c) => c.model.forward(c.params, withInputs(c, { z: new c.Float(12) })),
  ),
  misuse("an input named __proto__ that the model lacks", TypeError, /^input 'x' \[T\]\[B\] is missing$/, (c) =>
    c.model.forward(c.params, { ...c.batch, inputs: { ["__proto__"]: c.batch.inputs.x, u: c.batch.inputs.u } }),
  ),
  misuse("targets null", TypeError, /^batch\.targets must be an object of arrays by target name, not null$/, (c) =>
    c.model.forward(c.params, { ...c.batch, targets: null }),
  ),
  misuse("lossAndGrad without targets", TypeError, /^lossAndGrad needs batch\.targets$/, (c) => {
    const { targets: _, ...rest } = c.batch;
    return c.model.lossAndGrad(c.params, rest, c.grads);
  }),
  misuse("a scored target missing", TypeError, /^target 'y' \[T\]\[B\] is missing$/, (c) =>
    c.model.lossAndGrad(c.params, { ...c.batch, targets: { r: c.batch.targets.r } }, c.grads),
  ),
  misuse(
    "class ids fractional, in a Float64Array (1.7)",
    TypeError,
    /^target 'y' \[T\]\[B\] must be an Int32Array of class ids, not a Float64Array of 6 numbers$/,
    (c) => c.model.lossAndGrad(c.params, withTargets(c, { y: Float64Array.of(0, 1.7, 1, 0, 1, 1) }), c.grads),
  ),
  misuse(
    "a class id out of range",
    RangeError,
    /^target 'y' holds the class id 2 at step 1 of sequence 0, outside \[0, 2\)$/,
    (c) => c.model.lossAndGrad(c.params, withTargets(c, { y: Int32Array.of(0, 1, 2, 0, 1, 1) }), c.grads),
  ),
  misuse(
    "a negative class id",
    RangeError,
    /^target 'y' holds the class id -1 at step 0 of sequence 1, outside \[0, 2\)$/,
    (c) => c.model.forward(c.params, withTargets(c, { y: Int32Array.of(0, -1, 1, 0, 1, 1) })),
  ),
  misuse("a real target too short", RangeError, /^target 'r' \[B\]\[3\] holds 5 numbers, fewer than 6$/, (c) =>
    c.model.lossAndGrad(c.params, withTargets(c, { r: new c.Float(5) }), c.grads),
  ),
  misuse(
    "a real target of ids",
    TypeError,
    /^target 'r' \[B\]\[3\] must be a .*, not an Int32Array of 6 numbers$/,
    (c) => c.model.lossAndGrad(c.params, withTargets(c, { r: new Int32Array(6) }), c.grads),
  ),
  misuse(
    "a target the model does not have",
    TypeError,
    /^batch\.targets has no target named 'yy' \(this model's: 'y', 'r'\)$/,
    (c) => c.model.lossAndGrad(c.params, withTargets(c, { yy: new Int32Array(6) }), c.grads),
  ),
  misuse(
    "lengths in an Array",
    TypeError,
    /^batch\.lengths must be an Int32Array of B lengths, not an Array of 2 elements$/,
    (c) => c.model.forward(c.params, { ...c.batch, lengths: [3, 2] }),
  ),
  misuse(
    "lengths fractional, in a Float64Array",
    TypeError,
    /^batch\.lengths must be an Int32Array of B lengths, not a Float64Array of 2 numbers$/,
    (c) => c.model.forward(c.params, { ...c.batch, lengths: Float64Array.of(2.5, 3) }),
  ),
  misuse("lengths null", TypeError, /^batch\.lengths must be an Int32Array of B lengths, not null$/, (c) =>
    c.model.forward(c.params, { ...c.batch, lengths: null }),
  ),
  misuse("a length of 0", RangeError, /^lengths must hold B values from 1 to T$/, (c) =>
    c.model.forward(c.params, { ...c.batch, lengths: Int32Array.of(0, 3) }),
  ),
  misuse("a length beyond T", RangeError, /^lengths must hold B values from 1 to T$/, (c) =>
    c.model.forward(c.params, { ...c.batch, lengths: Int32Array.of(3, 4) }),
  ),
  misuse("lengths for other B", RangeError, /^lengths must hold B values from 1 to T$/, (c) =>
    c.model.forward(c.params, { ...c.batch, lengths: Int32Array.of(3) }),
  ),
  // States
  misuse("state null", TypeError, /^state must be a State \(from createState\), not null$/, (c) =>
    c.model.forward(c.params, c.batch, null),
  ),
  misuse("a state for other streams", RangeError, /^the state is for 3 streams, the batch has 2$/, (c) =>
    c.model.forward(c.params, c.batch, c.model.createState(c.params, 3)),
  ),
  misuse("state.B fractional", RangeError, /^state\.B must be a whole number of streams ≥ 1, not 1\.5$/, (c) =>
    c.model.forward(c.params, c.batch, { ...c.state, B: 1.5 }),
  ),
  misuse("state.values null", TypeError, /^state\.values must be an object of arrays by state name, not null$/, (c) =>
    c.model.forward(c.params, c.batch, { ...c.state, values: null }),
  ),
  misuse(
    "state.fresh missing",
    TypeError,
    /^state\.fresh must be true or false \(true until a call uses the state\), not undefined$/,
    (c) => {
      const { fresh: _, ...rest } = c.state;
      return c.model.forward(c.params, c.batch, rest);
    },
  ),
  misuse("a state value missing", TypeError, /^state value 'h' \[1\]\[B\]\[3\] is missing$/, (c) =>
    c.model.forward(c.params, c.batch, { ...c.state, values: {} }),
  ),
  misuse(
    "a state value of the wrong length",
    RangeError,
    /^state value 'h' \[1\]\[B\]\[3\] holds 5 numbers, not 6$/,
    (c) => c.model.forward(c.params, c.batch, withValues(c, { h: new c.Float(5) })),
  ),
  misuse(
    "a state value of the other float type",
    TypeError,
    (f, o) => new RegExp(`^state value 'h' \\[1\\]\\[B\\]\\[3\\] must be a ${dtypeNote(f)}, not a ${o} of 6 numbers$`),
    (c) => c.model.forward(c.params, c.batch, withValues(c, { h: new c.Other(6) })),
  ),
  misuse(
    "a state value the model does not have",
    TypeError,
    /^state\.values has no state value named 'c' \(this model's: 'h'\)$/,
    (c) => c.model.forward(c.params, c.batch, withValues(c, { c: new c.Float(6) })),
  ),
  misuse("createState for a fractional B", RangeError, /^a state needs B ≥ 1 streams, not 1\.5$/, (c) =>
    c.model.createState(c.params, 1.5),
  ),
  misuse("createState for B a string", TypeError, /^createState: B must be a number, not the string "2"$/, (c) =>
    c.model.createState(c.params, "2"),
  ),
  misuse("createState with params null", TypeError, new RegExp(`^params must be ${paramsShape}, not null$`), (c) =>
    c.model.createState(null, 2),
  ),
  misuse("step with state undefined", TypeError, /^state must be a State \(from createState\), not undefined$/, (c) =>
    c.model.step(c.params, undefined, { x: Int32Array.of(1, 2), u: new c.Float(4) }),
  ),
  misuse("step with an input missing", TypeError, /^input 'u' \[T\]\[B\]\[2\] is missing$/, (c) =>
    c.model.step(c.params, c.state, { x: Int32Array.of(1, 2) }),
  ),
  // Arrays a call writes, sharing memory with another
  misuse(
    "lossAndGrad(params, batch, params)",
    TypeError,
    /^grads: parameter 'W' \[3, 3\] shares memory with params: parameter 'W' \[3, 3\]: the call writes grads: parameter 'W' \[3, 3\], so it must not overlap another array of the call/,
    (c) => c.model.lossAndGrad(c.params, c.batch, c.params),
  ),
  misuse(
    "gradients made over the parameters' buffer",
    TypeError,
    /^grads: parameter 'W' \[3, 3\] shares memory with params: parameter 'W' \[3, 3\]/,
    (c) =>
      c.model.lossAndGrad(
        c.params,
        c.batch,
        c.module.createParameters(new c.Float(c.params["W"]!.buffer as ArrayBuffer, 0, 39)),
      ),
  ),
  misuse(
    "two gradients in one array",
    TypeError,
    /^grads: parameter 'Wu' \[3, 2\] shares memory with grads: parameter 'Vo' \[2, 3\]/,
    (c) => c.model.lossAndGrad(c.params, c.batch, { ...c.grads, Vo: c.grads["Wu"] }),
  ),
  misuse(
    "a gradient over a target",
    TypeError,
    /^grads: parameter 'Wu' \[3, 2\] shares memory with target 'r' \[B\]\[3\]/,
    (c) => c.model.lossAndGrad(c.params, c.batch, { ...c.grads, Wu: c.batch.targets.r }),
  ),
  misuse(
    "a state value over a parameter",
    TypeError,
    /^state value 'h' \[1\]\[B\]\[3\] shares memory with params: parameter 'Wu' \[3, 2\]/,
    (c) => c.model.forward(c.params, c.batch, withValues(c, { h: c.params["Wu"] })),
  ),
  misuse(
    "a state value over an input",
    TypeError,
    /^state value 'h' \[1\]\[B\]\[3\] shares memory with input 'u' \[T\]\[B\]\[2\]/,
    (c) => c.model.lossAndGrad(c.params, c.batch, c.grads, withValues(c, { h: c.batch.inputs.u.subarray(6) })),
  ),
  misuse(
    "an output view as a target",
    TypeError,
    /^target 'r' \[B\]\[3\] is a view of this Model's workspace \(what output\(\) returns\), which the call overwrites: copy it first$/,
    (c) => {
      c.model.forward(c.params, c.batch);
      return c.model.lossAndGrad(c.params, withTargets(c, { r: c.model.output("h") }), c.grads);
    },
    true,
  ),
  misuse(
    "an output view as a state value",
    TypeError,
    /^state value 'h' \[1\]\[B\]\[3\] is a view of this Model's workspace/,
    (c) => {
      c.model.forward(c.params, c.batch);
      return c.model.forward(c.params, c.batch, withValues(c, { h: c.model.output("h").subarray(0, 6) }));
    },
    true,
  ),
  misuse(
    "an output view as an input of a call larger than any before",
    TypeError,
    /^input 'u' \[T\]\[B\]\[2\] is a view of this Model's workspace \(what output\(\) returns\), which this call allocates anew, being larger than any before: copy it first$/,
    (c) => {
      c.model.forward(c.params, c.batch);
      return c.model.forward(c.params, { T: 6, B: 1, inputs: { x: c.batch.inputs.x, u: c.model.output("o") } });
    },
    true,
  ),
  // Calls in the wrong order, and outputs the model does not have
  misuse(
    "output() before any call",
    TypeError,
    /^output\('h'\): nothing has run on this Model yet; call forward, lossAndGrad or step first$/,
    (c) => c.model.output("h"),
  ),
  misuse(
    "output of a quantity the model does not have",
    RangeError,
    /^no quantity named hh \(this model's: 'h', 'o'\)$/,
    (c) => c.model.output("hh"),
  ),
  misuse("output of a number", RangeError, /^no quantity named number 42 \(this model's: 'h', 'o'\)$/, (c) =>
    c.model.output(42),
  ),
];

/** Copies of every array of the arguments, to show that a refused call wrote none of them. */
function snapshot(c: Context): Map<ArrayLike<number>, number[]> {
  const arrays = [
    ...Object.values(c.params),
    ...Object.values(c.grads),
    ...Object.values(c.state.values),
    ...Object.values(c.batch.inputs),
    ...Object.values(c.batch.targets),
  ];
  return new Map(arrays.map((a) => [a, Array.from(a)]));
}

const variants: { kernels: KernelTier; standalone: boolean; dtype: "f64" | "f32" }[] = (
  ["js", "wasm"] as const
).flatMap((kernels) =>
  [true, false].flatMap((standalone) => (["f64", "f32"] as const).map((dtype) => ({ kernels, standalone, dtype }))),
);

const modules = new ModuleDirectory();
afterAll(() => modules.remove());

it("covers every kind of misuse with its own case", () => {
  expect(misuses.length).toBeGreaterThanOrEqual(62);
  expect(new Set(misuses.map((m) => m.what)).size).toBe(misuses.length);
});

for (const { kernels, standalone, dtype } of variants) {
  describe(`--kernels ${kernels}, ${dtype}, ${standalone ? "--standalone" : "importing rnnc/runtime"}`, () => {
    let module: Module;
    beforeAll(async () => {
      const emit = standalone ? "js" : "ts";
      const text = await compileModule(ir, {
        emit,
        dtype,
        kernels,
        standalone,
        sourceName: "misuse.rnn",
        format: false,
      });
      module = await modules.import<Module>(text, emit);
    });

    it("runs the valid arguments every case spoils", () => {
      const c = setUp(module, dtype);
      expect(Number.isFinite(c.model.lossAndGrad(c.params, c.batch, c.grads, c.state))).toBe(true);
      c.model.step(c.params, c.state, { x: Int32Array.of(1, 2), u: new c.Float(4) });
      expect(c.model.output("o")).toHaveLength(4);
    });

    it("takes an output view as an input of a call no larger than the last: inputs are copied in first", () => {
      const c = setUp(module, dtype);
      c.model.forward(c.params, c.batch);
      const fedBack = { ...c.batch, inputs: { ...c.batch.inputs, u: c.model.output("o") } };
      const copied = { ...c.batch, inputs: { ...c.batch.inputs, u: c.model.output("o").slice() } };
      const loss = c.model.forward(c.params, fedBack);
      c.model.forward(c.params, c.batch);
      expect(c.model.forward(c.params, copied)).toBe(loss);
    });

    for (const m of misuses) {
      it(m.what, () => {
        const c = setUp(module, dtype);
        const before = snapshot(c);
        let error: unknown;
        try {
          m.act(c);
        } catch (e) {
          error = e;
        }
        expect(error, "no error").toBeInstanceOf(m.error);
        expect((error as Error).message).toMatch(m.message(c.Float.name, c.Other.name));
        for (const [array, values] of before) expect(Array.from(array)).toEqual(values);
        if (!m.ranBefore && m.what !== "output() before any call")
          expect(() => c.model.output("h")).toThrow(/nothing has run on this Model yet/);
      });
    }
  });
}
