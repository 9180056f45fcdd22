/**
 * What the `Model` class of every generated module does, whatever the model: check each
 * call's arguments before anything is computed, keep the workspace (allocated for the
 * largest batch seen, never inside the time loop), move parameters and gradients in and out
 * of the kernels' memory, run the module's forward and backward passes, and read outputs and
 * make states from its layout. The generated `Model` is a typed facade over a `ModelCore`.
 */
import type { FloatArray } from "../floatArray.js";
import type { MatmulKernels } from "../kernels/kernel-set.js";
import { namedRecord } from "../records.js";
import { ArgumentChecks, checkWholeNumber, describeValue, floatType } from "./arguments.js";
import type { ModuleLayout, OutputLayout, WorkspaceLengths } from "./layout.js";
import type { ModelMemory } from "./memory.js";
import { copyParameters, parameterNames, parameterViews, type ParameterSet } from "./parameters.js";

/** What the passes of a generated module see of its workspace: the kernels, the fused loops, and its arrays by name. */
export interface ModuleWorkspace<Lengths extends WorkspaceLengths, F extends FloatArray, Fused = never> {
  readonly kernels: MatmulKernels;
  /** The fused loops as WebAssembly functions on the kernels' memory; undefined on the JavaScript kernels. */
  readonly fused: Fused | undefined;
  readonly arrays: { readonly [name in keyof ReturnType<Lengths>["floats"]]: F } & {
    readonly [name in keyof ReturnType<Lengths>["ids"]]: Int32Array;
  };
}

/** The least a module's Batch type has. */
export interface BatchArguments {
  /** The steps of a model of one sequence; one of several gives each sequence's in `sequences`. */
  readonly T?: number;
  readonly B: number;
  readonly sequences?: Readonly<Record<string, { readonly T: number; readonly lengths?: Int32Array }>>;
  readonly inputs: object;
  readonly targets?: object;
  readonly lengths?: Int32Array;
}

/** The least a module's State type has. */
export interface StateArguments {
  readonly B: number;
  fresh: boolean;
  readonly values: object;
}

/** The generated passes: the forward pass returns the loss (NaN without targets); the backward pass writes `grads`. */
export interface ModulePasses<P, Batch, State, Workspace> {
  forward(w: Workspace, params: P, batch: Batch, state: State | undefined): number;
  backward?: ((w: Workspace, params: P, batch: Batch, grads: P, carried: boolean) => void) | undefined;
}

/** The workspace for up to T steps of B sequences, with the backward pass's arrays or without them. */
interface Allocation<P, Workspace> {
  readonly T: number;
  readonly B: number;
  readonly backward: boolean;
  readonly pass: Workspace;
  /**
   * The passes' copies of the parameters and (with the backward arrays) gradients, where the kernels need their
   * operands in their memory.
   */
  readonly resident: { readonly params: P; readonly grads: P | undefined } | undefined;
  /** The buffers of every array of the workspace: no array a call writes may lie in one. */
  readonly buffers: ReadonlySet<ArrayBufferLike>;
}

export class ModelCore<P extends ParameterSet, Batch extends BatchArguments, State extends StateArguments, Workspace> {
  readonly kernels: MatmulKernels;
  private readonly memory: ModelMemory;
  private readonly checks: ArgumentChecks;
  private readonly names: readonly string[];
  private readonly outputs: ReadonlyMap<string, OutputLayout>;
  private readonly fused: unknown;
  private space: Allocation<P, Workspace>;
  /** The steps of each sequence ("" for a model of one) and B of the last call, whose values output() reads. */
  private lastSteps: ReadonlyMap<string, number> = new Map();
  private lastB = 0;

  constructor(
    private readonly layout: ModuleLayout,
    private readonly passes: ModulePasses<P, Batch, State, Workspace>,
  ) {
    this.memory = layout.memory();
    this.kernels = this.memory.kernels;
    this.checks = new ArgumentChecks(layout);
    this.names = parameterNames(layout.parameters);
    this.outputs = new Map(layout.outputs.map((o) => [o.name, o]));
    this.fused = layout.fusedLoops === undefined ? undefined : this.memory.loops(layout.fusedLoops);
    this.space = this.allocate(1, 1, false);
  }

  forward(params: P, batch: Batch, state: State | undefined): number {
    this.checks.parameters(params, "params");
    this.checks.batch(batch, false);
    if (state !== undefined) this.checks.state(state, batch.B);
    const space = this.prepare(params, batch, undefined, state);
    const resident = space.resident ? copyParameters(this.names, params, space.resident.params) : params;
    return this.passes.forward(space.pass, resident, batch, state);
  }

  lossAndGrad(params: P, batch: Batch, grads: P, state: State | undefined): number {
    const backward = this.passes.backward;
    if (!backward) throw new TypeError("this model declares no loss, so it has no gradient");
    this.checks.parameters(params, "params");
    this.checks.parameters(grads, "grads");
    this.checks.batch(batch, true);
    if (state !== undefined) this.checks.state(state, batch.B);
    const space = this.prepare(params, batch, grads, state);
    // A learned initial state gets its gradient only from a fresh state: read before the forward pass uses it.
    const carried = state !== undefined && !state.fresh;
    if (!space.resident) {
      const loss = this.passes.forward(space.pass, params, batch, state);
      backward(space.pass, params, batch, grads, carried);
      return loss;
    }
    const residentGrads = space.resident.grads!;
    const resident = copyParameters(this.names, params, space.resident.params);
    const loss = this.passes.forward(space.pass, resident, batch, state);
    backward(space.pass, resident, batch, residentGrads, carried);
    copyParameters(this.names, residentGrads, grads);
    return loss;
  }

  /**
   * A module's own entry point (decoding a model of several sequences): after the checks of `params` and `batch` (as
   * forward's, which also size the workspace), `pass` runs on the workspace with the parameters where its kernels
   * read them.
   */
  run<R>(params: P, batch: Batch, pass: (w: Workspace, params: P) => R): R {
    this.checks.parameters(params, "params");
    this.checks.batch(batch, false);
    const space = this.prepare(params, batch, undefined, undefined);
    return pass(space.pass, space.resident ? copyParameters(this.names, params, space.resident.params) : params);
  }

  /** One step of state.B streams: forward with T = 1, reading and advancing `state`. */
  step(params: P, state: State, inputs: Batch["inputs"]): void {
    const { B } = this.checks.stateOf(state);
    this.forward(params, { T: 1, B, inputs } as Batch, state);
  }

  /** A quantity's values from the last call, [T][B][width]: a view into the workspace. */
  output(name: unknown): FloatArray {
    const out = typeof name === "string" ? this.outputs.get(name) : undefined;
    if (!out) {
      const names = [...this.outputs.keys()].map((n) => `'${n}'`).join(", ");
      throw new RangeError(
        `no quantity named ${typeof name === "string" ? name : describeValue(name)} (this model's: ${names})`,
      );
    }
    if (this.lastB === 0)
      throw new TypeError(
        `output('${out.name}'): nothing has run on this Model yet; call forward, lossAndGrad or step first`,
      );
    const { history } = out;
    const [T, B] = [this.lastSteps.get(out.sequence ?? "")!, this.lastB];
    // A quantity at every step of another sequence: a row per step of it, [T][B][S][width].
    const width = out.over === undefined ? out.width : out.width * this.lastSteps.get(out.over)!;
    const array = (this.space.pass as { arrays: Readonly<Record<string, FloatArray>> }).arrays[out.array]!;
    return array.subarray(history * B * width, (history + T) * B * width);
  }

  /** The state of B fresh streams: each carried value at its initial value (a learned one read from `params`). */
  createState(params: P, B: number): State {
    checkWholeNumber(B, "createState: B", (n) => `a state needs B ≥ 1 streams, not ${n}`);
    this.checks.parameters(params, "params");
    const Float = floatType(this.layout.dtype);
    const values = namedRecord<FloatArray | Int32Array>();
    for (const { name, encoding, steps, size, initial } of this.layout.carried) {
      const length = steps * B * size;
      if (typeof initial === "number")
        values[name] = encoding === "onehot" ? new Int32Array(length).fill(initial) : new Float(length).fill(initial);
      else {
        const value = new Float(length);
        for (let r = 0; r < steps * B; r++) value.set(params[initial.param]!, r * size);
        values[name] = value;
      }
    }
    return { B, values, fresh: true } as unknown as State;
  }

  /**
   * After the checks: no written array aliases another, and the workspace holds T steps of B sequences, with the
   * backward pass's arrays when `grads` are to be computed (once allocated, they are kept).
   */
  private prepare(params: P, batch: Batch, grads: P | undefined, state: State | undefined): Allocation<P, Workspace> {
    this.checks.sharing(params, batch, grads, state, this.space.buffers);
    const { B } = batch;
    // Every sequence's arrays are allocated for the longest one's steps.
    const T = this.checks.longest(batch);
    const backward = grads !== undefined;
    if (T > this.space.T || B > this.space.B || (backward && !this.space.backward)) {
      this.checks.inputsOutside(batch, this.space.buffers);
      this.space = this.allocate(Math.max(T, this.space.T), Math.max(B, this.space.B), backward || this.space.backward);
    }
    this.lastSteps = batch.sequences
      ? new Map(Object.entries(batch.sequences).map(([name, s]) => [name, s.T]))
      : new Map([["", batch.T!]]);
    this.lastB = B;
    return this.space;
  }

  private allocate(T: number, B: number, backward: boolean): Allocation<P, Workspace> {
    const { floats, ids } = this.layout.workspace(T, B);
    const backwardOnly = new Set(this.layout.backwardArrays);
    const floatNames = Object.keys(floats).filter((name) => backward || !backwardOnly.has(name));
    const { count } = this.layout.parameters;
    const lengths = floatNames.map((name) => floats[name]!);
    const copies = backward ? [count, count] : [count];
    const made = this.memory.floats(this.layout.dtype, this.memory.resident ? [...lengths, ...copies] : lengths);
    // Entries, not assignments: an array named `__proto__` is an own key like any other.
    const arrays: Readonly<Record<string, FloatArray | Int32Array>> = Object.fromEntries([
      ...floatNames.map((name, i) => [name, made[i]!] as const),
      ...Object.keys(ids).map((name) => [name, new Int32Array(ids[name]!)] as const),
    ]);
    const resident = this.memory.resident
      ? {
          params: parameterViews(this.layout, made[lengths.length]) as P,
          grads: backward ? (parameterViews(this.layout, made[lengths.length + 1]) as P) : undefined,
        }
      : undefined;
    return {
      T,
      B,
      backward,
      pass: { kernels: this.kernels, fused: this.fused, arrays } as Workspace,
      resident,
      buffers: new Set([...made, ...Object.values(arrays)].map((a) => a.buffer)),
    };
  }
}
