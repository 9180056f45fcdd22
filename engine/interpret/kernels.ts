/**
 * The runtime kernels the op registry names (`kernel: "softmaxRows"`), looked up by name:
 * the generated module imports them by the same names.
 */
import type { KernelName } from "../../compiler/ops/op.js";
import * as kernels from "../../runtime/kernels/index.js";
import type { FloatArray } from "../../runtime/floatArray.js";

/** A row-wise kernel: (B, K, operand₀, offset₀, …, out, outOffset). */
export type RowKernel = (B: number, K: number, ...arraysAndOffsets: (FloatArray | number)[]) => void;

export function rowKernel(name: KernelName): RowKernel {
  return kernels[name] as unknown as RowKernel;
}

/** A loss kernel: (B, K, scored, offset, targets, offset, weights, offset, rowLoss, offset) → Σ weighted loss. */
export type LossKernel = (
  B: number,
  K: number,
  input: FloatArray,
  inputOff: number,
  targets: Int32Array | FloatArray,
  targetsOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
) => number;

export function lossKernel(name: KernelName): LossKernel {
  return kernels[name] as unknown as LossKernel;
}

/** A steps kernel (attention): (B, S, lengths, K, operand, offset, out, offset). */
export type StepsKernel = (
  B: number,
  S: number,
  lengths: Int32Array,
  K: number,
  x: FloatArray,
  xOff: number,
  y: FloatArray,
  yOff: number,
) => void;

export function stepsKernel(name: KernelName): StepsKernel {
  return kernels[name] as unknown as StepsKernel;
}
