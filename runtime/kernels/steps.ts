/**
 * Kernels of attention: the components of a row added into one number and back, and the
 * moves between the rows of one step (one per example, [B][K]) and the rows of every step of
 * another sequence (one per example and step of it, [B][S][K], example by example). An
 * example's steps past its own length (`lengths[b]`) are its padding: they read as zero, are
 * left out of every sum and softmax, and get weight 0.
 */

import type { FloatArray } from "../floatArray.js";

/**
 * y[b] = Σ_k x[b, k]: each row of K numbers added into one, in four partial sums (components k, k + 4, … in each),
 * then the last K mod 4: four chains of additions the processor runs side by side, where one chain waits for each
 * addition before the next. The interpreter and generated code both call this kernel, so they add in the same order.
 */
export function sumRows(B: number, K: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  const whole = K - (K % 4);
  for (let b = 0; b < B; b++) {
    const row = xOff + b * K;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < whole; k += 4) {
      s0 += x[row + k]!;
      s1 += x[row + k + 1]!;
      s2 += x[row + k + 2]!;
      s3 += x[row + k + 3]!;
    }
    let sum = s0 + s1 + (s2 + s3);
    for (let k = whole; k < K; k++) sum += x[row + k]!;
    y[yOff + b] = sum;
  }
}

/** y[b, k] = x[b] for k < K: one number per row repeated K times. */
export function repeatRows(B: number, K: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let b = 0; b < B; b++) y.fill(x[xOff + b]!, yOff + b * K, yOff + (b + 1) * K);
}

/**
 * y[b, s, :] = x[b, :] at each real step s of example b; 0 on its padding. `xStride`: how far apart the rows of x
 * are, 0 for one row that every example reads (a parameter, in generated code).
 */
export function spreadSteps(
  B: number,
  S: number,
  lengths: Int32Array,
  K: number,
  x: FloatArray,
  xOff: number,
  y: FloatArray,
  yOff: number,
  xStride = K,
): void {
  for (let b = 0; b < B; b++) {
    const row = xOff + b * xStride;
    for (let s = 0; s < S; s++) {
      const at = yOff + (b * S + s) * K;
      if (s < lengths[b]!) for (let k = 0; k < K; k++) y[at + k] = x[row + k]!;
      else y.fill(0, at, at + K);
    }
  }
}

/** y[b, :] = Σ_{s < lengths[b]} x[b, s, :]: the real steps of each example added. */
export function sumSteps(
  B: number,
  S: number,
  lengths: Int32Array,
  K: number,
  x: FloatArray,
  xOff: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const row = yOff + b * K;
    y.fill(0, row, row + K);
    for (let s = 0; s < lengths[b]!; s++) {
      const at = xOff + (b * S + s) * K;
      for (let k = 0; k < K; k++) y[row + k]! += x[at + k]!;
    }
  }
}

/**
 * y[b, s] = exp(x[b, s] − m_b) / Σ_{s' < lengths[b]} exp(x[b, s'] − m_b) over each example's
 * real steps (m_b their maximum, so no exponential overflows); 0 on its padding. K is 1: one
 * score per step.
 */
export function softmaxSteps(
  B: number,
  S: number,
  lengths: Int32Array,
  _K: number,
  x: FloatArray,
  xOff: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const from = b * S;
    const n = lengths[b]!;
    let m = -Infinity;
    for (let s = 0; s < n; s++) m = Math.max(m, x[xOff + from + s]!);
    let sum = 0;
    for (let s = 0; s < n; s++) {
      const e = Math.exp(x[xOff + from + s]! - m);
      y[yOff + from + s] = e;
      sum += e;
    }
    const inverse = 1 / sum;
    for (let s = 0; s < n; s++) y[yOff + from + s]! *= inverse;
    y.fill(0, yOff + from + n, yOff + from + S);
  }
}
