/**
 * The WebAssembly SIMD tier of the batched matrix products, with exactly the
 * signatures of the JavaScript kernels in ../matmul.ts, so generated code can
 * call either tier the same way:
 *
 *     const { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } = kernels;
 *
 * Element type: taken from the output array (Float32Array → f32x4 kernels,
 * Float64Array → f64x2 kernels).
 *
 * Where the operands live decides the cost:
 *   - resident: every operand is a view into this instance's arena (same
 *     memory, same element type as the output). The kernel runs on them in
 *     place; the wrapper only turns (array, offset) into byte addresses.
 *   - staged: any operand elsewhere (an ordinary typed array, another
 *     element type). All operands are copied into a private staging memory,
 *     the kernel runs there, and the output is copied back. Correct, but the
 *     copies cost about as much as a small product: it is the convenience
 *     path for tests and one-off calls, counted in `stagedCalls`.
 *
 * Unlike the JavaScript kernels, the wrapper checks every operand's extent
 * against its array: in wasm memory an overrun would silently read or
 * overwrite a neighbouring array instead of reading `undefined`.
 *
 * The activations (`activateRows`: sigmoid, tanh, exp over a strided block of
 * rows) run in wasm when x and y are both resident in the arena, of one element
 * type: f32x4 approximations for Float32Arrays, and for Float64Arrays fdlibm's
 * exp and tanh on f64x2, the routines of V8's Math.exp and Math.tanh, whose
 * results they reproduce bit for bit on x86-64 (docs/kernels.md#activations;
 * float64 modules are compared to the interpreter to 1e-12). Every other call
 * runs the JavaScript kernel in place, without staging: the copies would cost
 * more than the kernel saves.
 */
import type { FloatArray } from "../../floatArray.js";
import { activateRows, type ActivationName } from "../activate-rows.js";
import { WasmArena, type WasmArenaOptions, type WasmFloatArray } from "./arena.js";
import { instantiateKernels, type KernelExports } from "./module.js";

/** The three batched products and the row activations, as both tiers provide them (same arguments as ../matmul.ts and ../activate-rows.ts). */
export interface MatmulKernels {
  /** Y[B,M] (= or +=) X[B,N] · Wᵀ for W row-major [M,N]. */
  matmulBatch(B: number, M: number, N: number, x: FloatArray, xOff: number, w: FloatArray, wOff: number, y: FloatArray, yOff: number, accumulate: boolean): void;
  /** dX[B,N] += dY[B,M] · W for W row-major [M,N]. */
  matmulBatchBackwardInput(B: number, M: number, N: number, dy: FloatArray, dyOff: number, w: FloatArray, wOff: number, dx: FloatArray, dxOff: number): void;
  /** dW[M,N] += dY[B,M]ᵀ · X[B,N]. */
  matmulBatchBackwardWeight(B: number, M: number, N: number, dy: FloatArray, dyOff: number, x: FloatArray, xOff: number, dw: FloatArray, dwOff: number): void;
  /** y[yOff + r·yStride + i] = f(x[xOff + r·xStride + i]) for r < rows, i < width; in place when x === y with the same offsets and strides. */
  activateRows(fn: ActivationName, rows: number, width: number, x: FloatArray, xOff: number, xStride: number, y: FloatArray, yOff: number, yStride: number): void;
}

/** A row-activation kernel of the module: (rows, width, x, xs, y, ys), byte addresses, strides in elements. */
type RowsKernel = KernelExports["f32_exp_rows"];

/** One operand of a call: array, element offset and element count. */
type Operand = [a: FloatArray, off: number, count: number];

function isSize(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0x7fffffff;
}

function checkSizes(B: number, M: number, N: number): void {
  // No arrays here: this runs on every call, once per time step.
  if (!(isSize(B) && isSize(M) && isSize(N))) throw new RangeError(`B, M, N = ${B}, ${M}, ${N} are not sizes`);
}

function checkExtent(name: string, a: FloatArray, off: number, count: number): void {
  if (!(Number.isInteger(off) && off >= 0 && off + count <= a.length)) {
    const detached = a.length === 0 && a.buffer.byteLength === 0;
    throw new RangeError(
      detached
        ? `${name} is a detached view: the wasm memory grew after it was made (see WasmArena)`
        : `${name}: ${count} elements at offset ${off} do not fit in an array of ${a.length}`,
    );
  }
}

export class WasmKernels implements MatmulKernels {
  /** Where resident operands live: allocate parameters, gradients and workspaces here. */
  readonly arena: WasmArena;
  /** Calls that had to copy their operands (see the module note). */
  stagedCalls = 0;
  private readonly k: KernelExports;
  /** The row-activation kernels by name: [float32, float64]. */
  private readonly rowKernels: Readonly<Record<ActivationName, readonly [f32: RowsKernel, f64: RowsKernel]>>;
  private staging: { arena: WasmArena; k: KernelExports } | undefined;

  constructor(options: WasmArenaOptions = {}) {
    this.arena = new WasmArena(options);
    const k = (this.k = instantiateKernels(this.arena.memory));
    this.rowKernels = {
      sigmoid: [k.f32_sigmoid_rows, k.f64_sigmoid_rows],
      tanh: [k.f32_tanh_rows, k.f64_tanh_rows],
      exp: [k.f32_exp_rows, k.f64_exp_rows],
    };
  }

  /** Whether a, b and c can be used in place: views into the arena, of one element type. */
  private resident(a: FloatArray, b: FloatArray, c: FloatArray): boolean {
    const buffer = this.arena.memory.buffer;
    return (
      a.buffer === buffer &&
      b.buffer === buffer &&
      c.buffer === buffer &&
      a.BYTES_PER_ELEMENT === c.BYTES_PER_ELEMENT &&
      b.BYTES_PER_ELEMENT === c.BYTES_PER_ELEMENT
    );
  }

  // Arrow-function properties, so `const { matmulBatch } = kernels` works like the JS module's
  // exports. The resident path allocates nothing: these run once per time step.

  matmulBatch = (B: number, M: number, N: number, x: FloatArray, xOff: number, w: FloatArray, wOff: number, y: FloatArray, yOff: number, accumulate: boolean): void => {
    checkSizes(B, M, N);
    checkExtent("x", x, xOff, B * N);
    checkExtent("w", w, wOff, M * N);
    checkExtent("y", y, yOff, B * M);
    const acc = accumulate ? 1 : 0;
    if (this.resident(x, w, y)) {
      const s = y.BYTES_PER_ELEMENT;
      const f = s === 4 ? this.k.f32_matmul : this.k.f64_matmul;
      f(B, M, N, x.byteOffset + xOff * s, w.byteOffset + wOff * s, y.byteOffset + yOff * s, acc);
      return;
    }
    const ops: Operand[] = [
      [x, xOff, B * N],
      [w, wOff, M * N],
      [y, yOff, B * M],
    ];
    this.staged(ops, accumulate, (k, f32, [xa, wa, ya]) => (f32 ? k.f32_matmul : k.f64_matmul)(B, M, N, xa!, wa!, ya!, acc));
  };

  matmulBatchBackwardInput = (B: number, M: number, N: number, dy: FloatArray, dyOff: number, w: FloatArray, wOff: number, dx: FloatArray, dxOff: number): void => {
    checkSizes(B, M, N);
    checkExtent("dy", dy, dyOff, B * M);
    checkExtent("w", w, wOff, M * N);
    checkExtent("dx", dx, dxOff, B * N);
    if (this.resident(dy, w, dx)) {
      const s = dx.BYTES_PER_ELEMENT;
      const f = s === 4 ? this.k.f32_matmul_bwd_x : this.k.f64_matmul_bwd_x;
      f(B, M, N, dy.byteOffset + dyOff * s, w.byteOffset + wOff * s, dx.byteOffset + dxOff * s);
      return;
    }
    const ops: Operand[] = [
      [dy, dyOff, B * M],
      [w, wOff, M * N],
      [dx, dxOff, B * N],
    ];
    this.staged(ops, true, (k, f32, [dya, wa, dxa]) => (f32 ? k.f32_matmul_bwd_x : k.f64_matmul_bwd_x)(B, M, N, dya!, wa!, dxa!));
  };

  matmulBatchBackwardWeight = (B: number, M: number, N: number, dy: FloatArray, dyOff: number, x: FloatArray, xOff: number, dw: FloatArray, dwOff: number): void => {
    checkSizes(B, M, N);
    checkExtent("dy", dy, dyOff, B * M);
    checkExtent("x", x, xOff, B * N);
    checkExtent("dw", dw, dwOff, M * N);
    if (this.resident(dy, x, dw)) {
      const s = dw.BYTES_PER_ELEMENT;
      const f = s === 4 ? this.k.f32_matmul_bwd_w : this.k.f64_matmul_bwd_w;
      f(B, M, N, dy.byteOffset + dyOff * s, x.byteOffset + xOff * s, dw.byteOffset + dwOff * s);
      return;
    }
    const ops: Operand[] = [
      [dy, dyOff, B * M],
      [x, xOff, B * N],
      [dw, dwOff, M * N],
    ];
    this.staged(ops, true, (k, f32, [dya, xa, dwa]) => (f32 ? k.f32_matmul_bwd_w : k.f64_matmul_bwd_w)(B, M, N, dya!, xa!, dwa!));
  };

  activateRows = (fn: ActivationName, rows: number, width: number, x: FloatArray, xOff: number, xStride: number, y: FloatArray, yOff: number, yStride: number): void => {
    if (!(isSize(rows) && isSize(width) && isSize(xStride) && isSize(yStride))) {
      throw new RangeError(`rows, width, xStride, yStride = ${rows}, ${width}, ${xStride}, ${yStride} are not sizes`);
    }
    // Elements from the first of the block to past its last (none when it is empty).
    const span = (stride: number) => (rows === 0 || width === 0 ? 0 : (rows - 1) * stride + width);
    checkExtent("x", x, xOff, span(xStride));
    checkExtent("y", y, yOff, span(yStride));
    const buffer = this.arena.memory.buffer;
    const s = x.BYTES_PER_ELEMENT;
    if (x.buffer === buffer && y.buffer === buffer && y.BYTES_PER_ELEMENT === s && Object.hasOwn(this.rowKernels, fn)) {
      this.rowKernels[fn][s === 4 ? 0 : 1](rows, width, x.byteOffset + xOff * s, xStride, y.byteOffset + yOff * s, yStride);
      return;
    }
    activateRows(fn, rows, width, x, xOff, xStride, y, yOff, yStride); // not resident, mixed element types, or an unknown name (throws)
  };

  /**
   * Copies `ops` (the last one is the output) into the private staging
   * memory, calls `kernel` with their byte addresses there, and copies the
   * output back. `readOutput`: whether the kernel reads the output's old
   * values (accumulating). The staging memory is separate from the arena so
   * that its growth never detaches the caller's views.
   */
  private staged(ops: Operand[], readOutput: boolean, kernel: (k: KernelExports, f32: boolean, addresses: number[]) => void): void {
    this.stagedCalls++;
    const f32 = ops[ops.length - 1]![0] instanceof Float32Array;
    const dtype = f32 ? "f32" : "f64";
    const staging = (this.staging ??= (() => {
      const arena = new WasmArena({ initialBytes: 1 << 16 });
      return { arena, k: instantiateKernels(arena.memory) };
    })());
    const mark = staging.arena.mark();
    try {
      // Size everything first: one growth at most, before any staging view exists.
      staging.arena.reserve(ops.reduce((sum, [, , count]) => sum + WasmArena.bytes(dtype, count), 0));
      const copies: WasmFloatArray[] = ops.map(([a, off, count], i) => {
        const copy = staging.arena.alloc(dtype, count);
        if (i < ops.length - 1 || readOutput) copy.set(a.subarray(off, off + count));
        return copy;
      });
      kernel(
        staging.k,
        f32,
        copies.map((c) => c.byteOffset),
      );
      const [out, off] = ops[ops.length - 1]!;
      out.set(copies[copies.length - 1]!, off);
    } finally {
      staging.arena.release(mark);
    }
  }
}
