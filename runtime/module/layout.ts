/**
 * What a generated module tells the runtime about its model. The code generator
 * (compiler/codegen/emit-module.ts) writes one `ModuleLayout` per module: the names,
 * shapes and encodings a call's arguments must have, where each quantity lies in the
 * workspace, and how long each array of the workspace is. Everything that is the same for
 * every model (argument checks, the workspace, the `Model` class) reads it.
 *
 * Names are those of the `.rnn` file and can be any identifier, `__proto__` included: they
 * are only ever looked up as own keys or in Maps, never used as code.
 */
import type { InitSpec } from "../init.js";
import type { ModelMemory, ModuleDtype } from "./memory.js";

export interface ModuleLayout {
  readonly dtype: ModuleDtype;
  readonly parameters: ParameterLayout;
  /**
   * A model of several sequences: their names (step variables), in the order they are computed. A batch then gives
   * each one's T and lengths (`batch.sequences`), and every input, target, mask and output names its sequence.
   * Absent: one sequence, `batch.T` and `batch.lengths`.
   */
  readonly sequences?: readonly string[];
  readonly inputs: readonly InputLayout[];
  readonly targets: readonly TargetLayout[];
  /** The dropouts' masks a training batch may give ([T][B][size] each); without them every mask is all ones. Absent: none. */
  readonly masks?: readonly MaskLayout[];
  /** The states and inputs read through a delay: what a stream carries from one call to the next. */
  readonly carried: readonly CarriedLayout[];
  /** The quantities, as `output(name)` reads them. */
  readonly outputs: readonly OutputLayout[];
  /** Every array the passes use, by its length for batches of up to T steps of B sequences. */
  readonly workspace: WorkspaceLengths;
  /** The float arrays of the workspace that only the backward pass uses, allocated by the first call with a gradient. */
  readonly backwardArrays: readonly string[];
  /** Set when the module is straight-line code for batches of exactly this many steps (rnnc compile --unroll). */
  readonly unrollSteps?: number;
  /** Where a new Model's arrays live and which kernels it calls (its kernel tier). */
  readonly memory: () => ModelMemory;
  /** The model's fused loops as a WebAssembly module, base64, on the wasm and auto tiers. */
  readonly fusedLoops?: string;
}

/** The parameters in declaration order (the order of `shapes`' keys), each a row-major view into one flat buffer. */
export interface ParameterLayout {
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly offsets: Readonly<Record<string, number>>;
  readonly count: number;
  readonly inits: Readonly<Record<string, Readonly<InitSpec>>>;
}

/** An input: ids [T][B] (one-hot, `size` the vocabulary) or vectors [T][B][size]. */
export interface InputLayout {
  readonly name: string;
  readonly encoding: "onehot" | "dense";
  readonly size: number;
  readonly sequence?: string;
}

/** A dropout's mask: 1/(1 − p) where an element is kept, 0 where it is dropped, [T][B][size]. */
export interface MaskLayout {
  readonly name: string;
  readonly size: number;
  readonly sequence?: string;
}

/**
 * A target: class ids (`size` classes) or real vectors of `size`, at every step ([T][B]) when a loss scores it
 * `at each`, else one per sequence ([B]). An unscored target is never read.
 */
export interface TargetLayout {
  readonly name: string;
  readonly kind: "class" | "real";
  readonly size: number;
  readonly at: "each" | "last";
  readonly scored: boolean;
  readonly sequence?: string;
}

/**
 * What a stream carries of one state or delayed input: its last `steps` values, [steps][B][size] (ids, size 1, for
 * a one-hot input), starting from a number (zeros, a constant, -1 for no id) or the parameter `param` (learned).
 */
export interface CarriedLayout {
  readonly name: string;
  readonly encoding: "onehot" | "dense";
  readonly steps: number;
  readonly size: number;
  readonly initial: number | { readonly param: string };
}

/**
 * A quantity's values: rows of `width` in the workspace's `array`, step 0 after `history` steps read through delays,
 * for the steps of its sequence.
 */
export interface OutputLayout {
  readonly name: string;
  readonly array: string;
  readonly history: number;
  readonly width: number;
  readonly sequence?: string;
  /** Attention: the sequence at whose every step it has a row (B · S rows per step, example by example), S its steps. */
  readonly over?: string;
}

/** The lengths of the workspace's float arrays and id (Int32Array) arrays, by array name, for T steps of B sequences. */
export type WorkspaceLengths = (
  T: number,
  B: number,
) => { readonly floats: Readonly<Record<string, number>>; readonly ids: Readonly<Record<string, number>> };
