/**
 * The row kernels of attention as WebAssembly functions of a generated module (compiler/codegen/wasm/row-kernels.ts):
 * sumRows adds in the JavaScript kernel's order, so in float64 it gives the kernel's bits, and in float32 agrees to
 * float32 rounding; repeatRows copies. Widths with and without a tail (K mod 4), several rows, rows at an offset.
 */
import { describe, expect, it } from "vitest";
import { encodeModule } from "../../compiler/codegen/wasm/encode.js";
import { repeatRowsFunction, sumRowsFunction } from "../../compiler/codegen/wasm/row-kernels.js";
import type { FloatType } from "../../compiler/codegen/wasm/emit-loop.js";
import { repeatRows, sumRows } from "../../runtime/kernels/steps.js";

type Kernel = (rows: number, x: number, y: number) => void;

/** The function made by `make` for width K, on a fresh memory, with views of the memory as `type`. */
function instantiate(make: typeof sumRowsFunction, K: number, type: FloatType) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bytes = encodeModule([make("f0", K, type)]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const view = type === "f32" ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
  return { f: instance.exports.f0 as Kernel, view, bytes: type === "f32" ? 4 : 8 };
}

/** Numbers of mixed signs and magnitudes, so that the order of additions shows in the last bits. */
function values(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(seed + i * 1.7) * 10 ** ((i % 7) - 3));
}

describe.each(["f64", "f32"] as const)("row kernels, %s", (type) => {
  it.each([1, 3, 4, 6, 128, 130])("sumRows, K = %i: the JavaScript kernel's sums", (K) => {
    const rows = 5;
    const { f, view, bytes } = instantiate(sumRowsFunction, K, type);
    const x = values(rows * K, K);
    // x at element 8, y after it: rows at an offset, not at address 0.
    const xAt = 8;
    const yAt = xAt + rows * K + 3;
    view.set(x, xAt);
    f(rows, xAt * bytes, yAt * bytes);
    const expected = type === "f32" ? new Float32Array(rows) : new Float64Array(rows);
    sumRows(rows, K, type === "f32" ? Float32Array.from(x) : Float64Array.from(x), 0, expected, 0);
    const got = Array.from(view.subarray(yAt, yAt + rows));
    if (type === "f64") expect(got).toEqual(Array.from(expected));
    else {
      // float32 rounding of each addition: a few ulps of the row's magnitude.
      got.forEach((v, r) => {
        const magnitude = x.slice(r * K, (r + 1) * K).reduce((m, a) => m + Math.abs(a), 0);
        expect(Math.abs(v - expected[r]!)).toBeLessThanOrEqual(K * 2 ** -23 * magnitude);
      });
    }
    // Nothing past the rows written.
    expect(view[yAt + rows]).toBe(0);
  });

  it.each([1, 4, 6, 128])("repeatRows, K = %i: each number copied across its row", (K) => {
    const rows = 4;
    const { f, view, bytes } = instantiate(repeatRowsFunction, K, type);
    const x = values(rows, K);
    const xAt = 2;
    const yAt = 16;
    view.set(x, xAt);
    f(rows, xAt * bytes, yAt * bytes);
    const expected = type === "f32" ? new Float32Array(rows * K) : new Float64Array(rows * K);
    repeatRows(rows, K, type === "f32" ? Float32Array.from(x) : Float64Array.from(x), 0, expected, 0);
    expect(Array.from(view.subarray(yAt, yAt + rows * K))).toEqual(Array.from(expected));
    expect(view[yAt + rows * K]).toBe(0);
  });
});
