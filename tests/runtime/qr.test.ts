import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { householderQr } from "../../runtime/qr.js";
import { Rng } from "../../runtime/rng.js";
import { expectAllClose } from "./helpers.js";

/** C = Aᵀ·B for A (m×p) and B (m×q), row-major. */
function transposeTimes(a: Float64Array, b: Float64Array, m: number, p: number, q: number): Float64Array {
  const c = new Float64Array(p * q);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a[k * p + i] * b[k * q + j];
      c[i * q + j] = s;
    }
  }
  return c;
}

function times(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

function identity(n: number): Float64Array {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return eye;
}

function expectValidFactors(a: Float64Array, m: number, n: number): void {
  const { q, r } = householderQr(a, m, n);
  expectAllClose(transposeTimes(q, q, m, n, n), identity(n), 1e-13);
  const scale = Math.max(1, ...Array.from(a, Math.abs));
  expectAllClose(times(q, r, m, n, n), a, 1e-13 * scale);
  for (let i = 0; i < n; i++) {
    expect(r[i * n + i]).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < i; j++) expect(r[i * n + j]).toBe(0);
  }
}

describe("householderQr", () => {
  it("factors a hand-computed 2×2 example", () => {
    // Columns (3, 4) and (0, 5): q1 = (0.6, 0.8), r11 = 5, r12 = q1·a2 = 4, a2 − 4q1 = (−2.4, 1.8), r22 = 3.
    const { q, r } = householderQr(Float64Array.of(3, 0, 4, 5), 2, 2);
    expectAllClose(q, [0.6, -0.8, 0.8, 0.6], 1e-15);
    expectAllClose(r, [5, 4, 0, 3], 1e-15);
  });

  it("gives orthonormal Q, upper-triangular R with diag ≥ 0, and A = QR for random tall matrices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 8 }), fc.nat(), (n, extraRows, seed) => {
        const m = n + extraRows;
        const rng = new Rng(seed % 2 ** 32);
        expectValidFactors(
          Float64Array.from({ length: m * n }, () => rng.normal()),
          m,
          n,
        );
      }),
      { numRuns: 150 },
    );
  });

  it("handles rank-deficient input: a zero column and repeated columns", () => {
    const m = 5;
    const n = 3;
    const a = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      a[i * n] = i + 1; // column 0
      a[i * n + 1] = 0; // zero column
      a[i * n + 2] = i + 1; // copy of column 0
    }
    expectValidFactors(a, m, n);
  });

  it("rejects wide or mis-sized input", () => {
    expect(() => householderQr(new Float64Array(6), 2, 3)).toThrow(/rows ≥ cols/);
    expect(() => householderQr(new Float64Array(5), 3, 2)).toThrow(/has 5 entries/);
  });
});
