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
