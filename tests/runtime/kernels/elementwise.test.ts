import { describe, expect, it } from "vitest";
import * as ew from "../../../runtime/kernels/elementwise.js";
import { expectAllClose, numericalGradient } from "../helpers.js";

const A = Float64Array.of(1, -2, 3, 8);
const B = Float64Array.of(4, 5, -6, 2);

/** Runs a kernel writing 3 entries at offset 1 of a sentinel-filled 5-entry output, reading inputs at offset 1. */
function sliceResult(kernel: (out: Float64Array) => void): number[] {
  const out = new Float64Array(5).fill(99);
  kernel(out);
  expect([out[0], out[4]]).toEqual([99, 99]);
  return Array.from(out.subarray(1, 4));
}

describe("element-wise binary ops", () => {
  it("add, sub, mul, div combine entries at the given offsets", () => {
    expect(sliceResult((out) => ew.add(3, A, 1, B, 1, out, 1))).toEqual([3, -3, 10]);
    expect(sliceResult((out) => ew.sub(3, A, 1, B, 1, out, 1))).toEqual([-7, 9, 6]);
    expect(sliceResult((out) => ew.mul(3, A, 1, B, 1, out, 1))).toEqual([-10, -18, 16]);
    expect(sliceResult((out) => ew.div(3, A, 1, B, 1, out, 1))).toEqual([-2 / 5, -0.5, 4]);
  });

  it("may write in place over an input", () => {
    const a = Float64Array.from(A);
    ew.mul(4, a, 0, a, 0, a, 0);
    expect(Array.from(a)).toEqual([1, 4, 9, 64]);
  });

  it("rounds on store into a Float32Array", () => {
    const out = new Float32Array(1);
    ew.div(1, Float64Array.of(1), 0, Float64Array.of(3), 0, out, 0);
    expect(out[0]).toBe(Math.fround(1 / 3));
  });
});

describe("element-wise scalar and unary ops", () => {
  it("broadcast a scalar on either side", () => {
    expect(sliceResult((out) => ew.addScalar(3, A, 1, 0.5, out, 1))).toEqual([-1.5, 3.5, 8.5]);
    expect(sliceResult((out) => ew.subScalar(3, A, 1, 0.5, out, 1))).toEqual([-2.5, 2.5, 7.5]);
    expect(sliceResult((out) => ew.scalarSub(3, 1, A, 1, out, 1))).toEqual([3, -2, -7]);
    expect(sliceResult((out) => ew.mulScalar(3, A, 1, -2, out, 1))).toEqual([4, -6, -16]);
    expect(sliceResult((out) => ew.divScalar(3, A, 1, 4, out, 1))).toEqual([-0.5, 0.75, 2]);
  });

  it("divScalar divides rather than multiplying by the reciprocal", () => {
    const out = new Float64Array(1);
    ew.divScalar(1, Float64Array.of(3), 0, 10, out, 0);
    expect(out[0]).toBe(0.3); // 3 · (1/10) would give 0.30000000000000004
  });

  it("negate, copy and fill", () => {
    expect(sliceResult((out) => ew.negate(3, A, 1, out, 1))).toEqual([2, -3, -8]);
    expect(sliceResult((out) => ew.copy(3, A, 1, out, 1))).toEqual([-2, 3, 8]);
    expect(sliceResult((out) => ew.fill(3, -1, out, 1))).toEqual([-1, -1, -1]);
  });
});

describe("accumulate helpers", () => {
  const start = (): Float64Array => new Float64Array(5).fill(1);

  it("add x, αx, a⊙b and a⊘b into y", () => {
    let y = start();
    ew.accumulate(3, A, 1, y, 2);
    expect(Array.from(y)).toEqual([1, 1, -1, 4, 9]);
    y = start();
    ew.accumulateScaled(3, -2, A, 1, y, 2);
    expect(Array.from(y)).toEqual([1, 1, 5, -5, -15]);
    y = start();
    ew.accumulateProduct(3, A, 1, B, 1, y, 2);
    expect(Array.from(y)).toEqual([1, 1, -9, -17, 17]);
    y = start();
    ew.accumulateQuotient(3, A, 1, B, 1, y, 2);
    expect(Array.from(y)).toEqual([1, 1, 0.6, 0.5, 5]);
  });

  it("divBackwardDivisor gives the gradient of ⟨dz, a ⊘ b⟩ with respect to b", () => {
    const dz = Float64Array.of(0.3, -1.2, 2);
    const a = Float64Array.of(1.5, -0.7, 2.2);
    const b = Float64Array.of(0.8, 1.9, -1.1);
    const db = Float64Array.of(1, 1, 1);
    ew.divBackwardDivisor(3, dz, 0, a, 0, b, 0, db, 0);
    const loss = (bb: Float64Array): number => dz.reduce((s, d, i) => s + (d * a[i]) / bb[i], 0);
    const numeric = numericalGradient(loss, Float64Array.from(b));
    expectAllClose(
      db,
      Array.from(numeric, (g) => 1 + g),
      1e-7,
    );
  });
});
