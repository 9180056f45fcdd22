/**
 * What training, evaluation, sampling and `rnnc run` need from an executor, whichever runs
 * the model: the interpreter here, or a generated module (`compiled`).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { KernelTier } from "../compiler/codegen/compile.js";
import type { Batch, Weights } from "./interpret/batch.js";
import type { Carry } from "./interpret/execution.js";
import { interpret } from "./interpret/interpret.js";

export interface ForwardResult {
  loss: number | null;
  /** A quantity's values at every step, [T][B][n] flattened. */
  quantity(name: string): Float64Array;
  carry(): Carry;
}

export interface GradientResult extends ForwardResult {
  loss: number;
  grads: Weights;
}

/** What a training step needs: the loss, every parameter's gradient, and the state to carry along a stream. */
export type GradientStep = Pick<GradientResult, "loss" | "grads" | "carry">;

/** A training step's gradient: a backend's `lossAndGrad`, or one spread over threads (runtime/parallel/). */
export type GradientFunction = (weights: Weights, batch: Batch, carry?: Carry) => GradientStep | Promise<GradientStep>;

export interface ModelBackend {
  readonly name: "interp" | "compiled";
  readonly ir: IrModel;
  forward(weights: Weights, batch: Batch, carry?: Carry): ForwardResult;
  lossAndGrad(weights: Weights, batch: Batch, carry?: Carry): GradientResult;
}

export function interpreterBackend(ir: IrModel): ModelBackend {
  return {
    name: "interp",
    ir,
    forward: (weights, batch, carry) => interpret(ir, weights, batch, carry ? { carry } : {}),
    lossAndGrad(weights, batch, carry) {
      if (ir.losses.length === 0) throw new Error("the model declares no loss, so it has no gradient");
      const r = interpret(ir, weights, batch, { grad: true, ...(carry ? { carry } : {}) });
      return { ...r, loss: r.loss!, grads: r.grads! };
    },
  };
}

export type BackendKind = ModelBackend["name"];

export interface BackendOptions {
  /** The compiled backend's kernel tier (`rnnc compile --kernels`); its default is the compiler's. */
  kernels?: KernelTier;
}

/** The backend a command asked for; the compiled one generates and loads a module for the model. */
export async function createBackend(
  ir: IrModel,
  kind: BackendKind,
  options: BackendOptions = {},
): Promise<ModelBackend> {
  if (kind === "interp") return interpreterBackend(ir);
  // Loaded on demand: only the compiled backend needs the code generator (and TypeScript).
  const { loadCompiledModule } = await import("../compiler/codegen/load.js");
  const { compiledBackend } = await import("./compiled-backend.js");
  return compiledBackend(ir, await loadCompiledModule(ir, "f64", undefined, options.kernels));
}
