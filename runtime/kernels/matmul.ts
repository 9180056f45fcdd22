/**
 * Batched matrix–vector products, the core of every recurrent cell.
 *
 * A batch of B vectors is a row-major [B][N] block; a weight matrix W of shape
 * [M, N] is row-major. The forward product applies W to every batch row,
 *
 *     Y[b, i] = Σ_j W[i, j] · X[b, j]        (Y = X · Wᵀ, i.e. y_b = W x_b),
 *
 * and its two adjoints are
 *
 *     dX[b, j] += Σ_i dY[b, i] · W[i, j]     (dX += dY · W)
 *     dW[i, j] += Σ_b dY[b, i] · X[b, j]     (dW += dYᵀ · X).
 *
 * Backward kernels always accumulate: in backpropagation through time the
 * gradient of a shared weight is the sum of its gradients at every step.
 *
 * Performance: every inner loop runs over a contiguous row and is register
 * blocked 2×4 — two rows of one operand against four rows of the other — so
 * each value loaded feeds two or four multiply–adds, and each output is read
 * and written once per block instead of once per term. The single-row
 * variants handle an odd leftover row without doing wasted work (B = 1 is the
 * common inference case). Outputs must not overlap inputs.
 */

import type { FloatArray } from "../floatArray.js";

/** Y[B,M] (= or +=) X[B,N] · Wᵀ for W row-major [M,N]. */
export function matmulBatch(
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
): void {
  let b = 0;
  for (; b + 1 < B; b += 2) {
    forwardRowPair(M, N, x, xOff + b * N, w, wOff, y, yOff + b * M, accumulate);
  }
  if (b < B) forwardRow(M, N, x, xOff + b * N, w, wOff, y, yOff + b * M, accumulate);
}

/** dX[B,N] += dY[B,M] · W for W row-major [M,N]. */
export function matmulBatchBackwardInput(
  B: number,
  M: number,
  N: number,
  dy: FloatArray,
  dyOff: number,
  w: FloatArray,
  wOff: number,
  dx: FloatArray,
  dxOff: number,
): void {
  // dx_b += Σ_i dy[b, i] · W[i, :], a weighted sum of rows of W.
  let b = 0;
  for (; b + 1 < B; b += 2) {
    combineRowsPair(M, N, dy, dyOff + b * M, 1, M, w, wOff, dx, dxOff + b * N);
  }
  if (b < B) combineRows(M, N, dy, dyOff + b * M, 1, w, wOff, dx, dxOff + b * N);
}

/** dW[M,N] += dY[B,M]ᵀ · X[B,N]. */
export function matmulBatchBackwardWeight(
  B: number,
  M: number,
  N: number,
  dy: FloatArray,
  dyOff: number,
  x: FloatArray,
  xOff: number,
  dw: FloatArray,
  dwOff: number,
): void {
  // dW[i, :] += Σ_b dy[b, i] · X[b, :], a weighted sum of rows of X whose
  // weights are column i of dY (stride M).
  let i = 0;
  for (; i + 1 < M; i += 2) {
    combineRowsPair(B, N, dy, dyOff + i, M, 1, x, xOff, dw, dwOff + i * N);
  }
  if (i < M) combineRows(B, N, dy, dyOff + i, M, x, xOff, dw, dwOff + i * N);
}

function store(y: FloatArray, k: number, value: number, accumulate: boolean): void {
  y[k] = accumulate ? y[k]! + value : value;
}

/** y[ya..ya+M) (= or +=) W · x[xa..xa+N): four dot products share each load of x. */
function forwardRow(
  M: number,
  N: number,
  x: FloatArray,
  xa: number,
  w: FloatArray,
  wOff: number,
  y: FloatArray,
  ya: number,
  accumulate: boolean,
): void {
  const M4 = M - (M % 4);
  let i = 0;
  for (; i < M4; i += 4) {
    const w0 = wOff + i * N;
    const w1 = w0 + N;
    const w2 = w1 + N;
    const w3 = w2 + N;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < N; j++) {
      const xj = x[xa + j]!;
      s0 += w[w0 + j]! * xj;
      s1 += w[w1 + j]! * xj;
      s2 += w[w2 + j]! * xj;
      s3 += w[w3 + j]! * xj;
    }
    store(y, ya + i, s0, accumulate);
    store(y, ya + i + 1, s1, accumulate);
    store(y, ya + i + 2, s2, accumulate);
    store(y, ya + i + 3, s3, accumulate);
  }
  for (; i < M; i++) {
    const wRow = wOff + i * N;
    let s = 0;
    for (let j = 0; j < N; j++) s += w[wRow + j]! * x[xa + j]!;
    store(y, ya + i, s, accumulate);
  }
}

/** forwardRow for batch rows at xa and xa + N at once: each load of W also serves two rows of x. */
function forwardRowPair(
  M: number,
  N: number,
  x: FloatArray,
  xa: number,
  w: FloatArray,
  wOff: number,
  y: FloatArray,
  ya: number,
  accumulate: boolean,
): void {
  const xb = xa + N;
  const yb = ya + M;
  const M4 = M - (M % 4);
  let i = 0;
  for (; i < M4; i += 4) {
    const w0 = wOff + i * N;
    const w1 = w0 + N;
    const w2 = w1 + N;
    const w3 = w2 + N;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let j = 0; j < N; j++) {
      const xaj = x[xa + j]!;
      const xbj = x[xb + j]!;
      const p0 = w[w0 + j]!;
      const p1 = w[w1 + j]!;
      const p2 = w[w2 + j]!;
      const p3 = w[w3 + j]!;
      a0 += p0 * xaj;
      a1 += p1 * xaj;
      a2 += p2 * xaj;
      a3 += p3 * xaj;
      b0 += p0 * xbj;
      b1 += p1 * xbj;
      b2 += p2 * xbj;
      b3 += p3 * xbj;
    }
    store(y, ya + i, a0, accumulate);
    store(y, ya + i + 1, a1, accumulate);
    store(y, ya + i + 2, a2, accumulate);
    store(y, ya + i + 3, a3, accumulate);
    store(y, yb + i, b0, accumulate);
    store(y, yb + i + 1, b1, accumulate);
    store(y, yb + i + 2, b2, accumulate);
    store(y, yb + i + 3, b3, accumulate);
  }
  for (; i < M; i++) {
    const wRow = wOff + i * N;
    let sa = 0;
    let sb = 0;
    for (let j = 0; j < N; j++) {
      const p = w[wRow + j]!;
      sa += p * x[xa + j]!;
      sb += p * x[xb + j]!;
    }
    store(y, ya + i, sa, accumulate);
    store(y, yb + i, sb, accumulate);
  }
}

/**
 * out[outA..outA+N) += Σ_k g[gA + k·gStride] · rows[rowsOff + k·N ..][0..N), k < K:
 * a linear combination of K contiguous rows, four rows per pass over `out`.
 */
function combineRows(
  K: number,
  N: number,
  g: FloatArray,
  gA: number,
  gStride: number,
  rows: FloatArray,
  rowsOff: number,
  out: FloatArray,
  outA: number,
): void {
  const K4 = K - (K % 4);
  let k = 0;
  for (; k < K4; k += 4) {
    const g0 = g[gA + k * gStride]!;
    const g1 = g[gA + (k + 1) * gStride]!;
    const g2 = g[gA + (k + 2) * gStride]!;
    const g3 = g[gA + (k + 3) * gStride]!;
    const r0 = rowsOff + k * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    for (let j = 0; j < N; j++) {
      out[outA + j]! += g0 * rows[r0 + j]! + g1 * rows[r1 + j]! + g2 * rows[r2 + j]! + g3 * rows[r3 + j]!;
    }
  }
  for (; k < K; k++) {
    const gk = g[gA + k * gStride]!;
    const r = rowsOff + k * N;
    for (let j = 0; j < N; j++) out[outA + j]! += gk * rows[r + j]!;
  }
}

/**
 * combineRows for two outputs at once — out rows outA and outA + N, with
 * coefficients starting at gA and gA + gPairStep — so each row load serves both.
 */
function combineRowsPair(
  K: number,
  N: number,
  g: FloatArray,
  gA: number,
  gStride: number,
  gPairStep: number,
  rows: FloatArray,
  rowsOff: number,
  out: FloatArray,
  outA: number,
): void {
  const gB = gA + gPairStep;
  const outB = outA + N;
  const K4 = K - (K % 4);
  let k = 0;
  for (; k < K4; k += 4) {
    const ga0 = g[gA + k * gStride]!;
    const ga1 = g[gA + (k + 1) * gStride]!;
    const ga2 = g[gA + (k + 2) * gStride]!;
    const ga3 = g[gA + (k + 3) * gStride]!;
    const gb0 = g[gB + k * gStride]!;
    const gb1 = g[gB + (k + 1) * gStride]!;
    const gb2 = g[gB + (k + 2) * gStride]!;
    const gb3 = g[gB + (k + 3) * gStride]!;
    const r0 = rowsOff + k * N;
    const r1 = r0 + N;
    const r2 = r1 + N;
    const r3 = r2 + N;
    for (let j = 0; j < N; j++) {
      const p0 = rows[r0 + j]!;
      const p1 = rows[r1 + j]!;
      const p2 = rows[r2 + j]!;
      const p3 = rows[r3 + j]!;
      out[outA + j]! += ga0 * p0 + ga1 * p1 + ga2 * p2 + ga3 * p3;
      out[outB + j]! += gb0 * p0 + gb1 * p1 + gb2 * p2 + gb3 * p3;
    }
  }
  for (; k < K; k++) {
    const ga = g[gA + k * gStride]!;
    const gb = g[gB + k * gStride]!;
    const r = rowsOff + k * N;
    for (let j = 0; j < N; j++) {
      const p = rows[r + j]!;
      out[outA + j]! += ga * p;
      out[outB + j]! += gb * p;
    }
  }
}
