/**
 * activateRows, both tiers: the JavaScript kernel computes exactly the generated code's
 * expressions; the WebAssembly kernels meet their accuracy targets against Math.*
 * (docs/kernels.md#activations) on dense sweeps and on special values, for every edge of
 * their loops (two vectors per pass, then one, then single columns), strided and in
 * place — the f32x4 ones against Math.* rounded to float32, the f64x2 ones (fdlibm's exp
 * and tanh, Math.*'s own routines) to about an ulp; and WasmKernels sends every call
 * whose x and y are not both resident in its arena, of one element type, to the
 * JavaScript kernel.
 */
import { describe, expect, it, vi } from "vitest";
import type { FloatArray } from "../../../runtime/floatArray.js";
import { activateRows, type ActivationName } from "../../../runtime/kernels/activate-rows.js";
import { jsMatmulKernels } from "../../../runtime/kernels/kernel-set.js";
import { WasmKernels, type WasmDType } from "../../../runtime/kernels/wasm/index.js";

// The JavaScript kernel, still running, with its calls counted: the routing tests tell the tiers apart by them.
vi.mock("../../../runtime/kernels/activate-rows.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../../runtime/kernels/activate-rows.js")>();
  return { ...actual, activateRows: vi.fn(actual.activateRows) };
});
const jsCalls = (): number => vi.mocked(activateRows).mock.calls.length;

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
function expectOutsideUntouched(
  a: FloatArray,
  rows: number,
  width: number,
  off: number,
  stride: number,
  what: string,
): void {
  const inside = new Set(Array.from(indices(rows, width, off, stride), ([k]) => k));
  for (let k = 0; k < a.length; k++) {
    if (!inside.has(k) && a[k] !== SENTINEL) expect.fail(`${what}: element ${k} outside the block changed to ${a[k]}`);
  }
}

/**
 * The accuracy targets of the WebAssembly kernels, for a result y against ref = Math.* of
 * the same input, rounded to the element type:
 *   f32 exp, sigmoid: |y − ref| ≤ 4e-7·|ref| for x in [−80, 80]; beyond, the same plus the
 *     smallest normal float, for results that underflow (subnormal or flushed to 0);
 *   f32 tanh: |y − ref| ≤ 3e-7, and ≤ 1e-6·|ref| where |ref| ≥ 1e-6;
 *   f64 exp: |y − ref| ≤ 2.5e-16·ref where ref is normal, else at most one subnormal step;
 *   f64 sigmoid: ≤ 4e-16·ref where ref ≥ 1e-300, else y in [0, 1e-300];
 *   f64 tanh: ≤ 5e-16·|ref| (so ±0 exactly).
 * Infinite and NaN references are met exactly.
 */
function withinTolerance(dtype: WasmDType, fn: ActivationName, x: number, y: number, ref: number): boolean {
  if (Number.isNaN(ref)) return Number.isNaN(y);
  if (!Number.isFinite(ref)) return y === ref;
  const err = Math.abs(y - ref);
  if (dtype === "f64") {
    if (fn === "exp") return ref >= 2 ** -1022 ? err <= 2.5e-16 * ref : err <= 2 ** -1074;
    if (fn === "sigmoid") return ref >= 1e-300 ? err <= 4e-16 * ref : y >= 0 && y <= 1e-300;
    return err <= 5e-16 * Math.abs(ref);
  }
  if (fn === "tanh") return err <= 3e-7 && (Math.abs(ref) < 1e-6 || err <= 1e-6 * Math.abs(ref));
  const floor = Math.abs(x) <= 80 ? 0 : 2 ** -126;
  return err <= 4e-7 * Math.abs(ref) + floor;
}

/** Evenly spaced values from lo to hi. */
const linear = (n: number, lo: number, hi: number): number[] =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
/** Magnitudes 10^lo … 10^hi, evenly spaced in the exponent, alternating in sign. */
const logarithmic = (n: number, lo: number, hi: number): number[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (lo + ((hi - lo) * i) / n));

/** A WebAssembly tier of activateRows: its element type and what its tests sweep. */
interface Tier {
  dtype: WasmDType;
  lanes: string;
  /** Math.* of v in double precision, rounded to the element type: the reference. */
  ref(fn: ActivationName, v: number): number;
  /** Dense sweeps, [what, values, width, stride]. */
  sweeps: [string, number[], number, number][];
  specials: number[];
  /** Inputs whose results must equal the reference exactly (their limits, and near 0). */
  exactAt(v: number): boolean;
}

const tiers: Tier[] = [
  {
    dtype: "f32",
    lanes: "f32x4",
    ref: (fn, v) => Math.fround(math[fn](v)),
    sweeps: [
      ["200,000 points over [−90, 90]", linear(200_000, -90, 90), 2003, 2011],
      // Small magnitudes, where tanh needs its polynomial.
      ["small magnitudes 1e-7 … 1e2", logarithmic(20_000, -7, 2), 997, 1000],
    ],
    specials: [
      0,
      -0,
      1e-8,
      -1e-8,
      1e-30,
      -1e-30,
      1e30,
      -1e30,
      100,
      -100,
      88.72,
      88.73,
      -87.3,
      -104,
      Infinity,
      -Infinity,
      NaN,
      3.4e38,
      -3.4e38,
      0.625,
      -0.625,
    ],
    exactAt: (v) => Math.abs(v) < 1e-7 || Math.abs(v) >= 1e30,
  },
  {
    dtype: "f64",
    lanes: "f64x2",
    ref: (fn, v) => math[fn](v),
    sweeps: [
      ["200,000 points over [−746, 710]", linear(200_000, -746, 710), 2003, 2011],
      // fdlibm's branch points: 0.5·ln2, 1.5·ln2, 1 and the argument 2|x| of tanh's expm1.
      ["100,000 points over [−3, 3]", linear(100_000, -3, 3), 1001, 1003],
      ["small magnitudes 1e-320 … 1e3", logarithmic(20_000, -320, 3), 997, 1000],
    ],
    // Both signs of each, then more around fdlibm's thresholds and the limits of the results.
    specials: [
      ...[0, 5e-324, 1e-300, 2 ** -28, 1e-8, 0.625, 1, 22, 1e30, 1e300, Infinity].flatMap((v) => [v, -v]),
      ...[0.3465735912322998, 0.5, 40, 100, -100, 709.78, 709.79, -708.4, -745.13, -745.14, NaN],
    ],
    exactAt: (v) => Math.abs(v) < 2 ** -28 || Math.abs(v) >= 1e300,
  },
];

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
          for (let r = 0; r < rows; r++)
            for (let i = 0; i < width; i++) expected[yOff + r * yStride + i] = math[fn](x[xOff + r * xStride + i]!);
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

for (const tier of tiers) {
  const { dtype } = tier;
  describe(`activateRows, the WebAssembly ${tier.lanes} kernels`, () => {
    /**
     * Runs the wasm kernel on `values` laid out as `rows` rows of `width` (the last row
     * padded by repeating values), out of place or in place, with sentinels around the
     * block; checks accuracy against Math.* and that nothing outside the block changed.
     */
    function check(
      fn: ActivationName,
      values: ArrayLike<number>,
      width: number,
      stride: number,
      off: number,
      inPlace: boolean,
    ): void {
      const rows = Math.ceil(values.length / width);
      const mark = kernels.arena.mark();
      try {
        const yOff = inPlace ? off : off + 3;
        const yStride = inPlace ? stride : stride + 1;
        // Both arrays at once: a growth of the arena between two allocations would detach the first.
        const arrays = kernels.arena.allocMany(dtype, {
          x: extent(rows, width, off, stride),
          y: extent(rows, width, yOff, yStride),
        });
        const x = arrays.x.fill(SENTINEL);
        for (const [k, r, i] of indices(rows, width, off, stride)) x[k] = values[(r * width + i) % values.length]!;
        const input = x.slice();
        const y = inPlace ? x : arrays.y.fill(SENTINEL);
        const [staged, js] = [kernels.stagedCalls, jsCalls()];
        kernels.activateRows(fn, rows, width, x, off, stride, y, yOff, yStride);
        expect([kernels.stagedCalls, jsCalls()]).toEqual([staged, js]);
        for (const [k, r, i] of indices(rows, width, off, stride)) {
          const v = input[k]!;
          const got = y[yOff + r * yStride + i]!;
          const ref = tier.ref(fn, v);
          if (!withinTolerance(dtype, fn, v, got, ref))
            expect.fail(
              `${fn}(${v}) = ${got}, Math.* gives ${ref} (width ${width}, stride ${stride}, ${inPlace ? "in place" : "out of place"})`,
            );
        }
        expectOutsideUntouched(y, rows, width, yOff, yStride, `${fn} width ${width}`);
        if (!inPlace) expect(Array.from(x)).toEqual(Array.from(input));
      } finally {
        kernels.arena.release(mark);
      }
    }

    for (const fn of names) {
      it(`${fn}: dense sweeps within the accuracy targets`, () => {
        tier.sweeps.forEach(([, values, width, stride], k) => check(fn, values, width, stride, k, k % 2 === 1));
      });

      it(`${fn}: special values`, () => {
        const { specials } = tier;
        const x = kernels.arena.alloc(dtype, specials.length);
        x.set(specials);
        const y = kernels.arena.alloc(dtype, specials.length);
        kernels.activateRows(fn, 1, specials.length, x, 0, specials.length, y, 0, specials.length);
        specials.forEach((value, k) => {
          const v = x[k]!;
          const ref = tier.ref(fn, v);
          const got = y[k]!;
          if (dtype === "f32" && fn === "sigmoid" && v === -100)
            expect(got >= 0 && got < 1e-37).toBe(true); // flushed to 0 below −88.7 (Math.* gives 3.8e-44)
          else if (!withinTolerance(dtype, fn, v, got, ref))
            expect.fail(`${fn}(${value}) = ${got}, Math.* gives ${ref}`);
          if (Number.isFinite(v)) expect(Number.isNaN(got)).toBe(false);
          if (!Number.isNaN(v) && tier.exactAt(v)) expect(got).toBe(ref); // exact at the limits and near 0, −0 included (toBe is Object.is)
        });
        if (fn === "sigmoid")
          expect([y[specials.indexOf(100)], y[specials.indexOf(-1e30)], y[specials.indexOf(1e30)]]).toEqual([1, 0, 1]);
        if (fn === "tanh")
          expect([Object.is(y[1], -0), y[specials.indexOf(Infinity)], y[specials.indexOf(-Infinity)]]).toEqual([
            true,
            1,
            -1,
          ]);
      });

      it(`${fn}: odd widths and strides larger than the width, in place and out of place, unaligned`, () => {
        const values = Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.731) * 12);
        for (const width of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 513]) {
          for (const [stride, off] of [
            [width, 0],
            [width + 1, 1],
            [width + 6, 3],
            [2 * width + 5, 2],
          ] as const) {
            for (const inPlace of [false, true])
              check(fn, values.slice(0, Math.min(values.length, 5 * width + 2)), width, stride, off, inPlace);
          }
        }
      });

      it(`${fn}: the same value gives the same result in every column (vector loops and the scalar tail agree)`, () => {
        const x = kernels.arena.alloc(dtype, 23); // f32: 16 columns in pairs of vectors, 4 in one, 3 one at a time; f64: 20, 2 and 1
        for (const v of [-3.7, -0.3, 0.01, 0.6, 5.2, 40]) {
          x.fill(v);
          kernels.activateRows(fn, 1, 23, x, 0, 23, x, 0, 23);
          expect(new Set(x).size).toBe(1);
        }
      });
    }
  });
}

describe("WasmKernels.activateRows routing", () => {
  const values = [-30, -2.5, -1e-3, 0, 0.4, 1, 7, 60];

  it("resident Float64Arrays run the f64x2 kernels, strided, in place and not", () => {
    for (const fn of names) {
      const { x, y } = kernels.arena.allocMany("f64", { x: values.length + 2, y: values.length + 3 });
      x.fill(SENTINEL).set(values, 1);
      y.fill(SENTINEL);
      const js = jsCalls();
      kernels.activateRows(fn, 2, 4, x, 1, 4, y, 2, 4);
      kernels.activateRows(fn, 2, 4, x, 1, 4, x, 1, 4);
      expect(jsCalls()).toBe(js);
      expect([x[0], x[9], y[0], y[1], y[10]]).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
      values.forEach((v, k) => {
        const ref = math[fn](v);
        if (!withinTolerance("f64", fn, v, x[k + 1]!, ref) || !withinTolerance("f64", fn, v, y[k + 2]!, ref))
          expect.fail(`${fn}(${v}) = ${x[k + 1]}, ${y[k + 2]}, Math.* gives ${ref}`);
      });
    }
  });

  it("Float64Arrays outside the arena, or a resident one with the other array elsewhere, run the JavaScript kernel: bit-identical to Math.*", () => {
    for (const fn of names) {
      const expected = values.map(math[fn]);
      const plain = Float64Array.from(values);
      const resident = kernels.arena.f64(values.length);
      resident.set(values);
      const out = new Float64Array(values.length);
      const js = jsCalls();
      kernels.activateRows(fn, 2, 4, plain, 0, 4, plain, 0, 4);
      kernels.activateRows(fn, 2, 4, resident, 0, 4, out, 0, 4);
      expect(jsCalls()).toBe(js + 2);
      expect(Array.from(plain)).toEqual(expected); // toEqual on numbers is Object.is: bit-identical
      expect(Array.from(out)).toEqual(expected);
    }
  });

  it("Float32Arrays outside the arena run the JavaScript kernel, without staging", () => {
    for (const fn of names) {
      const x = Float32Array.from(values);
      const y = new Float32Array(values.length);
      const [staged, js] = [kernels.stagedCalls, jsCalls()];
      kernels.activateRows(fn, 1, values.length, x, 0, values.length, y, 0, values.length);
      expect([kernels.stagedCalls, jsCalls()]).toEqual([staged, js + 1]);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(math[fn](v))));
      // A resident input with an output elsewhere: the JavaScript kernel too.
      const xr = kernels.arena.f32(values.length);
      xr.set(values);
      y.fill(0);
      kernels.activateRows(fn, 1, values.length, xr, 0, values.length, y, 0, values.length);
      expect(jsCalls()).toBe(js + 2);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(math[fn](v))));
    }
  });

  it("resident arrays of two element types run the JavaScript kernel", () => {
    const x = kernels.arena.f64(values.length);
    x.set(values);
    const y = kernels.arena.f32(values.length);
    const js = jsCalls();
    kernels.activateRows("tanh", 1, values.length, x, 0, values.length, y, 0, values.length);
    expect(jsCalls()).toBe(js + 1);
    expect(Array.from(y)).toEqual(values.map((v) => Math.fround(Math.tanh(v))));
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
