import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matmulBatch, matmulBatchBackwardWeight } from "../../../runtime/kernels/matmul.js";
import {
  gatherColumnsBatch,
  gatherRowsBatch,
  PAD_ID,
  scatterColumnsBatch,
  scatterRowsBatch,
} from "../../../runtime/kernels/onehot.js";
import { Rng } from "../../../runtime/rng.js";
import { expectAllClose, randomArray } from "../helpers.js";

/** The dense [B][N] one-hot matrix of ids; a padded id gives a zero row. */
function oneHot(ids: Int32Array, N: number): Float64Array {
  const x = new Float64Array(ids.length * N);
  ids.forEach((id, b) => {
    if (id !== PAD_ID) x[b * N + id] = 1;
  });
  return x;
}

const W = Float64Array.of(1, 2, 3, 4, 5, 6); // [[1, 2, 3], [4, 5, 6]]: M = 2, N = 3

describe("gatherColumnsBatch", () => {
  it("looks up column ids[b] of W, and zeroes padded rows when overwriting", () => {
    const y = new Float64Array(6).fill(9);
    gatherColumnsBatch(3, 2, 3, Int32Array.of(2, PAD_ID, 0), 0, W, 0, y, 0, false);
    expect(Array.from(y)).toEqual([3, 6, 0, 0, 1, 4]);
  });

  it("adds the column when accumulating and leaves padded rows alone", () => {
    const y = new Float64Array(4).fill(1);
    gatherColumnsBatch(2, 2, 3, Int32Array.of(PAD_ID, 1), 0, W, 0, y, 0, true);
    expect(Array.from(y)).toEqual([1, 1, 3, 6]);
  });

  it("equals the dense product with one-hot rows, reading ids and W at offsets", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.nat(),
        (B, M, N, accumulate, seed) => {
          const rng = new Rng(seed % 2 ** 32);
          const ids = Int32Array.from({ length: B + 1 }, () => rng.int(N + 1) - 1); // some padding
          const w = randomArray(rng, M * N + 2);
          const start = randomArray(rng, B * M);
          const expected = Float64Array.from(start);
          matmulBatch(B, M, N, oneHot(ids.subarray(1), N), 0, w, 2, expected, 0, accumulate);
          const y = Float64Array.from(start);
          gatherColumnsBatch(B, M, N, ids, 1, w, 2, y, 0, accumulate);
          expectAllClose(y, expected, 1e-15);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects ids outside [0, N) other than the padding id", () => {
    const y = new Float64Array(2);
    for (const id of [3, -2]) {
      expect(() => gatherColumnsBatch(1, 2, 3, Int32Array.of(id), 0, W, 0, y, 0, false)).toThrow(
        new RegExp(`one-hot id ${id} at batch row 0`),
      );
    }
  });
});

describe("scatterColumnsBatch", () => {
  it("adds dY rows into the columns picked by ids, skipping padding", () => {
    const dw = new Float64Array(6);
    const dy = Float64Array.of(1, 2, 10, 20, 3, 4); // rows (1, 2), (10, 20), (3, 4)
    scatterColumnsBatch(3, 2, 3, dy, 0, Int32Array.of(2, PAD_ID, 2), 0, dw, 0);
    expect(Array.from(dw)).toEqual([0, 0, 4, 0, 0, 6]);
  });

  it("equals the dense weight gradient with one-hot inputs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        (B, M, N, seed) => {
          const rng = new Rng(seed % 2 ** 32);
          const ids = Int32Array.from({ length: B }, () => rng.int(N + 1) - 1);
          const dy = randomArray(rng, B * M + 1);
          const start = randomArray(rng, M * N);
          const expected = Float64Array.from(start);
          matmulBatchBackwardWeight(B, M, N, dy, 1, oneHot(ids, N), 0, expected, 0);
          const dw = Float64Array.from(start);
          scatterColumnsBatch(B, M, N, dy, 1, ids, 0, dw, 0);
          expectAllClose(dw, expected, 1e-15);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("rejects out-of-range ids", () => {
    expect(() =>
      scatterColumnsBatch(1, 2, 3, new Float64Array(2), 0, Int32Array.of(3), 0, new Float64Array(6), 0),
    ).toThrow(/one-hot id 3/);
  });
});

/** W [M,N] row-major, transposed to [N,M]. */
function transposed(w: ArrayLike<number>, M: number, N: number, offset: number): Float64Array {
  return Float64Array.from({ length: M * N }, (_, k) => w[offset + (k % M) * N + Math.floor(k / M)]!);
}

describe("gatherRowsBatch and scatterRowsBatch: the column kernels on weights stored transposed", () => {
  it("gather the same values, bit for bit, padding included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.nat(),
        (B, M, N, accumulate, seed) => {
          const rng = new Rng(seed % 2 ** 32);
          const ids = Int32Array.from({ length: B + 1 }, () => rng.int(N + 1) - 1);
          const w = randomArray(rng, M * N + 2);
          const start = randomArray(rng, B * M);
          const expected = Float64Array.from(start);
          gatherColumnsBatch(B, M, N, ids, 1, w, 2, expected, 0, accumulate);
          const y = Float64Array.from(start);
          gatherRowsBatch(B, M, N, ids, 1, transposed(w, M, N, 2), 0, y, 0, accumulate);
          expect(y).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("scatter the same sums into the transposed gradient", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        (B, M, N, seed) => {
          const rng = new Rng(seed % 2 ** 32);
          const ids = Int32Array.from({ length: B }, () => rng.int(N + 1) - 1);
          const dy = randomArray(rng, B * M + 1);
          const start = randomArray(rng, M * N);
          const expected = Float64Array.from(start);
          scatterColumnsBatch(B, M, N, dy, 1, ids, 0, expected, 0);
          const dwt = transposed(start, M, N, 0);
          scatterRowsBatch(B, M, N, dy, 1, ids, 0, dwt, 0);
          expect(dwt).toEqual(transposed(expected, M, N, 0));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reject out-of-range ids", () => {
    expect(() => gatherRowsBatch(1, 2, 3, Int32Array.of(3), 0, W, 0, new Float64Array(2), 0, false)).toThrow(
      /one-hot id 3 at batch row 0/,
    );
    expect(() =>
      scatterRowsBatch(1, 2, 3, new Float64Array(2), 0, Int32Array.of(-2), 0, new Float64Array(6), 0),
    ).toThrow(/one-hot id -2/);
  });
});
