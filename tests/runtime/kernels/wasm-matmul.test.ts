/**
 * The WebAssembly SIMD products, and the relaxed SIMD ones with fused multiply–adds, against
 * the JavaScript kernels (the reference tier), over shapes that hit every edge of the tiling: sizes of 1, odd sizes,
 * sizes that are not multiples of the tile (2×4 forward, 4×8 / 4×4 adjoint
 * tiles) or the vector width (4 f32, 2 f64), and reductions longer than the
 * adjoints' 128-step block.
 *
 * Tolerance: the tiers sum in different orders (and f32 SIMD rounds every
 * partial sum to float32, where JavaScript sums in double), so the error of an
 * output is bounded relative to the magnitude of its terms, Σ|products| plus
 * the old value when accumulating — the honest scale for a rounded sum.
 */
import { describe, expect, it } from "vitest";
import { enableRelaxedSimd } from "../../../engine/wasm-features.js";
import type { FloatArray } from "../../../runtime/floatArray.js";
import { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../../../runtime/kernels/matmul.js";
import { gatherRowsBatch, scatterRowsBatch } from "../../../runtime/kernels/onehot.js";
import { WasmKernels, type WasmDType } from "../../../runtime/kernels/wasm/index.js";
import { Rng } from "../../../runtime/rng.js";

const SENTINEL = 777;
const tolerance: Record<WasmDType, number> = { f32: 1e-5, f64: 1e-12 };

type Kind = "forward" | "forward+=" | "input" | "weight";
const kinds: Kind[] = ["forward", "forward+=", "input", "weight"];

// Both tiers: the SIMD products, and the relaxed ones (rnnc's processes enable relaxed SIMD in Node 20).
enableRelaxedSimd();
const tiers = [
  { tier: "SIMD", kernels: new WasmKernels() },
  { tier: "relaxed SIMD", kernels: new WasmKernels({ fma: true }) },
] as const;
const kernels = tiers[0].kernels;

/** Operand sizes of a product, in the order (first input, second input, output). */
function sizes(kind: Kind, B: number, M: number, N: number): [number, number, number] {
  switch (kind) {
    case "forward":
    case "forward+=":
      return [B * N, M * N, B * M]; // x, w, y
    case "input":
      return [B * M, M * N, B * N]; // dy, w, dx
    case "weight":
      return [B * M, B * N, M * N]; // dy, x, dw
  }
}

function jsKernel(
  kind: Kind,
  B: number,
  M: number,
  N: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  if (kind === "input") matmulBatchBackwardInput(B, M, N, a, aOff, b, bOff, out, outOff);
  else if (kind === "weight") matmulBatchBackwardWeight(B, M, N, a, aOff, b, bOff, out, outOff);
  else matmulBatch(B, M, N, a, aOff, b, bOff, out, outOff, kind === "forward+=");
}

function wasmKernel(
  kernels: WasmKernels,
  kind: Kind,
  B: number,
  M: number,
  N: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  out: FloatArray,
  outOff: number,
): void {
  if (kind === "input") kernels.matmulBatchBackwardInput(B, M, N, a, aOff, b, bOff, out, outOff);
  else if (kind === "weight") kernels.matmulBatchBackwardWeight(B, M, N, a, aOff, b, bOff, out, outOff);
  else kernels.matmulBatch(B, M, N, a, aOff, b, bOff, out, outOff, kind === "forward+=");
}

function fillRandom(rng: Rng, a: FloatArray, from: number, count: number): void {
  for (let i = from; i < from + count; i++) a[i] = rng.uniform(-1, 1);
}

/**
 * Runs one product on both tiers — wasm operands resident in the arena at the
 * given element offsets, surrounded by sentinels — and checks the outputs agree
 * and nothing outside the output moved.
 */
function compare(
  kernels: WasmKernels,
  dtype: WasmDType,
  kind: Kind,
  B: number,
  M: number,
  N: number,
  seed: number,
  offsets: [number, number, number] = [1, 2, 3],
): void {
  const rng = new Rng(seed);
  const counts = sizes(kind, B, M, N);
  const mark = kernels.arena.mark();
  try {
    const wasm = counts.map((n, i) => kernels.arena.alloc(dtype, offsets[i]! + n + 3).fill(SENTINEL));
    counts.forEach((n, i) => fillRandom(rng, wasm[i]!, offsets[i]!, n));
    const js = wasm.map((a) => Float64Array.from(a)); // the JS reference runs in float64 on the same values
    const abs = js.map((a) => a.map(Math.abs));
    const [a, b, out] = wasm as [FloatArray, FloatArray, FloatArray];
    const [oa, ob, oo] = offsets;
    jsKernel(kind, B, M, N, js[0]!, oa, js[1]!, ob, js[2]!, oo);
    jsKernel(kind, B, M, N, abs[0]!, oa, abs[1]!, ob, abs[2]!, oo); // Σ|terms| (+ |old|) per output
    wasmKernel(kernels, kind, B, M, N, a, oa, b, ob, out, oo);
    const tol = tolerance[dtype];
    for (let i = 0; i < out.length; i++) {
      const inside = i >= oo && i < oo + counts[2];
      if (!inside) {
        if (out[i] !== SENTINEL) expect.fail(`${dtype} ${kind} B=${B} M=${M} N=${N}: wrote outside the output at ${i}`);
        continue;
      }
      // abs ran the same product on |operands|: Σ|terms|, plus |old| when accumulating.
      const bound = tol * Math.max(1, abs[2]![i]!);
      if (!(Math.abs(out[i]! - js[2]![i]!) <= bound)) {
        expect.fail(
          `${dtype} ${kind} B=${B} M=${M} N=${N} at ${i - oo}: wasm ${out[i]}, js ${js[2]![i]} (bound ${bound})`,
        );
      }
    }
    for (const k of [0, 1])
      expect(Array.from(wasm[k]!.subarray(0, offsets[k]))).toEqual(new Array(offsets[k]).fill(SENTINEL));
  } finally {
    kernels.arena.release(mark);
  }
}

describe.each(tiers)("WebAssembly $tier matrix products equal the JavaScript kernels", ({ kernels }) => {
  const small = { B: [1, 2, 3, 5, 8], M: [1, 3, 4, 5, 8, 9, 13], N: [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31] };
  for (const dtype of ["f32", "f64"] as const) {
    for (const kind of kinds) {
      it(`${dtype} ${kind}: every small shape, every tiling remainder`, () => {
        let seed = 1;
        for (const B of small.B)
          for (const M of small.M) for (const N of small.N) compare(kernels, dtype, kind, B, M, N, seed++);
      });

      it(`${dtype} ${kind}: long reductions across the 128-step blocks, unaligned offsets, workload shapes`, () => {
        const shapes: [number, number, number][] = [
          [3, 300, 37], // bwd_x: K = M = 300 crosses two blocks
          [261, 6, 19], // bwd_w: K = B = 261 crosses two blocks
          [129, 129, 129],
          [32, 512, 128], // W1 recurrent product
          [7, 64, 65], // W1 dense input, odd N
          [37, 45, 2], // N < 4: the narrow kernels' passes of 16 rows, of 4, and the last M mod 4 rows
          [9, 38, 3],
          [5, 21, 1],
          [50, 128, 2], // the adding problem's input product (bench/training/adding.rnn)
        ];
        shapes.forEach(([B, M, N], i) =>
          compare(kernels, dtype, kind, B, M, N, 1000 + i, [i % 3, (i + 1) % 5, (2 * i + 1) % 7]),
        );
      });
    }
  }

  it("zero-sized products leave outputs alone, and an overwriting product with N = 0 stores zeros", () => {
    for (const dtype of ["f32", "f64"] as const) {
      const y = kernels.arena.alloc(dtype, 6).fill(5);
      const x = kernels.arena.alloc(dtype, 8);
      kernels.matmulBatch(0, 3, 2, x, 0, x, 0, y, 0, false);
      kernels.matmulBatchBackwardInput(2, 0, 3, x, 0, x, 0, y, 0);
      kernels.matmulBatchBackwardWeight(0, 2, 3, x, 0, x, 0, y, 0);
      expect(Array.from(y)).toEqual([5, 5, 5, 5, 5, 5]);
      kernels.matmulBatch(2, 3, 0, x, 0, x, 0, y, 0, false);
      expect(Array.from(y)).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });
});

/** s + a·b as a kernel's multiply–add rounds it. */
type MultiplyAdd = (s: number, a: number, b: number) => number;

/**
 * dW[M,N] += dY[B,M]ᵀ · X[B,N] summed over b in order, each term added by `madd`: the order the
 * wasm kernel keeps, whatever its tiling, blocking and packing, so its results must equal these
 * bit for bit.
 */
function weightGradientInOrder(
  madd: MultiplyAdd,
  B: number,
  M: number,
  N: number,
  dy: FloatArray,
  dyOff: number,
  x: FloatArray,
  xOff: number,
  dw: FloatArray,
  dwOff: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = dw[dwOff + i * N + j]!;
      for (let b = 0; b < B; b++) s = madd(s, dy[dyOff + b * M + i]!, x[xOff + b * N + j]!);
      dw[dwOff + i * N + j] = s;
    }
  }
}

const bits = new DataView(new ArrayBuffer(8));

/** A finite double as m·2^e exactly, m an integer. */
function exactly(x: number): { m: bigint; e: number } {
  bits.setFloat64(0, x);
  const [hi, lo] = [bits.getUint32(0), bits.getUint32(4)];
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  return { m: hi >>> 31 ? -m : m, e: biased === 0 ? -1074 : biased - 1075 };
}

/** m·2^e rounded once to `precision` significant bits, ties to even (values in the normal range). */
function rounded(m: bigint, e: number, precision: number): number {
  let a = m < 0n ? -m : m;
  const drop = a.toString(2).length - precision;
  if (drop > 0) {
    const q = a >> BigInt(drop);
    const rest = a - (q << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    a = rest > half || (rest === half && (q & 1n) === 1n) ? q + 1n : q;
    e += drop;
  }
  const v = Number(a) * 2 ** e;
  return m < 0n ? -v : v;
}

/** s + a·b computed exactly and rounded once to `precision` bits: a fused multiply–add (24: float32, 53: float64). */
function fusedMultiplyAdd(precision: number): MultiplyAdd {
  return (s, a, b) => {
    const [x, y, z] = [exactly(a), exactly(b), exactly(s)];
    const e = Math.min(x.e + y.e, z.e);
    return rounded(((x.m * y.m) << BigInt(x.e + y.e - e)) + (z.m << BigInt(z.e - e)), e, precision);
  };
}

const roundTo = { f32: Math.fround, f64: (v: number) => v };
const precision = { f32: 24, f64: 53 };

/**
 * Whether the products of `k` fuse their multiply–adds (relaxed SIMD fuses them where the CPU has
 * FMA): c + a·a for a = 1 + 2^-h, c = −(1 + 2^-(h-1)), h = ⌈precision / 2⌉. The product's last term
 * 2^-2h is at most half an ulp of 1, so rounding the product first gives 1 + 2^-(h-1) and a sum of 0,
 * while rounding once keeps it: 2^-2h.
 */
function fuses(k: WasmKernels, dtype: WasmDType): boolean {
  const h = Math.ceil(precision[dtype] / 2);
  const lanes = dtype === "f32" ? 4 : 2; // a whole vector of columns: the vector tiles, not the scalar edge
  const { a, x, dw } = k.arena.allocMany(dtype, { a: 1, x: lanes, dw: lanes });
  a.fill(1 + 2 ** -h);
  x.fill(1 + 2 ** -h);
  dw.fill(-(1 + 2 ** -(h - 1)));
  k.matmulBatchBackwardWeight(1, 1, lanes, a, 0, x, 0, dw, 0);
  return dw[0] !== 0;
}

describe.each(tiers)("the $tier weight gradient keeps the order of the sum over the batch", ({ tier, kernels }) => {
  // Row tiles of 5 and their remainder, column tiles and the scalar columns, reductions across the
  // 128-step blocks, M = 2048 (dY's column at a 4 KiB multiple), unaligned offsets. The fused
  // reference is exact arithmetic in BigInt: the relaxed tier's shapes are kept smaller.
  const common: [number, number, number][] = [
    [1, 1, 1],
    [3, 7, 9],
    [5, 13, 31],
    [261, 6, 19],
    [129, 11, 10],
  ];
  // N < L: the narrow kernel (rows in registers) and combine_w's scalar columns for the last M mod L rows.
  const narrow: [number, number, number][] = [
    [130, 37, 1],
    [33, 45, 2],
  ];
  const shapes: [number, number, number][] =
    tier === "SIMD" ? [...common, ...narrow, [32, 512, 193], [300, 2048, 5]] : [...common, ...narrow, [40, 2048, 3]];
  for (const dtype of ["f32", "f64"] as const) {
    it(`${dtype}: bitwise equal to the in-order sum, resident and staged`, () => {
      const fused = fuses(kernels, dtype);
      // The SIMD tier has no fused multiply–add; the relaxed tier fuses where the CPU can (x86-64 with FMA, ARM64).
      if (tier === "SIMD") expect(fused).toBe(false);
      const round = roundTo[dtype];
      const madd: MultiplyAdd = fused ? fusedMultiplyAdd(precision[dtype]) : (s, a, b) => round(s + round(a * b));
      shapes.forEach(([B, M, N], i) => {
        const rng = new Rng(2000 + i);
        const offsets = [i % 3, (i + 1) % 4, (2 * i + 1) % 5] as const;
        const mark = kernels.arena.mark();
        try {
          // allocMany: the arena grows at most once, before any of these views exists.
          const { dy, x, dw } = kernels.arena.allocMany(dtype, {
            dy: offsets[0] + B * M,
            x: offsets[1] + B * N,
            dw: offsets[2] + M * N,
          });
          [dy, x, dw].forEach((a, k) => fillRandom(rng, a, offsets[k]!, a.length - offsets[k]!));
          const expected = dw.slice();
          weightGradientInOrder(madd, B, M, N, dy, offsets[0], x, offsets[1], expected, offsets[2]);
          const staged = dw.slice(); // an ordinary typed array: runs in the staging memory
          kernels.matmulBatchBackwardWeight(B, M, N, dy, offsets[0], x, offsets[1], dw, offsets[2]);
          kernels.matmulBatchBackwardWeight(B, M, N, dy, offsets[0], x, offsets[1], staged, offsets[2]);
          // toEqual on numbers is Object.is: bit-identical.
          expect(Array.from(dw), `${dtype} B=${B} M=${M} N=${N}`).toEqual(Array.from(expected));
          expect(Array.from(staged), `${dtype} B=${B} M=${M} N=${N}, staged`).toEqual(Array.from(expected));
        } finally {
          kernels.arena.release(mark);
        }
      });
    });
  }

  if (tier === "relaxed SIMD")
    it("fuses its multiply–adds on this machine's x86-64 with FMA (the point of the tier)", () => {
      expect([fuses(kernels, "f32"), fuses(kernels, "f64")]).toEqual([true, true]);
    });
});

describe("staged operands (outside the arena)", () => {
  it("gives the same results on ordinary typed arrays, including mixed element types, and counts the copies", () => {
    const rng = new Rng(7);
    const [B, M, N] = [5, 9, 11];
    const x = new Float64Array(2 + B * N);
    const w = new Float32Array(M * N);
    fillRandom(rng, x, 2, B * N);
    fillRandom(rng, w, 0, M * N);
    const y = new Float32Array(B * M + 1).fill(SENTINEL);
    const expected = Float64Array.from(y);
    matmulBatch(B, M, N, Float32Array.from(x), 2, w, 0, expected, 1, false);
    const before = kernels.stagedCalls;
    kernels.matmulBatch(B, M, N, x, 2, w, 0, y, 1, false);
    expect(kernels.stagedCalls).toBe(before + 1);
    expect(y[0]).toBe(SENTINEL);
    for (let i = 1; i < y.length; i++) expect(Math.abs(y[i]! - expected[i]!)).toBeLessThan(1e-5 * N);

    // Accumulating adjoints read the old output through the copy.
    const dx = new Float64Array(B * N).fill(1);
    const ref = Float64Array.from(dx);
    const dy = Float64Array.from({ length: B * M }, () => rng.uniform(-1, 1));
    const w64 = Float64Array.from(w);
    matmulBatchBackwardInput(B, M, N, dy, 0, w64, 0, ref, 0);
    kernels.matmulBatchBackwardInput(B, M, N, dy, 0, w64, 0, dx, 0);
    for (let i = 0; i < dx.length; i++) expect(Math.abs(dx[i]! - ref[i]!)).toBeLessThan(1e-12 * M);
  });

  it("rejects operands that do not fit their arrays instead of touching neighbouring memory", () => {
    const x = kernels.arena.f32(6);
    const w = kernels.arena.f32(6);
    const y = kernels.arena.f32(4);
    expect(() => kernels.matmulBatch(2, 2, 3, x, 1, w, 0, y, 0, false)).toThrow(RangeError);
    expect(() => kernels.matmulBatchBackwardWeight(2, 2, 3, y, 0, x, 0, w, 1)).toThrow(RangeError);
    expect(() => kernels.matmulBatch(2.5, 2, 3, x, 0, w, 0, y, 0, false)).toThrow(RangeError);
  });
});

describe("scatterRowsBatch (a one-hot input's weight gradient)", () => {
  for (const dtype of ["f32", "f64"] as const)
    it(`${dtype}: adds each row at its id's row bit for bit as the JavaScript loop, skipping padded ids`, () => {
      const rng = new Rng(11);
      // M = 1…13 covers whole vectors, the scalar edge and rows of less than a vector; ids repeat and pad.
      for (let M = 1; M <= 13; M++) {
        const [B, N] = [9, 4];
        const ids = Int32Array.from({ length: B + 2 }, () => rng.int(N + 1) - 1);
        const { dy, dwt } = kernels.arena.allocMany(dtype, { dy: 3 + B * M, dwt: 2 + N * M + 1 });
        fillRandom(rng, dy, 0, dy.length);
        fillRandom(rng, dwt, 0, dwt.length);
        const expected = dtype === "f32" ? Float32Array.from(dwt) : Float64Array.from(dwt);
        scatterRowsBatch(B, M, N, Float64Array.from(dy), 3, ids, 2, expected, 2);
        kernels.scatterRowsBatch(B, M, N, dy, 3, ids, 2, dwt, 2);
        expect(Array.from(dwt), `M = ${M}`).toEqual(Array.from(expected));
      }
    });

  it("runs the JavaScript loop on arrays outside the arena, and refuses what does not fit or is no id", () => {
    const dy = Float64Array.of(1, 2, 3, 4);
    const dwt = new Float64Array(6);
    kernels.scatterRowsBatch(2, 2, 3, dy, 0, Int32Array.of(2, 2), 0, dwt, 0);
    expect(Array.from(dwt)).toEqual([0, 0, 0, 0, 4, 6]);
    const { a, b } = kernels.arena.allocMany("f32", { a: 4, b: 6 });
    expect(() => kernels.scatterRowsBatch(2, 2, 3, a, 1, Int32Array.of(0, 1), 0, b, 0)).toThrow(RangeError);
    expect(() => kernels.scatterRowsBatch(2, 2, 3, a, 0, Int32Array.of(0, 3), 0, b, 0)).toThrow(/one-hot id 3/);
    expect(Array.from(b)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe("gatherRowsBatch (a one-hot input's product)", () => {
  for (const dtype of ["f32", "f64"] as const)
    it(`${dtype}: copies each id's row bit for bit as the JavaScript kernel, zeroes padded rows, writes nothing else`, () => {
      const rng = new Rng(12);
      for (const accumulate of [false, true])
        for (let M = 1; M <= 13; M++) {
          const [B, N] = [9, 4];
          const ids = Int32Array.from({ length: B + 2 }, () => rng.int(N + 1) - 1);
          const { wt, y } = kernels.arena.allocMany(dtype, { wt: 2 + N * M + 1, y: 3 + B * M + 2 });
          fillRandom(rng, wt, 0, wt.length);
          fillRandom(rng, y, 0, y.length);
          const expected = dtype === "f32" ? Float32Array.from(y) : Float64Array.from(y);
          gatherRowsBatch(B, M, N, ids, 2, Float64Array.from(wt), 2, expected, 3, accumulate);
          kernels.gatherRowsBatch(B, M, N, ids, 2, wt, 2, y, 3, accumulate);
          expect(Array.from(y), `M = ${M}, accumulate ${accumulate}`).toEqual(Array.from(expected));
        }
    });

  it("runs the JavaScript kernel on arrays outside the arena, and refuses what does not fit or is no id", () => {
    const wt = Float64Array.of(1, 2, 3, 4, 5, 6);
    const y = new Float64Array(4);
    kernels.gatherRowsBatch(2, 2, 3, Int32Array.of(2, 0), 0, wt, 0, y, 0, false);
    expect(Array.from(y)).toEqual([5, 6, 1, 2]);
    const { a, b } = kernels.arena.allocMany("f32", { a: 6, b: 4 });
    expect(() => kernels.gatherRowsBatch(2, 2, 3, Int32Array.of(0, 1), 0, a, 1, b, 0, false)).toThrow(RangeError);
    expect(() => kernels.gatherRowsBatch(2, 2, 3, Int32Array.of(0, 3), 0, a, 0, b, 0, false)).toThrow(/one-hot id 3/);
  });
});
