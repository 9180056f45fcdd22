import { describe, expect, it } from "vitest";
import { clipByGlobalNorm, clipByValue } from "../../runtime/clip.js";

describe("clipByValue", () => {
  it("clamps entries beyond ±threshold across all arrays and counts them", () => {
    const a = Float64Array.of(-3, 0.5, 1, 2);
    const b = Float32Array.of(-1, -1.5);
    expect(clipByValue([a, b], 1)).toBe(3);
    expect(Array.from(a)).toEqual([-1, 0.5, 1, 1]);
    expect(Array.from(b)).toEqual([-1, -1]);
  });

  it("rejects thresholds that are not positive", () => {
    for (const t of [0, -1, Number.NaN])
      expect(() => clipByValue([], t)).toThrow(/clipByValue threshold must be positive/);
  });
});

describe("clipByGlobalNorm", () => {
  it("rescales all arrays together when the global norm exceeds maxNorm, returning the norm before", () => {
    const a = Float64Array.of(3);
    const b = Float64Array.of(0, -4);
    expect(clipByGlobalNorm([a, b], 1)).toBe(5);
    expect(a[0]).toBeCloseTo(0.6, 15);
    expect(b[1]).toBeCloseTo(-0.8, 15);
  });

  it("leaves gradients within the bound untouched", () => {
    const a = Float64Array.of(3, 4);
    expect(clipByGlobalNorm([a], 5)).toBe(5);
    expect(Array.from(a)).toEqual([3, 4]);
  });

  it("does not rescale when the norm is not finite, so the fault stays visible", () => {
    const a = Float64Array.of(Infinity, 2);
    const b = Float64Array.of(Number.NaN, 2);
    expect(clipByGlobalNorm([a], 1)).toBe(Infinity);
    expect(clipByGlobalNorm([b], 1)).toBeNaN();
    expect(Array.from(a)).toEqual([Infinity, 2]);
    expect(b[1]).toBe(2);
  });

  it("rejects a maxNorm that is not positive", () => {
    for (const t of [0, -2, Number.NaN]) expect(() => clipByGlobalNorm([], t)).toThrow(/maxNorm must be positive/);
  });
});
