/**
 * A generated module behind the `ModelBackend` interface, so training, `rnnc run` and the
 * tests can use it exactly like the interpreter. Converts batches, weights and carried
 * state between the runtime's records and the module's typed API.
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { ForwardResult, GradientFunction, GradientResult, ModelBackend } from "./model-backend.js";
import { interpreterBackend } from "./interpreter-backend.js";
import { missingTarget, requireTargets, requireWholeSequences, type Batch, type Weights } from "./interpret/batch.js";
import type { Carry } from "./interpret/execution.js";
import type { Float, GeneratedModel, GeneratedModule, ModuleBatch, ModuleState } from "../runtime/generated-module.js";
import type { GradientPool } from "./parallel/pool.js";
import { namedRecord } from "../runtime/records.js";
import { defaultKernelTier, type KernelTier } from "../compiler/codegen/kernel-tier.js";
import { compiledNeed, describeBatch, requireMemory } from "./memory.js";
import { allFinite } from "../runtime/kernels/reductions.js";

/** Conversions between the runtime's records (float64, carries most recent first) and a module's API. */
export function moduleAdapter(ir: IrModel, module: GeneratedModule, parameters?: Record<string, Float>) {
  const f32 = module.dtype === "f32";
  const float = (a: Float64Array): Float => (f32 ? Float32Array.from(a) : a);
  // A float32 module reads the float64 weights rounded into arrays made once (or given): a training step allocates none.
  const rounded = f32 ? (parameters ?? module.createParameters()) : null;
  return {
    params: (weights: Weights): Record<string, Float> => {
      if (!rounded) return namedRecord(ir.params.map((p) => [p.name, weights[p.name]!]));
      for (const p of ir.params) rounded[p.name]!.set(weights[p.name]!);
      return rounded;
    },
    batch: (batch: Batch): ModuleBatch => ({
      // A model of several sequences gives each one's steps and lengths; one of one sequence, T and lengths.
      ...(ir.sequences
        ? {
            sequences: namedRecord(
              ir.sequences.map((s) => [s, { T: batch.sequences![s]!.T, lengths: batch.sequences![s]!.lengths }]),
            ),
          }
        : { T: batch.T, lengths: batch.lengths }),
      B: batch.B,
      inputs: namedRecord(
        Object.entries(batch.inputs).map(([k, d]) => [k, d.kind === "onehot" ? d.ids : float(d.values)]),
      ),
      // Without every scored target the module runs forward only (its loss is then NaN).
      ...(missingTarget(ir, batch) === undefined
        ? {
            targets: namedRecord(
              Object.entries(batch.targets).map(([k, d]) => [k, d.kind === "class" ? d.ids : float(d.values)]),
            ),
          }
        : {}),
      ...(batch.masks
        ? { masks: namedRecord(Object.entries(batch.masks).map(([k, m]) => [k, float(m)] as [string, Float])) }
        : {}),
    }),
    // A fresh state starts from the initial values (learned ones get gradients); a carried one does not.
    state: (
      fresh: Pick<GeneratedModel, "createState">,
      params: Record<string, Float>,
      batch: Batch,
      carry: Carry | undefined,
    ) => {
      if (!carry) return fresh.createState(params, batch.B);
      requireWholeSequences(ir, "continuing sequences from a previous chunk");
      return toState(carry, batch.B, f32 ? Float32Array : Float64Array);
    },
    /**
     * The module's gradients as float64 weights, into the same arrays at every call: the module's
     * own views where it computes in float64, else float64 arrays made once and refilled.
     */
    gradients(grads: Record<string, Float>): () => Weights {
      if (!f32) {
        const views = namedRecord(ir.params.map((p) => [p.name, grads[p.name] as Float64Array]));
        return () => views;
      }
      const copies = namedRecord(ir.params.map((p) => [p.name, new Float64Array(grads[p.name]!.length)]));
      return () => {
        for (const p of ir.params) copies[p.name]!.set(grads[p.name]!);
        return copies;
      };
    },
    finite: (grads: Weights) => Object.values(grads).every(allFinite),
    hasTargets: (batch: Batch) => ir.losses.length > 0 && missingTarget(ir, batch) === undefined,
  };
}

/** `kernels`: the tier the module was compiled for, which decides where its workspace lies (memory checks). */
export function compiledBackend(
  ir: IrModel,
  module: GeneratedModule,
  kernels: KernelTier = defaultKernelTier,
): ModelBackend {
  const model = new module.Model();
  const grads = module.createParameters();
  const adapt = moduleAdapter(ir, module);
  const requireRoom = workspaceGuard(ir, module, kernels);
  const gradients = adapt.gradients(grads);

  /** One call of the module; its quantities stay in the workspace until the next. */
  const call = (weights: Weights, batch: Batch, carry: Carry | undefined, withGrad: boolean) => {
    requireRoom(batch, withGrad);
    const p = adapt.params(weights);
    const state = adapt.state(model, p, batch, carry);
    const b = adapt.batch(batch);
    const loss = withGrad ? model.lossAndGrad(p, b, grads, state) : model.forward(p, b, state);
    if (adapt.hasTargets(batch) && !Number.isFinite(loss)) explainOverflow(ir, weights, batch, carry, withGrad);
    return { loss: adapt.hasTargets(batch) ? loss : null, carry: () => fromState(ir, state) };
  };

  const run = (weights: Weights, batch: Batch, carry: Carry | undefined, withGrad: boolean): ForwardResult => {
    const r = call(weights, batch, carry, withGrad);
    const outputs = new Map<string, Float64Array>();
    const result: ForwardResult = {
      ...r,
      quantity: (name) => {
        if (!outputs.has(name)) outputs.set(name, Float64Array.from(model.output(name)));
        return outputs.get(name)!;
      },
    };
    // Read every output now: the next call reuses the module's workspace.
    for (const q of ir.quantities) result.quantity(q.name);
    return result;
  };

  /** The gradient of a call with gradients, checked: a non-finite one is explained by the interpreter. */
  const checkedGradients = (weights: Weights, batch: Batch, carry: Carry | undefined): Weights => {
    const g = gradients();
    if (!adapt.finite(g)) explainOverflow(ir, weights, batch, carry, true);
    return g;
  };

  const requireGradient = (batch: Batch) => {
    if (ir.losses.length === 0) throw new Error("the model declares no loss, so it has no gradient");
    requireTargets(ir, batch);
  };

  return {
    name: "compiled",
    ir,
    forward: (weights, batch, carry) => run(weights, batch, carry, false),
    lossAndGrad(weights, batch, carry): GradientResult {
      requireGradient(batch);
      const r = run(weights, batch, carry, true);
      const copies = namedRecord(
        Object.entries(checkedGradients(weights, batch, carry)).map(([k, g]) => [k, g.slice()]),
      );
      return { ...r, loss: r.loss!, grads: copies };
    },
    // No quantities, and the same gradient arrays at every step: training reads neither later.
    gradientStep(weights, batch, carry) {
      requireGradient(batch);
      const r = call(weights, batch, carry, true);
      return { loss: r.loss!, grads: checkedGradients(weights, batch, carry), carry: r.carry };
    },
  };
}

/**
 * A training step's gradient through a `GradientPool` of the same module: each batch split
 * across its threads, the result the single-threaded backend's up to the order of the sums.
 * Its `grads` are the same arrays at every step, as the backend's `gradientStep`'s.
 */
export function pooledGradient(
  ir: IrModel,
  module: GeneratedModule,
  pool: GradientPool,
  kernels: KernelTier = defaultKernelTier,
): GradientFunction {
  // The weights rounded straight into the pool's shared parameters, the gradient read where its threads sum it: no copies.
  const adapt = moduleAdapter(ir, module, pool.parameters);
  const grads = pool.gradients;
  const requireRoom = workspaceGuard(ir, module, kernels, pool.shards);
  const gradients = adapt.gradients(grads);
  return async (weights, batch, carry) => {
    requireTargets(ir, batch);
    requireRoom(batch, true);
    const p = adapt.params(weights);
    const state = adapt.state(pool, p, batch, carry);
    const loss = await pool.lossAndGrad(p, adapt.batch(batch), grads, state);
    const result = { loss, grads: gradients(), carry: () => fromState(ir, state) };
    if (!Number.isFinite(loss) || !adapt.finite(result.grads)) explainOverflow(ir, weights, batch, carry, true);
    return result;
  };
}

/**
 * Refuses a batch whose workspace cannot be allocated, before the module tries. A module keeps
 * one workspace for the longest T and the largest B it has seen, with the backward pass's
 * arrays from its first call with a gradient on, so those are what it needs; split over
 * `threads`, each thread's module holds a share of the sequences. A batch within them allocates
 * nothing and is not checked again (the check plans the module: milliseconds).
 */
function workspaceGuard(
  ir: IrModel,
  module: GeneratedModule,
  kernels: KernelTier,
  threads = 1,
): (batch: Batch, withGrad: boolean) => void {
  const largest = { T: 0, B: 0, backward: false };
  return (batch, withGrad) => {
    // Every sequence's arrays are allocated for the longest sequence's steps.
    const steps = Math.max(batch.T, ...Object.values(batch.sequences ?? {}).map((s) => s.T));
    if (steps <= largest.T && batch.B <= largest.B && (largest.backward || !withGrad)) return;
    const T = Math.max(largest.T, steps);
    const B = Math.max(largest.B, batch.B);
    const backward = largest.backward || withGrad;
    requireMemory(
      compiledNeed(ir, { dtype: module.dtype, kernels, backward }, T, B, threads),
      `${describeBatch(steps, batch.B)} on the compiled backend`,
      "shorten the sequences or batch fewer of them",
    );
    Object.assign(largest, { T, B, backward });
  };
}

/**
 * The generated code does not check every value it computes (that would cost speed on
 * every step); when its result is not finite, the interpreter, which does, runs the same
 * batch and throws the error that names the first quantity or gradient that overflowed.
 */
function explainOverflow(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
  carry: Carry | undefined,
  withGrad: boolean,
): void {
  const reference = interpreterBackend(ir);
  if (withGrad) reference.lossAndGrad(weights, batch, carry);
  else reference.forward(weights, batch, carry);
}

/** How many past steps of a state or input the model reads (its longest delay). */
function carriedSteps(ir: IrModel, name: string): number {
  return ir.nodes.reduce((m, n) => Math.max(m, n.op === "delay" && n.source === name ? n.steps : 0), 0);
}

/** The interpreter's carry (most recent first, [B][n] per step) as a module state (oldest first, [steps][B][n]) of the module's float type. */
function toState(carry: Carry, B: number, Float: Float64ArrayConstructor | Float32ArrayConstructor): ModuleState {
  const values = namedRecord<Float | Int32Array>();
  for (const [name, steps] of Object.entries(carry)) {
    const width = steps[0]!.length;
    const out = steps[0] instanceof Int32Array ? new Int32Array(width * steps.length) : new Float(width * steps.length);
    steps.forEach((s, back) => out.set(s as never, (steps.length - 1 - back) * width));
    values[name] = out;
  }
  return { B, values, fresh: false };
}

function fromState(ir: IrModel, state: ModuleState): Carry {
  const carry: Carry = namedRecord();
  for (const [name, values] of Object.entries(state.values)) {
    const steps = carriedSteps(ir, name);
    const width = values.length / steps;
    carry[name] = Array.from({ length: steps }, (_, back) => {
      const slice = values.slice((steps - 1 - back) * width, (steps - back) * width);
      return slice instanceof Float32Array ? Float64Array.from(slice) : slice;
    });
  }
  return carry;
}
