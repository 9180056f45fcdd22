/**
 * softmaxRows and crossEntropyFromLogits on the WebAssembly tiers (WasmKernels). softmaxRows: for
 * arrays resident in the arena, of one element type, the f64x2 kernel gives the JavaScript kernel's
 * bits (the same steps, fdlibm's exp, the sum in column order) and the f32x4 one agrees to float32's
 * rounding, for every edge of its loops (whole vectors, then single columns), at unaligned offsets,
 * in place, on logits far from 0 and on rows holding NaN or −Infinity; it writes nothing outside the
 * block. crossEntropyFromLogits on resident logits: the same agreement, weights and per-row losses
 * included, padded rows (weight 0) never scored, targets checked. Every other call runs the
 * JavaScript kernel. The JavaScript tier's kernel set has the runtime's kernels themselves.
 */
import { describe, expect, it } from "vitest";
import type { FloatArray } from "../../../runtime/floatArray.js";
import { jsMatmulKernels } from "../../../runtime/kernels/kernel-set.js";
import { crossEntropyFromLogits } from "../../../runtime/kernels/losses.js";
import { softmaxRows } from "../../../runtime/kernels/softmax.js";
import { WasmKernels, type WasmDType } from "../../../runtime/kernels/wasm/index.js";
import { Rng } from "../../../runtime/rng.js";

const SENTINEL = -12345;
const kernels = new WasmKernels();

/** The JavaScript kernel in float64 on the same logits: the reference. */
function reference(B: number, K: number, x: FloatArray, xOff: number): Float64Array {
  const y = new Float64Array(B * K);
  softmaxRows(B, K, Float64Array.from(x.subarray(xOff, xOff + B * K)), 0, y, 0);
  return y;
}

/** |a − b| within `relative` of b, or both NaN. */
function close(a: number, b: number, relative: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= relative * Math.abs(b) + 1e-300;
}

const tolerance: Record<WasmDType, number> = { f64: 0, f32: 5e-7 };

/** Resident x and y of `dtype` with B rows of K at offsets 1 and 3, sentinels around; x holds `values(k)`. */
function resident(dtype: WasmDType, B: number, K: number, values: (k: number) => number) {
  const { x, y } = kernels.arena.allocMany(dtype, { x: B * K + 3, y: B * K + 5 });
  x.fill(SENTINEL);
  y.fill(SENTINEL);
  for (let k = 0; k < B * K; k++) x[1 + k] = values(k);
  return { x, y };
}

function expectMatches(dtype: WasmDType, got: FloatArray, off: number, want: Float64Array, what: string): void {
  want.forEach((w, k) => {
    if (!close(got[off + k]!, w, tolerance[dtype])) expect.fail(`${what}: element ${k} is ${got[off + k]}, not ${w}`);
  });
}

describe.each<WasmDType>(["f64", "f32"])("WasmKernels.softmaxRows, %s, resident", (dtype) => {
  it("agrees with the JavaScript kernel for widths 1 to 13 and 65, unaligned, nothing else written", () => {
    const rng = new Rng(7);
    for (const K of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 65]) {
      const B = 3;
      const { x, y } = resident(dtype, B, K, () => rng.uniform(-3, 3));
      const want = reference(B, K, x, 1);
      kernels.softmaxRows(B, K, x, 1, y, 3);
      expectMatches(dtype, y, 3, want, `K = ${K}`);
      expect([y[0], y[1], y[2], y[3 + B * K], y[4 + B * K]]).toEqual(Array(5).fill(SENTINEL));
      expect([x[0], x[1 + B * K], x[2 + B * K]]).toEqual(Array(3).fill(SENTINEL));
    }
  });

  it("in place, and on logits far from 0 (each row shifted by its maximum: nothing overflows)", () => {
    const K = 11;
    const shifts = [1000, -1000, 80, -80];
    const { x } = resident(dtype, shifts.length, K, (k) => shifts[Math.floor(k / K)]! + (k % K) / 3);
    const want = reference(shifts.length, K, x, 1);
    kernels.softmaxRows(shifts.length, K, x, 1, x, 1);
    expectMatches(dtype, x, 1, want, "in place");
    for (let b = 0; b < shifts.length; b++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += x[1 + b * K + k]!;
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it("a row holding NaN is NaN everywhere, as in JavaScript; −Infinity logits get probability 0", () => {
    const K = 6;
    const rows = [
      [0, 1, NaN, 2, 3, 4],
      [0, -Infinity, 1, -Infinity, 2, 5],
      [1, 2, 3, 4, 5, NaN],
    ];
    const { x, y } = resident(dtype, rows.length, K, (k) => rows[Math.floor(k / K)]![k % K]!);
    const want = reference(rows.length, K, x, 1);
    kernels.softmaxRows(rows.length, K, x, 1, y, 3);
    expectMatches(dtype, y, 3, want, "special values");
    expect(Array.from(y.subarray(3, 3 + K)).every(Number.isNaN)).toBe(true);
    expect([y[3 + K + 1], y[3 + K + 3]]).toEqual([0, 0]);
  });
});

describe("WasmKernels.softmaxRows, other arrays", () => {
  it("arrays outside the arena, or of two element types, run the JavaScript kernel: bit for bit its results", () => {
    const rng = new Rng(3);
    const B = 4;
    const K = 10;
    const logits = Float64Array.from({ length: B * K }, () => rng.uniform(-2, 2));
    const want = reference(B, K, logits, 0);
    const outside = new Float64Array(B * K);
    kernels.softmaxRows(B, K, logits, 0, outside, 0);
    expect(Array.from(outside)).toEqual(Array.from(want));
    const residentX = kernels.arena.alloc("f64", B * K);
    residentX.set(logits);
    const f32Y = kernels.arena.alloc("f32", B * K);
    kernels.softmaxRows(B, K, residentX, 0, f32Y, 0);
    const jsF32 = new Float32Array(B * K);
    softmaxRows(B, K, logits, 0, jsF32, 0);
    expect(Array.from(f32Y)).toEqual(Array.from(jsF32));
  });

  it("rejects blocks that do not fit their arrays", () => {
    const x = kernels.arena.alloc("f32", 10);
    expect(() => kernels.softmaxRows(2, 6, x, 0, x, 0)).toThrow(RangeError);
    expect(() => kernels.softmaxRows(1, 6, x, 5, x, 0)).toThrow(RangeError);
  });

  it("is the runtime's kernel on the JavaScript tier", () => {
    expect(jsMatmulKernels.softmaxRows).toBe(softmaxRows);
  });
});

/** The JavaScript kernel in float64 on the same logits: total and per-row losses. */
function referenceLoss(
  B: number,
  K: number,
  logits: FloatArray,
  off: number,
  targets: Int32Array,
  weights: Float64Array,
) {
  const rowLoss = new Float64Array(B);
  const z = Float64Array.from(logits.subarray(off, off + B * K));
  const total = crossEntropyFromLogits(B, K, z, 0, targets, 0, weights, 0, rowLoss, 0);
  return { total, rowLoss };
}

describe.each<WasmDType>(["f64", "f32"])("WasmKernels.crossEntropyFromLogits, %s, resident logits", (dtype) => {
  it("agrees with the JavaScript kernel, total and per-row losses, for widths 1 to 13 and 65, unaligned", () => {
    const rng = new Rng(11);
    for (const K of [1, 2, 3, 4, 5, 7, 8, 9, 13, 65]) {
      const B = 5;
      const { x } = resident(dtype, B, K, () => rng.uniform(-4, 4));
      const targets = Int32Array.from({ length: B + 2 }, (_, b) => (b * 7) % K);
      const weights = Float64Array.of(1, 0.5, 2, 1 / 3, 1);
      const want = referenceLoss(B, K, x, 1, targets.subarray(2), weights);
      const rowLoss = new Float64Array(B + 1);
      const total = kernels.crossEntropyFromLogits(B, K, x, 1, targets, 2, weights, 0, rowLoss, 1);
      expect(close(total, want.total, tolerance[dtype]), `K = ${K}: ${total} against ${want.total}`).toBe(true);
      want.rowLoss.forEach((w, b) => {
        if (!close(rowLoss[1 + b]!, w, 2 * tolerance[dtype]))
          expect.fail(`K = ${K}, row ${b}: ${rowLoss[1 + b]} against ${w}`);
      });
      expect(rowLoss[0]).toBe(0);
    }
  });

  it("stays exact for logits far beyond exp's range", () => {
    const { x } = resident(dtype, 1, 2, (k) => [1000, 0][k]!);
    expect(kernels.crossEntropyFromLogits(1, 2, x, 1, Int32Array.of(1), 0, null, 0, null, 0)).toBe(1000);
  });

  it("never scores a padded row (weight 0, NaN logits, target −1); refuses a scored row's target outside [0, K)", () => {
    const K = 6;
    const { x } = resident(dtype, 3, K, (k) => (k >= K && k < 2 * K ? NaN : k / 5));
    const weights = Float64Array.of(1, 0, 1);
    const rowLoss = new Float64Array(3).fill(SENTINEL);
    const total = kernels.crossEntropyFromLogits(3, K, x, 1, Int32Array.of(2, -1, 5), 0, weights, 0, rowLoss, 0);
    const want = referenceLoss(3, K, x, 1, Int32Array.of(2, 0, 5), weights);
    expect(close(total, want.total, tolerance[dtype])).toBe(true);
    expect(rowLoss[1]).toBe(0);
    expect(() => kernels.crossEntropyFromLogits(3, K, x, 1, Int32Array.of(2, 1, K), 0, null, 0, null, 0)).toThrow(
      /target id 6 at scored row 2/,
    );
  });
});

describe("WasmKernels.crossEntropyFromLogits, other calls", () => {
  const rng = new Rng(5);

  it("logits outside the arena run the JavaScript kernel: bit for bit its total", () => {
    const B = 6;
    const K = 9;
    const logits = Float64Array.from({ length: B * K }, () => rng.uniform(-3, 3));
    const targets = Int32Array.from({ length: B }, (_, b) => b % K);
    const want = crossEntropyFromLogits(B, K, logits, 0, targets, 0, null, 0, null, 0);
    expect(kernels.crossEntropyFromLogits(B, K, logits, 0, targets, 0, null, 0, null, 0)).toBe(want);
  });

  it("more rows than its scratch holds (320) run the JavaScript kernel, with the same result", () => {
    const B = 400;
    const K = 4;
    const logits = kernels.arena.alloc("f64", B * K);
    for (let k = 0; k < B * K; k++) logits[k] = rng.uniform(-3, 3);
    const targets = Int32Array.from({ length: B }, (_, b) => b % K);
    const want = crossEntropyFromLogits(B, K, logits, 0, targets, 0, null, 0, null, 0);
    expect(kernels.crossEntropyFromLogits(B, K, logits, 0, targets, 0, null, 0, null, 0)).toBe(want);
  });

  it("rejects logits that do not fit their array", () => {
    const logits = kernels.arena.alloc("f32", 10);
    expect(() => kernels.crossEntropyFromLogits(2, 6, logits, 0, Int32Array.of(0, 0), 0, null, 0, null, 0)).toThrow(
      RangeError,
    );
  });

  it("is the runtime's kernel on the JavaScript tier", () => {
    expect(jsMatmulKernels.crossEntropyFromLogits).toBe(crossEntropyFromLogits);
  });
});
