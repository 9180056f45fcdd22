import { describe, expect, it } from "vitest";
import { l2Norm, maxAbs, sumOfSquares } from "../../../runtime/kernels/reductions.js";

describe("reductions over lists of arrays", () => {
  const grads = [Float64Array.of(3, -4), Float32Array.of(12), new Float64Array(0)];

  it("sumOfSquares, maxAbs and l2Norm treat the list as one vector", () => {
    expect(sumOfSquares(grads)).toBe(169);
    expect(maxAbs(grads)).toBe(12);
    expect(l2Norm(grads)).toBe(13);
    expect(l2Norm([])).toBe(0);
    expect(l2Norm([Float64Array.of(0, -0), Float32Array.of(0)])).toBe(0);
    expect(maxAbs([])).toBe(0);
  });

  it("l2Norm survives squares that overflow", () => {
    const big = [Float64Array.of(3e200, 4e200)];
    expect(sumOfSquares(big)).toBe(Infinity);
    expect(Math.abs(l2Norm(big) / 5e200 - 1)).toBeLessThan(1e-15);
  });

  it("l2Norm survives squares that underflow", () => {
    const tiny = [Float64Array.of(3e-200), Float64Array.of(-4e-200)];
    expect(sumOfSquares(tiny)).toBe(0);
    expect(Math.abs(l2Norm(tiny) / 5e-200 - 1)).toBeLessThan(1e-15);
  });

  it("l2Norm reports non-finite input as ∞ or NaN", () => {
    expect(l2Norm([Float64Array.of(1, Infinity)])).toBe(Infinity);
    expect(l2Norm([Float64Array.of(-Infinity, 1e200)])).toBe(Infinity);
    expect(l2Norm([Float64Array.of(1, Number.NaN)])).toBeNaN();
    expect(l2Norm([Float64Array.of(1e300, Number.NaN)])).toBeNaN();
  });
});
