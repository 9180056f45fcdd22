/** Shared test helpers: random data, finite differences and tolerant comparisons. */

import { expect } from "vitest";
import type { FloatArray } from "../../runtime/floatArray.js";
import { Rng } from "../../runtime/rng.js";

export type FloatArrayConstructor = Float64ArrayConstructor | Float32ArrayConstructor;

/** n values uniform in [low, high). */
export function randomArray(
  rng: Rng,
  n: number,
  low = -1,
  high = 1,
  type: FloatArrayConstructor = Float64Array,
): FloatArray {
  const a = new type(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(low, high);
  return a;
}

/** Central differences (f(x + h·e_i) − f(x − h·e_i)) / 2h for every i; restores x. */
export function numericalGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = f(x);
    x[i] = saved - h;
    const down = f(x);
    x[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Element-wise |actual − expected| ≤ tol · max(1, |expected|), reporting the first bad index. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = tol * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${bound})`);
    }
  }
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
