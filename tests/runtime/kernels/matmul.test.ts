import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FloatArray } from "../../../runtime/floatArray.js";
import { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../../../runtime/kernels/matmul.js";
import { Rng } from "../../../runtime/rng.js";
import { dot, expectAllClose, randomArray, type FloatArrayConstructor } from "../helpers.js";

const SENTINEL = 777;

/** A random array with `off` sentinel entries before and two after the n payload entries. */
function padded(rng: Rng, off: number, n: number, type: FloatArrayConstructor): FloatArray {
  const a = new type(off + n + 2).fill(SENTINEL);
  a.set(randomArray(rng, n, -1, 1, type), off);
  return a;
}

function expectPaddingUntouched(a: FloatArray, off: number, n: number): void {
  for (let i = 0; i < off; i++) expect(a[i]).toBe(SENTINEL);
  for (let i = off + n; i < a.length; i++) expect(a[i]).toBe(SENTINEL);
}

// Shapes chosen so every blocking remainder occurs: B and M odd/even, M and B below and above 4.
const shapes = fc.record({
  B: fc.integer({ min: 1, max: 7 }),
  M: fc.integer({ min: 1, max: 10 }),
  N: fc.integer({ min: 1, max: 9 }),
  offsets: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
  float32: fc.boolean(),
  seed: fc.nat(),
});

describe("matmulBatch", () => {
  it("computes y_b = W x_b on a hand-worked example, overwriting or accumulating", () => {
    const w = Float64Array.of(1, 2, 3, 4, 5, 6); // [[1, 2, 3], [4, 5, 6]]
    const x = Float64Array.of(1, 0, -1, 2, 1, 0); // batch rows (1, 0, −1) and (2, 1, 0)
    const y = new Float64Array(4).fill(10);
    matmulBatch(2, 2, 3, x, 0, w, 0, y, 0, false);
    expect(Array.from(y)).toEqual([-2, -2, 4, 13]);
    matmulBatch(2, 2, 3, x, 0, w, 0, y, 0, true);
    expect(Array.from(y)).toEqual([-4, -4, 8, 26]);
  });

  it("matches the textbook triple loop on slices of larger buffers, in float64 and float32", () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), ({ B, M, N, offsets: [xOff, wOff, yOff], float32, seed }, accumulate) => {
        const type = float32 ? Float32Array : Float64Array;
        const rng = new Rng(seed % 2 ** 32);
        const x = padded(rng, xOff, B * N, type);
        const w = padded(rng, wOff, M * N, type);
        const y = padded(rng, yOff, B * M, type);
        const expected = Float64Array.from({ length: B * M }, (_, k) => {
          const [b, i] = [Math.floor(k / M), k % M];
          let s = accumulate ? y[yOff + k] : 0;
          for (let j = 0; j < N; j++) s += w[wOff + i * N + j] * x[xOff + b * N + j];
          return s;
        });
        matmulBatch(B, M, N, x, xOff, w, wOff, y, yOff, accumulate);
        expectAllClose(y.subarray(yOff, yOff + B * M), expected, float32 ? 1e-6 : 1e-14);
        expectPaddingUntouched(y, yOff, B * M);
      }),
      { numRuns: 300 },
    );
  });
});

describe("matmulBatch backward kernels", () => {
  it("compute dX += dY·W and dW += dYᵀ·X on a hand-worked example", () => {
    const w = Float64Array.of(1, 2, 3, 4, 5, 6); // [[1, 2, 3], [4, 5, 6]]
    const x = Float64Array.of(1, 0, -1, 2, 1, 0);
    const dy = Float64Array.of(1, -1, 0, 2); // batch rows (1, −1) and (0, 2)
    const dx = new Float64Array(6).fill(1);
    matmulBatchBackwardInput(2, 2, 3, dy, 0, w, 0, dx, 0);
    // Row 0: 1·(1,2,3) − 1·(4,5,6) = (−3,−3,−3); row 1: 2·(4,5,6) = (8,10,12); plus the initial 1s.
    expect(Array.from(dx)).toEqual([-2, -2, -2, 9, 11, 13]);
    const dw = new Float64Array(6);
    matmulBatchBackwardWeight(2, 2, 3, dy, 0, x, 0, dw, 0);
    // dW[0,:] = 1·(1,0,−1) + 0·(2,1,0); dW[1,:] = −1·(1,0,−1) + 2·(2,1,0).
    expect(Array.from(dw)).toEqual([1, 0, -1, 3, 2, 1]);
  });

  it("are the adjoints of the forward product: ⟨dY, X·Wᵀ⟩ = ⟨dY·W, X⟩ = ⟨dYᵀ·X, W⟩", () => {
    fc.assert(
      fc.property(shapes, ({ B, M, N, seed }) => {
        const rng = new Rng(seed % 2 ** 32);
        const x = randomArray(rng, B * N);
        const w = randomArray(rng, M * N);
        const dy = randomArray(rng, B * M);
        const y = new Float64Array(B * M);
        matmulBatch(B, M, N, x, 0, w, 0, y, 0, false);
        const dx = new Float64Array(B * N);
        matmulBatchBackwardInput(B, M, N, dy, 0, w, 0, dx, 0);
        const dw = new Float64Array(M * N);
        matmulBatchBackwardWeight(B, M, N, dy, 0, x, 0, dw, 0);
        const reference = dot(dy, y);
        expect(dot(dx, x)).toBeCloseTo(reference, 12);
        expect(dot(dw, w)).toBeCloseTo(reference, 12);
      }),
      { numRuns: 300 },
    );
  });

  it("match the textbook loops and accumulate on slices of larger buffers", () => {
    fc.assert(
      fc.property(shapes, ({ B, M, N, offsets: [aOff, bOff, cOff], float32, seed }) => {
        const type = float32 ? Float32Array : Float64Array;
        const tol = float32 ? 1e-6 : 1e-14;
        const rng = new Rng(seed % 2 ** 32);
        const dy = padded(rng, aOff, B * M, type);
        const w = padded(rng, bOff, M * N, type);
        const x = padded(rng, bOff, B * N, type);
        const dx = padded(rng, cOff, B * N, type);
        const dw = padded(rng, cOff, M * N, type);
        const expectedDx = Float64Array.from({ length: B * N }, (_, k) => {
          const [b, j] = [Math.floor(k / N), k % N];
          let s = dx[cOff + k];
          for (let i = 0; i < M; i++) s += dy[aOff + b * M + i] * w[bOff + i * N + j];
          return s;
        });
        const expectedDw = Float64Array.from({ length: M * N }, (_, k) => {
          const [i, j] = [Math.floor(k / N), k % N];
          let s = dw[cOff + k];
          for (let b = 0; b < B; b++) s += dy[aOff + b * M + i] * x[bOff + b * N + j];
          return s;
        });
        matmulBatchBackwardInput(B, M, N, dy, aOff, w, bOff, dx, cOff);
        matmulBatchBackwardWeight(B, M, N, dy, aOff, x, bOff, dw, cOff);
        expectAllClose(dx.subarray(cOff, cOff + B * N), expectedDx, tol);
        expectAllClose(dw.subarray(cOff, cOff + M * N), expectedDw, tol);
        expectPaddingUntouched(dx, cOff, B * N);
        expectPaddingUntouched(dw, cOff, M * N);
      }),
      { numRuns: 300 },
    );
  });
});
