/**
 * Products with one-hot inputs, done as column lookups.
 *
 * A token id t stands for the one-hot vector e_t, and W·e_t is just column t
 * of W, so the forward pass gathers columns and the backward pass scatters
 * into them — O(M) per row instead of the O(M·N) dense product.
 *
 * An id of −1 marks a padded position: its one-hot vector is the zero
 * vector, so it contributes nothing forward and receives nothing backward.
 * Any other id outside [0, N) is a caller bug and throws a RangeError.
 */

import type { FloatArray } from "../floatArray.js";

export const PAD_ID = -1;

/** Y[b, i] (= or +=) W[i, ids[b]] for W row-major [M,N]; a padded id gives Y[b,:] = 0 (or leaves it, when accumulating). */
export function gatherColumnsBatch(
  B: number,
  M: number,
  N: number,
  ids: Int32Array,
  idsOff: number,
  w: FloatArray,
  wOff: number,
  y: FloatArray,
  yOff: number,
  accumulate: boolean,
): void {
  for (let b = 0; b < B; b++) {
    const id = checkedId(ids[idsOff + b]!, N, b);
    const yRow = yOff + b * M;
    if (id === PAD_ID) {
      if (!accumulate) y.fill(0, yRow, yRow + M);
      continue;
    }
    const column = wOff + id;
    for (let i = 0; i < M; i++) {
      const wi = w[column + i * N]!;
      y[yRow + i]! = accumulate ? y[yRow + i]! + wi : wi;
    }
  }
}

/** dW[i, ids[b]] += dY[b, i], the adjoint of {@link gatherColumnsBatch}; padded ids are skipped. */
export function scatterColumnsBatch(
  B: number,
  M: number,
  N: number,
  dy: FloatArray,
  dyOff: number,
  ids: Int32Array,
  idsOff: number,
  dw: FloatArray,
  dwOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const id = checkedId(ids[idsOff + b]!, N, b);
    if (id === PAD_ID) continue;
    const dyRow = dyOff + b * M;
    const column = dwOff + id;
    for (let i = 0; i < M; i++) dw[column + i * N]! += dy[dyRow + i]!;
  }
}

/**
 * Y[b, :] (= or +=) Wt[ids[b], :] for Wt row-major [N,M]: gatherColumnsBatch with the weights
 * stored transposed, so each id reads one contiguous row instead of a column at stride N.
 */
export function gatherRowsBatch(
  B: number,
  M: number,
  N: number,
  ids: Int32Array,
  idsOff: number,
  wt: FloatArray,
  wtOff: number,
  y: FloatArray,
  yOff: number,
  accumulate: boolean,
): void {
  for (let b = 0; b < B; b++) {
    const id = checkedId(ids[idsOff + b]!, N, b);
    const yRow = yOff + b * M;
    if (id === PAD_ID) {
      if (!accumulate) y.fill(0, yRow, yRow + M);
      continue;
    }
    const row = wtOff + id * M;
    if (!accumulate) y.set(wt.subarray(row, row + M), yRow);
    else for (let i = 0; i < M; i++) y[yRow + i]! += wt[row + i]!;
  }
}

/** dWt[ids[b], :] += dY[b, :], the adjoint of {@link gatherRowsBatch}; padded ids are skipped. */
export function scatterRowsBatch(
  B: number,
  M: number,
  N: number,
  dy: FloatArray,
  dyOff: number,
  ids: Int32Array,
  idsOff: number,
  dwt: FloatArray,
  dwtOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const id = checkedId(ids[idsOff + b]!, N, b);
    if (id === PAD_ID) continue;
    const dyRow = dyOff + b * M;
    const row = dwtOff + id * M;
    for (let i = 0; i < M; i++) dwt[row + i]! += dy[dyRow + i]!;
  }
}

export function checkedId(id: number, N: number, b: number): number {
  // An unchecked id would read past the column (undefined → NaN) or into the next row.
  if (!(id >= PAD_ID && id < N)) {
    throw new RangeError(`one-hot id ${id} at batch row ${b} is outside [0, ${N}) and is not the padding id ${PAD_ID}`);
  }
  return id;
}
