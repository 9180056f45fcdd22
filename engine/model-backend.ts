/**
 * What training, evaluation, sampling and `rnnc run` need from an executor, whichever runs
 * the model: the interpreter (`interpreterBackend`) or a generated module (`compiled`).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { Batch, Weights } from "./interpret/batch.js";
import type { Carry } from "./interpret/execution.js";

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

/** A training step's gradient: a backend's `lossAndGrad`, or one spread over threads (engine/parallel/). */
export type GradientFunction = (weights: Weights, batch: Batch, carry?: Carry) => GradientStep | Promise<GradientStep>;

export interface ModelBackend extends ForwardBackend {
  readonly name: "interp" | "compiled";
  forward(weights: Weights, batch: Batch, carry?: Carry): ForwardResult;
  lossAndGrad(weights: Weights, batch: Batch, carry?: Carry): GradientResult;
  /**
   * What a training step needs of `lossAndGrad`, without the quantities nobody reads there. Its
   * `grads` may be the backend's own arrays, overwritten by its next call: use them (clip, apply)
   * before asking again.
   */
  gradientStep(weights: Weights, batch: Batch, carry?: Carry): GradientStep;
}

/** What runs a model forward (run, eval, sample): every backend, and ONNX Runtime, which answers asynchronously. */
export interface ForwardBackend {
  readonly name: "interp" | "compiled" | "onnxruntime";
  readonly ir: IrModel;
  forward(weights: Weights, batch: Batch, carry?: Carry): ForwardResult | Promise<ForwardResult>;
}

export type BackendKind = ModelBackend["name"];
