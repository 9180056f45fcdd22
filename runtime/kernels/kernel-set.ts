/**
 * The matrix products, row activations and softmax as one object, the interface both kernel tiers
 * provide: a generated module on a kernel tier (--kernels wasm|auto) calls them through it,
 *
 *     const { matmulBatch, activateRows } = kernels;
 *
 * and gets WasmKernels (./wasm/matmul.ts) or, where WebAssembly SIMD is missing, the
 * JavaScript functions below. Nothing here needs WebAssembly, so the JavaScript tier of a
 * `--standalone` module inlines this file without it.
 */
import type { FloatArray } from "../floatArray.js";
import { activateRows, type ActivationName } from "./activate-rows.js";
import { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } from "./matmul.js";
import { crossEntropyFromLogits } from "./losses.js";
import { gatherRowsBatch, scatterRowsBatch } from "./onehot.js";
import { softmaxRows } from "./softmax.js";

/**
 * The three batched products, the row activations, the one-hot input's gather and its weight gradient's scatter, the softmax of rows and the
 * cross-entropy of logits, as both tiers provide them (same arguments as ../matmul.ts, ../activate-rows.ts,
 * ../onehot.ts, ../softmax.ts and ../losses.ts).
 */
export interface MatmulKernels {
  /** Whether the products fuse their multiply–adds (the relaxed SIMD tier); absent on the JavaScript kernels. */
  readonly fma?: boolean;
  /** Y[B,M] (= or +=) X[B,N] · Wᵀ for W row-major [M,N]. */
  matmulBatch(
    B: number,
    M: number,
    N: number,
    x: FloatArray,
    xOff: number,
    w: FloatArray,
    wOff: number,
    y: FloatArray,
    yOff: number,
    accumulate: boolean,
  ): void;
  /** dX[B,N] += dY[B,M] · W for W row-major [M,N]. */
  matmulBatchBackwardInput(
    B: number,
    M: number,
    N: number,
    dy: FloatArray,
    dyOff: number,
    w: FloatArray,
    wOff: number,
    dx: FloatArray,
    dxOff: number,
  ): void;
  /** dW[M,N] += dY[B,M]ᵀ · X[B,N]. */
  matmulBatchBackwardWeight(
    B: number,
    M: number,
    N: number,
    dy: FloatArray,
    dyOff: number,
    x: FloatArray,
    xOff: number,
    dw: FloatArray,
    dwOff: number,
  ): void;
  /** y[yOff + r·yStride + i] = f(x[xOff + r·xStride + i]) for r < rows, i < width; in place when x === y with the same offsets and strides. */
  activateRows(
    fn: ActivationName,
    rows: number,
    width: number,
    x: FloatArray,
    xOff: number,
    xStride: number,
    y: FloatArray,
    yOff: number,
    yStride: number,
  ): void;
  /** Y[b, :] (= or +=) Wt[ids[b], :] for Wt row-major [N,M]: a one-hot input's product. */
  gatherRowsBatch: typeof gatherRowsBatch;
  /** dWt[ids[b], :] += dY[b, :] for Wt row-major [N,M]; padded ids are skipped. */
  scatterRowsBatch: typeof scatterRowsBatch;
  /** y[b,:] = softmax(x[b,:]) over B contiguous rows of K (../softmax.ts); in place when y is x at the same offset. */
  softmaxRows: typeof softmaxRows;
  /** Σ_b w_b · (−log softmax(z_b)[y_b]) over B rows of K logits (../losses.ts). */
  crossEntropyFromLogits: typeof crossEntropyFromLogits;
}

/** The JavaScript tier as the same interface as WasmKernels. */
export const jsMatmulKernels: MatmulKernels = Object.freeze({
  matmulBatch,
  matmulBatchBackwardInput,
  matmulBatchBackwardWeight,
  activateRows,
  gatherRowsBatch,
  scatterRowsBatch,
  softmaxRows,
  crossEntropyFromLogits,
});
