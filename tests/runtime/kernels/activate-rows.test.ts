/**
 * activateRows, both tiers: the JavaScript kernel computes exactly the generated code's
 * expressions; the WebAssembly f32x4 kernels agree with Math.* (rounded to float32) within
 * the documented accuracy (docs/kernels.md#activations) on a dense sweep and on special
 * values, for every edge of their loops (8 columns per pass, then 4, then single columns),
 * strided and in place; and WasmKernels sends everything but resident Float32Arrays to
 * the JavaScript kernel.
 */
import { describe, expect, it } from "vitest";
import type { FloatArray } from "../../../runtime/floatArray.js";
import { activateRows, type ActivationName } from "../../../runtime/kernels/activate-rows.js";
import { jsMatmulKernels, WasmKernels } from "../../../runtime/kernels/wasm/index.js";

const names: ActivationName[] = ["sigmoid", "tanh", "exp"];
/** The expressions of the generated code, in double precision. */
const math: Record<ActivationName, (v: number) => number> = {
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: (v) => Math.tanh(v),
  exp: (v) => Math.exp(v),
};
const SENTINEL = -12345;
const kernels = new WasmKernels();

/** Length of an array holding a block of `rows` rows of `width` at `off`, rows `stride` apart, with room after it. */
function extent(rows: number, width: number, off: number, stride: number): number {
  return off + Math.max(0, rows - 1) * stride + width + 5;
}

/** An array of sentinels for such a block. */
function block(make: (n: number) => FloatArray, rows: number, width: number, off: number, stride: number): FloatArray {
  return make(extent(rows, width, off, stride)).fill(SENTINEL);
}

/** Every index of the block, as [index, row, column]. */
function* indices(rows: number, width: number, off: number, stride: number): Generator<[number, number, number]> {
  for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) yield [off + r * stride + i, r, i];
}

/** Fails on any element of `a` outside the block that is not the sentinel. */
function expectOutsideUntouched(a: FloatArray, rows: number, width: number, off: number, stride: number, what: string): void {
  const inside = new Set(Array.from(indices(rows, width, off, stride), ([k]) => k));
  for (let k = 0; k < a.length; k++) {
    if (!inside.has(k) && a[k] !== SENTINEL) expect.fail(`${what}: element ${k} outside the block changed to ${a[k]}`);
  }
}

/**
 * Accuracy of a float32 result y against ref = fround(Math.*(x)):
 *   exp, sigmoid: |y − ref| ≤ 4e-7·|ref| for x in [−80, 80]; beyond, the same plus the
 *     smallest normal float, for results that underflow (subnormal or flushed to 0);
 *   tanh: |y − ref| ≤ 3e-7, and ≤ 1e-6·|ref| where |ref| ≥ 1e-6.
 */
function withinTolerance(fn: ActivationName, x: number, y: number, ref: number): boolean {
  if (Number.isNaN(ref)) return Number.isNaN(y);
  if (!Number.isFinite(ref)) return y === ref;
  const err = Math.abs(y - ref);
  if (fn === "tanh") return err <= 3e-7 && (Math.abs(ref) < 1e-6 || err <= 1e-6 * Math.abs(ref));
  const floor = Math.abs(x) <= 80 ? 0 : 2 ** -126;
  return err <= 4e-7 * Math.abs(ref) + floor;
}

describe("activateRows, the JavaScript kernel", () => {
  const shapes: [rows: number, width: number, xOff: number, xStride: number, yOff: number, yStride: number][] = [
    [1, 1, 0, 1, 0, 1],
    [3, 5, 2, 7, 1, 9],
    [4, 3, 0, 3, 4, 3], // dense rows
    [2, 0, 1, 4, 0, 4],
    [0, 6, 0, 6, 0, 6],
  ];
  for (const fn of names) {
    for (const [label, make] of [
      ["Float64Array", (n: number) => new Float64Array(n)],
      ["Float32Array", (n: number) => new Float32Array(n)],
    ] as const) {
      it(`${fn} on ${label}: exactly the generated code's expression on a strided block, nothing else written`, () => {
        for (const [rows, width, xOff, xStride, yOff, yStride] of shapes) {
          const x = block(make, rows, width, xOff, xStride);
          for (const [k, r, i] of indices(rows, width, xOff, xStride)) x[k] = (r - 1.5) * 3 + i * 0.77 - 2;
          const y = block(make, rows, width, yOff, yStride);
          const xBefore = x.slice();
          activateRows(fn, rows, width, x, xOff, xStride, y, yOff, yStride);
          expect(x).toEqual(xBefore);
          const expected = block(make, rows, width, yOff, yStride);
          for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) expected[yOff + r * yStride + i] = math[fn](x[xOff + r * xStride + i]!);
          expect(Array.from(y)).toEqual(Array.from(expected)); // toEqual on numbers is Object.is: bit-identical (and NaN equals NaN)
          expectOutsideUntouched(y, rows, width, yOff, yStride, `${fn} ${rows}×${width}`);
        }
      });
    }

    it(`${fn}: in place`, () => {
      const x = new Float64Array([SENTINEL, 0.5, -1, 3, SENTINEL, SENTINEL, 2, 0, -7, SENTINEL]);
      const expected = x.map((v, k) => ((k >= 1 && k <= 3) || (k >= 6 && k <= 8) ? math[fn](v) : v));
      activateRows(fn, 2, 3, x, 1, 5, x, 1, 5);
      expect(Array.from(x)).toEqual(Array.from(expected));
    });
  }

  it("rejects an unknown activation", () => {
    const x = new Float64Array(2);
    expect(() => activateRows("relu" as ActivationName, 1, 2, x, 0, 2, x, 0, 2)).toThrow(RangeError);
  });

  it("is the JavaScript tier's activateRows", () => {
    expect(jsMatmulKernels.activateRows).toBe(activateRows);
  });
});

describe("activateRows, the WebAssembly f32x4 kernels", () => {
  const specials = [0, -0, 1e-8, -1e-8, 1e-30, -1e-30, 1e30, -1e30, 100, -100, 88.72, 88.73, -87.3, -104, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 0.625, -0.625];

  /**
   * Runs the wasm kernel on `values` laid out as `rows` rows of `width` (the last row
   * padded by repeating values), out of place or in place, with sentinels around the
   * block; checks accuracy against Math.* and that nothing outside the block changed.
   */
  function check(fn: ActivationName, values: ArrayLike<number>, width: number, stride: number, off: number, inPlace: boolean): void {
    const rows = Math.ceil(values.length / width);
    const mark = kernels.arena.mark();
    try {
      const yOff = inPlace ? off : off + 3;
      const yStride = inPlace ? stride : stride + 1;
      // Both arrays at once: a growth of the arena between two allocations would detach the first.
      const arrays = kernels.arena.allocMany("f32", { x: extent(rows, width, off, stride), y: extent(rows, width, yOff, yStride) });
      const x = arrays.x.fill(SENTINEL);
      for (const [k, r, i] of indices(rows, width, off, stride)) x[k] = values[(r * width + i) % values.length]!;
      const input = Float32Array.from(x);
      const y = inPlace ? x : arrays.y.fill(SENTINEL);
      const staged = kernels.stagedCalls;
      kernels.activateRows(fn, rows, width, x, off, stride, y, yOff, yStride);
      expect(kernels.stagedCalls).toBe(staged);
      for (const [k, r, i] of indices(rows, width, off, stride)) {
        const v = input[k]!;
        const got = y[yOff + r * yStride + i]!;
        const ref = Math.fround(math[fn](v));
        if (!withinTolerance(fn, v, got, ref)) expect.fail(`${fn}(${v}) = ${got}, Math.* gives ${ref} (width ${width}, stride ${stride}, ${inPlace ? "in place" : "out of place"})`);
      }
      expectOutsideUntouched(y, rows, width, yOff, yStride, `${fn} width ${width}`);
      if (!inPlace) expect(Array.from(x)).toEqual(Array.from(input));
    } finally {
      kernels.arena.release(mark);
    }
  }

  for (const fn of names) {
    it(`${fn}: a dense sweep of [−90, 90] within the accuracy targets`, () => {
      const n = 200_000;
      const sweep = Float32Array.from({ length: n }, (_, i) => -90 + (180 * i) / (n - 1));
      check(fn, sweep, 2003, 2011, 1, false);
      // Small magnitudes, where tanh needs its polynomial: 1e-7 … 1e2, both signs.
      const logs = Float32Array.from({ length: 20_000 }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-7 + (9 * i) / 20_000));
      check(fn, logs, 997, 1000, 0, true);
    });

    it(`${fn}: special values`, () => {
      const x = kernels.arena.f32(specials.length);
      x.set(specials);
      const y = kernels.arena.f32(specials.length);
      kernels.activateRows(fn, 1, specials.length, x, 0, specials.length, y, 0, specials.length);
      specials.forEach((v, k) => {
        const ref = Math.fround(math[fn](Math.fround(v)));
        const got = y[k]!;
        if (fn === "sigmoid" && v === -100) expect(got >= 0 && got < 1e-37).toBe(true); // flushed to 0 below −88.7 (Math.* gives 3.8e-44)
        else if (!withinTolerance(fn, Math.fround(v), got, ref)) expect.fail(`${fn}(${v}) = ${got}, Math.* gives ${ref}`);
        if (Number.isNaN(v) || !(Math.abs(v) < 1e-7 || Math.abs(v) >= 1e30)) return;
        expect(got).toBe(ref); // exact at the limits and near 0, −0 included (toBe is Object.is)
      });
      if (fn === "sigmoid") expect([y[specials.indexOf(100)], y[specials.indexOf(-1e30)], y[specials.indexOf(1e30)]]).toEqual([1, 0, 1]);
      if (fn === "tanh") expect(Object.is(y[1], -0)).toBe(true);
    });

    it(`${fn}: odd widths and strides larger than the width, in place and out of place, unaligned`, () => {
      const values = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.731) * 12);
      for (const width of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 513]) {
        for (const [stride, off] of [
          [width, 0],
          [width + 1, 1],
          [width + 6, 3],
          [2 * width + 5, 2],
        ] as const) {
          for (const inPlace of [false, true]) check(fn, values.subarray(0, Math.min(values.length, 5 * width + 2)), width, stride, off, inPlace);
        }
      }
    });

    it(`${fn}: the same value gives the same result in every column (vector loops and the scalar tail agree)`, () => {
      const x = kernels.arena.f32(23); // 16 columns in pairs of vectors, 4 in one vector, 3 one at a time
      for (const v of [-3.7, -0.3, 0.01, 0.6, 5.2, 40]) {
        x.fill(v);
        kernels.activateRows(fn, 1, 23, x, 0, 23, x, 0, 23);
        expect(new Set(x).size).toBe(1);
      }
    });
  }
});

describe("WasmKernels.activateRows routing", () => {
  const values = [-30, -2.5, -1e-3, 0, 0.4, 1, 7, 60];

  it("Float64Array operands, even resident ones, run the JavaScript kernel: bit-identical to Math.*", () => {
    for (const fn of names) {
      const resident = kernels.arena.f64(values.length + 2).fill(SENTINEL);
      resident.set(values, 1);
      const plain = Float64Array.from(resident);
      kernels.activateRows(fn, 2, 4, resident, 1, 4, resident, 1, 4);
      kernels.activateRows(fn, 2, 4, plain, 1, 4, plain, 1, 4);
      const expected = [SENTINEL, ...values.map(math[fn]), SENTINEL];
      expect(Array.from(resident)).toEqual(expected);
      expect(Array.from(plain)).toEqual(expected);
    }
  });

  it("Float32Arrays outside the arena run the JavaScript kernel, without staging", () => {
    for (const fn of names) {
      const x = Float32Array.from(values);
      const y = new Float32Array(values.length);
      const staged = kernels.stagedCalls;
      kernels.activateRows(fn, 1, values.length, x, 0, values.length, y, 0, values.length);
      expect(kernels.stagedCalls).toBe(staged);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(math[fn](v))));
      // A resident input with an output elsewhere: the JavaScript kernel too.
      const xr = kernels.arena.f32(values.length);
      xr.set(values);
      y.fill(0);
      kernels.activateRows(fn, 1, values.length, xr, 0, values.length, y, 0, values.length);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(math[fn](v))));
    }
  });

  it("rejects blocks that do not fit their arrays, non-sizes and unknown names; empty blocks do nothing", () => {
    const { x, y } = kernels.arena.allocMany("f32", { x: 10, y: 10 });
    expect(() => kernels.activateRows("exp", 2, 5, x, 1, 5, y, 0, 5)).toThrow(RangeError);
    expect(() => kernels.activateRows("exp", 2, 5, x, 0, 5, y, 0, 6)).toThrow(RangeError);
    expect(() => kernels.activateRows("exp", 1.5, 5, x, 0, 5, y, 0, 5)).toThrow(RangeError);
    expect(() => kernels.activateRows("exp", 1, 5, x, 0, -1, y, 0, 5)).toThrow(RangeError);
    expect(() => kernels.activateRows("relu" as ActivationName, 1, 5, x, 0, 5, y, 0, 5)).toThrow(RangeError);
    y.fill(SENTINEL);
    kernels.activateRows("tanh", 0, 5, x, 0, 5, y, 0, 5);
    kernels.activateRows("tanh", 3, 0, x, 0, 5, y, 0, 5);
    expect(Array.from(y)).toEqual(new Array(10).fill(SENTINEL));
  });
});
