/**
 * Element-wise arithmetic over n consecutive entries starting at each
 * operand's offset.
 *
 * Forward ops write `out` (it may be the same range as an input: every entry
 * is read before it is written). The `accumulate*` helpers add into their
 * last operand; they are the building blocks of the backward pass:
 *
 *     z = a + b:  da += dz,            db += dz
 *     z = a − b:  da += dz,            db += −1 · dz
 *     z = a ⊙ b:  da += dz ⊙ b,        db += dz ⊙ a
 *     z = a ⊘ b:  da += dz ⊘ b,        db −= dz ⊙ a ⊘ b²
 *     z = a · s:  da += s · dz         (a ⊘ s: 1/s · dz;  s − a and −a: −1 · dz)
 */

import type { FloatArray } from "../floatArray.js";

export function add(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
}

export function sub(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] - b[bOff + i];
}

export function mul(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] * b[bOff + i];
}

export function div(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] / b[bOff + i];
}

/** out = a + s */
export function addScalar(n: number, a: FloatArray, aOff: number, s: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] + s;
}

/** out = a − s */
export function subScalar(n: number, a: FloatArray, aOff: number, s: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] - s;
}

/** out = s − a, e.g. the (1 − z) of a GRU update gate. */
export function scalarSub(n: number, s: number, a: FloatArray, aOff: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = s - a[aOff + i];
}

/** out = a · s */
export function mulScalar(n: number, a: FloatArray, aOff: number, s: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] * s;
}

/** out = a / s (not a · (1/s), which rounds differently) */
export function divScalar(n: number, a: FloatArray, aOff: number, s: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i] / s;
}

export function negate(n: number, a: FloatArray, aOff: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = -a[aOff + i];
}

export function copy(n: number, a: FloatArray, aOff: number, out: FloatArray, outOff: number): void {
  for (let i = 0; i < n; i++) out[outOff + i] = a[aOff + i];
}

export function fill(n: number, value: number, out: FloatArray, outOff: number): void {
  out.fill(value, outOff, outOff + n);
}

/** y += x */
export function accumulate(n: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] += x[xOff + i];
}

/** y += alpha · x (BLAS axpy) */
export function accumulateScaled(
  n: number,
  alpha: number,
  x: FloatArray,
  xOff: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
}

/** y += a ⊙ b */
export function accumulateProduct(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let i = 0; i < n; i++) y[yOff + i] += a[aOff + i] * b[bOff + i];
}

/** y += a ⊘ b */
export function accumulateQuotient(
  n: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  y: FloatArray,
  yOff: number,
): void {
  for (let i = 0; i < n; i++) y[yOff + i] += a[aOff + i] / b[bOff + i];
}

/** For z = a ⊘ b: db −= dz ⊙ a ⊘ b², the gradient reaching the divisor. */
export function divBackwardDivisor(
  n: number,
  dz: FloatArray,
  dzOff: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  db: FloatArray,
  dbOff: number,
): void {
  for (let i = 0; i < n; i++) {
    const bi = b[bOff + i];
    db[dbOff + i] -= (dz[dzOff + i] * a[aOff + i]) / (bi * bi);
  }
}
