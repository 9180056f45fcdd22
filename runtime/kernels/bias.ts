/**
 * Adding one vector to every row of a batch — the bias term of y_b = W x_b + c —
 * and its adjoint, which sums the rows.
 */

import type { FloatArray } from "../floatArray.js";

/** Y[b, :] += c for every batch row b of Y[B,M]. */
export function addBiasBatch(B: number, M: number, c: FloatArray, cOff: number, y: FloatArray, yOff: number): void {
  for (let b = 0; b < B; b++) {
    const yRow = yOff + b * M;
    for (let i = 0; i < M; i++) y[yRow + i]! += c[cOff + i]!;
  }
}

/** dc += Σ_b dY[b, :], the gradient of the bias shared by all rows. */
export function addBiasBatchBackward(
  B: number,
  M: number,
  dy: FloatArray,
  dyOff: number,
  dc: FloatArray,
  dcOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const dyRow = dyOff + b * M;
    for (let i = 0; i < M; i++) dc[dcOff + i]! += dy[dyRow + i]!;
  }
}
