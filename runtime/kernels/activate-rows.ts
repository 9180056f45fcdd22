/**
 * The gate activations of a step over a strided block of rows, as one kernel call:
 *
 *     y[yOff + r·yStride + i] = f(x[xOff + r·xStride + i])   for r < rows, i < width,
 *
 * f ∈ {sigmoid, tanh, exp}. In place when x === y with the same offsets and strides;
 * otherwise the two blocks must not overlap.
 *
 * This is the JavaScript tier and the reference: it computes exactly the expressions the
 * generated code writes in its own loops (`1 / (1 + Math.exp(-v))`, `Math.tanh(v)`,
 * `Math.exp(v)`), in double precision, so float64 results are bit-identical to them.
 * The WebAssembly tier (`WasmKernels.activateRows`, docs/kernels.md#activations) runs
 * f32x4 approximations on Float32Arrays in its arena, a port of fdlibm (what V8's Math.*
 * uses) on f64x2 for Float64Arrays there, and calls this function for everything else.
 *
 * No imports but types: compiler/codegen/runtime-source.ts inlines this file into
 * `--standalone` modules.
 */

import type { FloatArray } from "../floatArray.js";

/** The functions activateRows computes. */
export type ActivationName = "sigmoid" | "tanh" | "exp";

type RowKernel = (n: number, x: FloatArray, xa: number, y: FloatArray, ya: number) => void;

// One loop per function, so that each stays monomorphic in the Math call it makes.
const rowKernels: Readonly<Record<ActivationName, RowKernel>> = Object.freeze({
  sigmoid: (n: number, x: FloatArray, xa: number, y: FloatArray, ya: number) => {
    for (let i = 0; i < n; i++) y[ya + i] = 1 / (1 + Math.exp(-x[xa + i]!));
  },
  tanh: (n: number, x: FloatArray, xa: number, y: FloatArray, ya: number) => {
    for (let i = 0; i < n; i++) y[ya + i] = Math.tanh(x[xa + i]!);
  },
  exp: (n: number, x: FloatArray, xa: number, y: FloatArray, ya: number) => {
    for (let i = 0; i < n; i++) y[ya + i] = Math.exp(x[xa + i]!);
  },
});

/** y[yOff + r·yStride + i] = f(x[xOff + r·xStride + i]) for r < rows, i < width. In place allowed (x === y with the same offsets and strides). */
export function activateRows(
  fn: ActivationName,
  rows: number,
  width: number,
  x: FloatArray,
  xOff: number,
  xStride: number,
  y: FloatArray,
  yOff: number,
  yStride: number,
): void {
  const row = Object.hasOwn(rowKernels, fn) ? rowKernels[fn] : undefined;
  if (row === undefined) throw new RangeError(`activateRows: unknown activation ${String(fn)}`);
  for (let r = 0; r < rows; r++) row(width, x, xOff + r * xStride, y, yOff + r * yStride);
}
