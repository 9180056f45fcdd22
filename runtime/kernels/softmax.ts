/**
 * Row-wise softmax and log-softmax over a [B][K] block, and their
 * vector–Jacobian products.
 *
 * Both subtract the row maximum m first: softmax(x) = softmax(x − m) exactly,
 * and with every exponent ≤ 0 no exp overflows while the largest term is
 * exactly 1, so the normaliser never underflows to 0.
 *
 * The output may be the same range as the input. Backward kernels accumulate.
 */

import type { FloatArray } from "../floatArray.js";

/**
 * y[b,:] = exp(x[b,:] − m) / Σ_k exp(x[b,:] − m). The WebAssembly tiers have their own
 * (WasmKernels' `softmaxRows`), with the same steps vectorised.
 */
export function softmaxRows(B: number, K: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let b = 0; b < B; b++) {
    const xRow = xOff + b * K;
    const yRow = yOff + b * K;
    const m = rowMax(K, x, xRow);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(x[xRow + k]! - m);
      y[yRow + k] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let k = 0; k < K; k++) y[yRow + k]! *= inverse;
  }
}

/** y[b,:] = x[b,:] − logsumexp(x[b,:]), with logsumexp(x) = m + log Σ_k exp(x_k − m) */
export function logSoftmaxRows(B: number, K: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let b = 0; b < B; b++) {
    const xRow = xOff + b * K;
    const yRow = yOff + b * K;
    const logNormaliser = logSumExp(K, x, xRow);
    for (let k = 0; k < K; k++) y[yRow + k] = x[xRow + k]! - logNormaliser;
  }
}

/** dx += y ⊙ (dy − ⟨dy, y⟩) per row, given the softmax output y. */
export function softmaxRowsBackward(
  B: number,
  K: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const dyRow = dyOff + b * K;
    const yRow = yOff + b * K;
    const dxRow = dxOff + b * K;
    let dyDotY = 0;
    for (let k = 0; k < K; k++) dyDotY += dy[dyRow + k]! * y[yRow + k]!;
    for (let k = 0; k < K; k++) dx[dxRow + k]! += y[yRow + k]! * (dy[dyRow + k]! - dyDotY);
  }
}

/** dx += dy − softmax(x) · Σ_k dy_k per row, given the log-softmax output y (softmax(x) = exp(y)). */
export function logSoftmaxRowsBackward(
  B: number,
  K: number,
  dy: FloatArray,
  dyOff: number,
  y: FloatArray,
  yOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const dyRow = dyOff + b * K;
    const yRow = yOff + b * K;
    const dxRow = dxOff + b * K;
    let dySum = 0;
    for (let k = 0; k < K; k++) dySum += dy[dyRow + k]!;
    for (let k = 0; k < K; k++) dx[dxRow + k]! += dy[dyRow + k]! - Math.exp(y[yRow + k]!) * dySum;
  }
}

/** max_k x[row + k] */
export function rowMax(K: number, x: FloatArray, row: number): number {
  let m = -Infinity;
  for (let k = 0; k < K; k++) {
    const xk = x[row + k]!;
    if (xk > m) m = xk;
  }
  return m;
}

/** log Σ_k exp(x[row + k]), stably: m + log Σ_k exp(x[row + k] − m). */
export function logSumExp(K: number, x: FloatArray, row: number): number {
  const m = rowMax(K, x, row);
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(x[row + k]! - m);
  return m + Math.log(sum);
}
