import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  logSoftmaxRows,
  logSoftmaxRowsBackward,
  logSumExp,
  rowMax,
  softmaxRows,
  softmaxRowsBackward,
} from "../../../runtime/kernels/softmax.js";
import { Rng } from "../../../runtime/rng.js";
import { dot, expectAllClose, numericalGradient, randomArray } from "../helpers.js";

function rows(kernel: typeof softmaxRows, B: number, K: number, x: Float64Array): Float64Array {
  const y = new Float64Array(B * K);
  kernel(B, K, x, 0, y, 0);
  return y;
}

describe("softmaxRows and logSoftmaxRows", () => {
  it("compute hand-checked values per row", () => {
    const x = Float64Array.of(0, 0, Math.log(3), 0); // rows (0, 0) and (ln 3, 0)
    expectAllClose(rows(softmaxRows, 2, 2, x), [0.5, 0.5, 0.75, 0.25], 1e-15);
    expectAllClose(rows(logSoftmaxRows, 2, 2, x), [-Math.LN2, -Math.LN2, Math.log(0.75), Math.log(0.25)], 1e-15);
  });

  it("stay finite and exact for logits far beyond exp's range", () => {
    const x = Float64Array.of(1000, 1000 + Math.log(3), -1000, -1000 - Math.log(3));
    expectAllClose(rows(softmaxRows, 2, 2, x), [0.25, 0.75, 0.75, 0.25], 1e-12);
    expectAllClose(
      rows(logSoftmaxRows, 2, 2, x),
      [Math.log(0.25), Math.log(0.75), Math.log(0.75), Math.log(0.25)],
      1e-12,
    );
  });

  it("give rows summing to 1, with log-softmax the log of softmax, at offsets and in place", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (B, K, seed) => {
        const rng = new Rng(seed % 2 ** 32);
        const buffer = randomArray(rng, B * K + 3, -20, 20) as Float64Array;
        const p = new Float64Array(B * K);
        softmaxRows(B, K, buffer, 3, p, 0);
        for (let b = 0; b < B; b++)
          expect(p.subarray(b * K, (b + 1) * K).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
        logSoftmaxRows(B, K, buffer, 3, buffer, 3);
        expectAllClose(buffer.subarray(3), Array.from(p, Math.log), 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it("rowMax and logSumExp reduce one row", () => {
    const x = Float64Array.of(9, -1, 2, 0.5);
    expect(rowMax(3, x, 1)).toBe(2);
    expect(logSumExp(2, Float64Array.of(800, 800), 0)).toBeCloseTo(800 + Math.LN2, 12);
  });
});

describe("softmax backward kernels", () => {
  it("softmaxRowsBackward is the gradient of ⟨c, softmax(x)⟩ and accumulates", () => {
    const rng = new Rng(1);
    const [B, K] = [3, 5];
    const x = randomArray(rng, B * K, -3, 3) as Float64Array;
    const c = randomArray(rng, B * K) as Float64Array;
    const dx = new Float64Array(B * K).fill(1);
    softmaxRowsBackward(B, K, c, 0, rows(softmaxRows, B, K, x), 0, dx, 0);
    const numeric = numericalGradient((xx) => dot(c, rows(softmaxRows, B, K, xx)), x);
    expectAllClose(
      dx,
      Array.from(numeric, (g) => 1 + g),
      1e-8,
    );
  });

  it("logSoftmaxRowsBackward is the gradient of ⟨c, logSoftmax(x)⟩ and accumulates", () => {
    const rng = new Rng(2);
    const [B, K] = [3, 5];
    const x = randomArray(rng, B * K, -3, 3) as Float64Array;
    const c = randomArray(rng, B * K) as Float64Array;
    const dx = new Float64Array(B * K).fill(1);
    logSoftmaxRowsBackward(B, K, c, 0, rows(logSoftmaxRows, B, K, x), 0, dx, 0);
    const numeric = numericalGradient((xx) => dot(c, rows(logSoftmaxRows, B, K, xx)), x);
    expectAllClose(
      dx,
      Array.from(numeric, (g) => 1 + g),
      1e-8,
    );
  });
});
