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
import { crossEntropyFromLogits, crossEntropyFromMaxExpSums } from "../losses.js";
import { checkedId, gatherRowsBatch, PAD_ID, scatterRowsBatch } from "../onehot.js";
import { softmaxRows } from "../softmax.js";
import type { MatmulKernels } from "../kernel-set.js";
import { WasmArena, type WasmArenaOptions, type WasmFloatArray } from "./arena.js";
import { instantiateKernels, instantiateRelaxedKernels, SCRATCH_BYTES, type KernelExports } from "./module.js";

/** A row-activation kernel of the module: (rows, width, x, xs, y, ys), byte addresses, strides in elements. */
type RowsKernel = KernelExports["f32_exp_rows"];
/** The softmax of contiguous rows, or their maxima and sums of exponentials: (rows, width, x, y), byte addresses. */
type ExpRowsKernel = KernelExports["f32_softmax_rows"];

/**
 * Rows whose (maximum, Σ exp) pairs fit in the scratch (bwd_w's, which only uses it during its own call): a call
 * of the cross-entropy over more rows runs the JavaScript kernel. The generated passes score B rows a call.
 */
const MAX_EXP_SUMS_ROWS = Math.floor(SCRATCH_BYTES / 16);

/**
 * A product kernel of one instance: (B, M, N, byte addresses of the two inputs and the
 * output, acc), acc read by the forward product only.
 */
type ProductKernel = (B: number, M: number, N: number, a: number, b: number, c: number, acc: number) => void;
type Product = "forward" | "input" | "weight";

/** The products of one instance of the kernel module, by name: [float32, float64]. */
type Products = Readonly<Record<Product, readonly [f32: ProductKernel, f64: ProductKernel]>>;

/** One operand of a call: array, element offset and element count. */
type Operand = [a: FloatArray, off: number, count: number];

/** Where a view into the arena lies: bytes per element and byte address of its first element. */
interface Placement {
  size: number;
  at: number;
}

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

/** Elements of a block of rows from its first to past its last (none when it is empty). */
function span(rows: number, width: number, stride: number): number {
  return rows === 0 || width === 0 ? 0 : (rows - 1) * stride + width;
}

export interface WasmKernelOptions extends WasmArenaOptions {
  /** The products of the relaxed SIMD module, with fused multiply–adds (throws where relaxedSimdSupported() is false). */
  fma?: boolean;
}

/**
 * The kernel module instantiated on `arena`'s memory, and its products (the relaxed
 * module's with `fma`). bwd_w's scratch (SCRATCH_BYTES, where it packs its coefficients)
 * is allocated in the arena for good, before the arena hands out any other view, so even
 * a growth here detaches nothing.
 */
function instantiate(arena: WasmArena, fma: boolean): { k: KernelExports; products: Products; scratch: number } {
  const k = instantiateKernels(arena.memory);
  const p = fma ? instantiateRelaxedKernels(arena.memory) : k;
  const scratch = arena.alloc("f64", SCRATCH_BYTES / 8).byteOffset;
  const products: Products = {
    forward: [p.f32_matmul, p.f64_matmul],
    input: [p.f32_matmul_bwd_x, p.f64_matmul_bwd_x],
    weight: [
      (B, M, N, dy, x, dw) => p.f32_matmul_bwd_w(B, M, N, dy, x, dw, scratch),
      (B, M, N, dy, x, dw) => p.f64_matmul_bwd_w(B, M, N, dy, x, dw, scratch),
    ],
  };
  return { k, products, scratch };
}

export class WasmKernels implements MatmulKernels {
  /** Where resident operands live: allocate parameters, gradients and workspaces here. */
  readonly arena: WasmArena;
  /** Whether the products fuse their multiply–adds (the relaxed SIMD module). */
  readonly fma: boolean;
  /** Calls that had to copy their operands (see the module note). */
  stagedCalls = 0;
  private readonly products: Products;
  /** The row-activation kernels by name: [float32, float64]. A Map: a lookup by a name that is no activation finds nothing. */
  private readonly rowKernels: ReadonlyMap<string, readonly [f32: RowsKernel, f64: RowsKernel]>;
  /** Y += X over rows: [float32, float64]. */
  private readonly addRows: readonly [f32: RowsKernel, f64: RowsKernel];
  /** Y = softmax(X) over rows: [float32, float64]. */
  private readonly softmax: readonly [f32: ExpRowsKernel, f64: ExpRowsKernel];
  /** Each row's maximum and Σ exp(x − max), as float64 pairs: [float32, float64]. */
  private readonly maxExpSums: readonly [f32: ExpRowsKernel, f64: ExpRowsKernel];
  /** Where maxExpSums writes (the scratch), and a view of it, made again after a growth detaches it. */
  private readonly sumsAt: number;
  private sums: Float64Array;
  /** The arena's bytes, for copies between its arrays; made again after a growth detaches it. */
  private bytes: Uint8Array;
  private staging: { arena: WasmArena; products: Products } | undefined;
  /**
   * Where each array seen so far lies: its placement in the arena, or null when it lies
   * elsewhere. A typed array's `buffer`, `byteOffset` and `BYTES_PER_ELEMENT`, and the
   * memory's `buffer`, are slow to read (together about 100 ns a call, a large share of a
   * B = 1 product), and none of them changes for a given view (see `place`).
   */
  private readonly placements = new WeakMap<FloatArray, Placement | null>();

  constructor(options: WasmKernelOptions = {}) {
    this.arena = new WasmArena(options);
    this.fma = options.fma ?? false;
    const { k, products, scratch } = instantiate(this.arena, this.fma);
    this.products = products;
    this.rowKernels = new Map([
      ["sigmoid", [k.f32_sigmoid_rows, k.f64_sigmoid_rows]],
      ["tanh", [k.f32_tanh_rows, k.f64_tanh_rows]],
      ["exp", [k.f32_exp_rows, k.f64_exp_rows]],
    ]);
    this.addRows = [k.f32_add_rows, k.f64_add_rows];
    this.softmax = [k.f32_softmax_rows, k.f64_softmax_rows];
    this.maxExpSums = [k.f32_max_exp_sums, k.f64_max_exp_sums];
    this.sumsAt = scratch;
    this.sums = new Float64Array(this.arena.memory.buffer, scratch, 2 * MAX_EXP_SUMS_ROWS);
    this.bytes = new Uint8Array(this.arena.memory.buffer);
  }

  /**
   * Where `a` lies in the arena, or null when it is an array elsewhere; looked up once
   * per array. A view detached by a growth keeps its placement, but it has length 0, so
   * the extent checks, which run first, reject it unless it is used for 0 elements, which
   * the kernels never touch.
   */
  private place(a: FloatArray): Placement | null {
    let p = this.placements.get(a);
    if (p === undefined) {
      p = a.buffer === this.arena.memory.buffer ? { size: a.BYTES_PER_ELEMENT, at: a.byteOffset } : null;
      this.placements.set(a, p);
    }
    return p;
  }

  // Arrow-function properties, so `const { matmulBatch } = kernels` works like the JS module's
  // exports. The resident path allocates nothing: these run once per time step.

  matmulBatch = (
    B: number,
    M: number,
    N: number,
    x: FloatArray,
    xOff: number,
    w: FloatArray,
    wOff: number,
    y: FloatArray,
    yOff: number,
    accumulate: boolean,
  ): void => {
    checkSizes(B, M, N);
    checkExtent("x", x, xOff, B * N);
    checkExtent("w", w, wOff, M * N);
    checkExtent("y", y, yOff, B * M);
    this.product("forward", B, M, N, x, xOff, B * N, w, wOff, M * N, y, yOff, B * M, accumulate);
  };

  matmulBatchBackwardInput = (
    B: number,
    M: number,
    N: number,
    dy: FloatArray,
    dyOff: number,
    w: FloatArray,
    wOff: number,
    dx: FloatArray,
    dxOff: number,
  ): void => {
    checkSizes(B, M, N);
    checkExtent("dy", dy, dyOff, B * M);
    checkExtent("w", w, wOff, M * N);
    checkExtent("dx", dx, dxOff, B * N);
    this.product("input", B, M, N, dy, dyOff, B * M, w, wOff, M * N, dx, dxOff, B * N, true);
  };

  matmulBatchBackwardWeight = (
    B: number,
    M: number,
    N: number,
    dy: FloatArray,
    dyOff: number,
    x: FloatArray,
    xOff: number,
    dw: FloatArray,
    dwOff: number,
  ): void => {
    checkSizes(B, M, N);
    checkExtent("dy", dy, dyOff, B * M);
    checkExtent("x", x, xOff, B * N);
    checkExtent("dw", dw, dwOff, M * N);
    this.product("weight", B, M, N, dy, dyOff, B * M, x, xOff, B * N, dw, dwOff, M * N, true);
  };

  activateRows = (
    fn: ActivationName,
    rows: number,
    width: number,
    x: FloatArray,
    xOff: number,
    xStride: number,
    y: FloatArray,
    yOff: number,
    yStride: number,
  ): void => {
    if (!(isSize(rows) && isSize(width) && isSize(xStride) && isSize(yStride))) {
      throw new RangeError(`rows, width, xStride, yStride = ${rows}, ${width}, ${xStride}, ${yStride} are not sizes`);
    }
    checkExtent("x", x, xOff, span(rows, width, xStride));
    checkExtent("y", y, yOff, span(rows, width, yStride));
    const px = this.place(x);
    const py = this.place(y);
    const kernels = this.rowKernels.get(fn);
    if (px !== null && py !== null && px.size === py.size && kernels !== undefined) {
      const s = px.size;
      kernels[s === 4 ? 0 : 1](rows, width, px.at + xOff * s, xStride, py.at + yOff * s, yStride);
      return;
    }
    activateRows(fn, rows, width, x, xOff, xStride, y, yOff, yStride); // not resident, mixed element types, or an unknown name (throws)
  };

  /**
   * y[b,:] = softmax(x[b,:]) in wasm when x and y are resident, of one element type: the maximum, the exponentials
   * (the activations' exp) and the normalisation of a row in one call, where the JavaScript kernel took about 0.5 µs
   * a row of 65 (W1's 1,600 rows were 4% of its forward and backward pass). Float64 gives the JavaScript
   * kernel's bits; float32 computes in float32.
   */
  softmaxRows = (B: number, K: number, x: FloatArray, xOff: number, y: FloatArray, yOff: number): void => {
    checkSizes(B, K, 0);
    checkExtent("x", x, xOff, B * K);
    checkExtent("y", y, yOff, B * K);
    const px = this.place(x);
    const py = this.place(y);
    if (px === null || py === null || px.size !== py.size) {
      softmaxRows(B, K, x, xOff, y, yOff);
      return;
    }
    const s = px.size;
    this.softmax[s === 4 ? 0 : 1](B, K, px.at + xOff * s, py.at + yOff * s);
  };

  /**
   * Σ_b w_b · (−log softmax(z_b)[y_b]) (../losses.ts): each row's maximum and Σ exp(z − max) in wasm when the logits
   * are resident (the JavaScript kernel's Math.exp took about 4 ns an element: W1's 104,000 were 2% of its forward
   * and backward pass), then the target's logit and a log a row in JavaScript. Float64 gives the JavaScript kernel's
   * bits; float32 sums its exponentials in float64.
   */
  crossEntropyFromLogits = (
    B: number,
    K: number,
    logits: FloatArray,
    logitsOff: number,
    targets: Int32Array,
    targetsOff: number,
    weights: FloatArray | null,
    weightsOff: number,
    rowLoss: FloatArray | null,
    rowLossOff: number,
  ): number => {
    const p = this.place(logits);
    if (p === null || B > MAX_EXP_SUMS_ROWS) {
      return crossEntropyFromLogits(
        B,
        K,
        logits,
        logitsOff,
        targets,
        targetsOff,
        weights,
        weightsOff,
        rowLoss,
        rowLossOff,
      );
    }
    checkSizes(B, K, 0);
    checkExtent("logits", logits, logitsOff, B * K);
    if (this.sums.length === 0)
      this.sums = new Float64Array(this.arena.memory.buffer, this.sumsAt, 2 * MAX_EXP_SUMS_ROWS);
    this.maxExpSums[p.size === 4 ? 0 : 1](B, K, p.at + logitsOff * p.size, this.sumsAt);
    return crossEntropyFromMaxExpSums(
      B,
      K,
      logits,
      logitsOff,
      targets,
      targetsOff,
      weights,
      weightsOff,
      rowLoss,
      rowLossOff,
      this.sums,
    );
  };

  /**
   * Y[b, :] = Wt[ids[b], :]: each row one copyWithin of the arena's bytes (a memmove) when Wt and Y are resident, of one
   * element type, where the JavaScript kernel made a subarray of Wt a row (W1's 1,600 rows of 512 took about 0.3 ms
   * of its 22). Accumulating, or with arrays elsewhere, the JavaScript kernel.
   */
  gatherRowsBatch = (
    B: number,
    M: number,
    N: number,
    ids: Int32Array,
    idsOff: number,
    wt: FloatArray,
    wtOff: number,
    y: FloatArray,
    yOff: number,
    accumulate: boolean,
  ): void => {
    checkSizes(B, M, N);
    const pw = this.place(wt);
    const py = this.place(y);
    if (accumulate || pw === null || py === null || pw.size !== py.size) {
      gatherRowsBatch(B, M, N, ids, idsOff, wt, wtOff, y, yOff, accumulate);
      return;
    }
    checkExtent("wt", wt, wtOff, N * M);
    checkExtent("y", y, yOff, B * M);
    if (this.bytes.length === 0) this.bytes = new Uint8Array(this.arena.memory.buffer);
    const s = pw.size;
    const rowBytes = M * s;
    for (let b = 0; b < B; b++) {
      const id = checkedId(ids[idsOff + b]!, N, b);
      const to = py.at + (yOff + b * M) * s;
      if (id === PAD_ID) this.bytes.fill(0, to, to + rowBytes);
      else this.bytes.copyWithin(to, pw.at + (wtOff + id * M) * s, pw.at + (wtOff + id * M) * s + rowBytes);
    }
  };

  /**
   * dWt[ids[b], :] += dY[b, :]: each row added in wasm (one call a row) when dY and dWt are resident, of one
   * element type; the JavaScript loop, which converts every element to double and back, took about 3 ns an
   * element (W1's scatter, 1,600 rows of 512, was a tenth of its forward and backward pass).
   */
  scatterRowsBatch = (
    B: number,
    M: number,
    N: number,
    dy: FloatArray,
    dyOff: number,
    ids: Int32Array,
    idsOff: number,
    dwt: FloatArray,
    dwtOff: number,
  ): void => {
    checkSizes(B, M, N);
    const pdy = this.place(dy);
    const pdw = this.place(dwt);
    if (pdy === null || pdw === null || pdy.size !== pdw.size) {
      scatterRowsBatch(B, M, N, dy, dyOff, ids, idsOff, dwt, dwtOff);
      return;
    }
    checkExtent("dy", dy, dyOff, B * M);
    checkExtent("dwt", dwt, dwtOff, N * M);
    const s = pdy.size;
    const add = this.addRows[s === 4 ? 0 : 1];
    for (let b = 0; b < B; b++) {
      const id = checkedId(ids[idsOff + b]!, N, b);
      if (id !== PAD_ID) add(1, M, pdy.at + (dyOff + b * M) * s, 0, pdw.at + (dwtOff + id * M) * s, 0);
    }
  };

  /**
   * Runs a product on inputs a, b and output c, whose extents the caller checked: in
   * place when all three lie in the arena with one element type, else staged.
   * `accumulate`: the forward product's flag, and whether the kernel reads c's old values.
   */
  private product(
    name: Product,
    B: number,
    M: number,
    N: number,
    a: FloatArray,
    aOff: number,
    aCount: number,
    b: FloatArray,
    bOff: number,
    bCount: number,
    c: FloatArray,
    cOff: number,
    cCount: number,
    accumulate: boolean,
  ): void {
    const acc = accumulate ? 1 : 0;
    const pa = this.place(a);
    const pb = this.place(b);
    const pc = this.place(c);
    if (pa !== null && pb !== null && pc !== null && pa.size === pc.size && pb.size === pc.size) {
      const s = pc.size;
      this.products[name][s === 4 ? 0 : 1](B, M, N, pa.at + aOff * s, pb.at + bOff * s, pc.at + cOff * s, acc);
      return;
    }
    const ops: Operand[] = [
      [a, aOff, aCount],
      [b, bOff, bCount],
      [c, cOff, cCount],
    ];
    this.staged(ops, accumulate, (products, f32, [aa, ba, ca]) =>
      products[name][f32 ? 0 : 1](B, M, N, aa!, ba!, ca!, acc),
    );
  }

  /**
   * Copies `ops` (the last one is the output) into the private staging
   * memory, calls `kernel` with the staging instance's products and the
   * operands' byte addresses there, and copies the output back.
   * `readOutput`: whether the kernel reads the output's old values
   * (accumulating). The staging memory is separate from the arena so that
   * its growth never detaches the caller's views.
   */
  private staged(
    ops: Operand[],
    readOutput: boolean,
    kernel: (products: Products, f32: boolean, addresses: number[]) => void,
  ): void {
    this.stagedCalls++;
    const f32 = ops[ops.length - 1]![0] instanceof Float32Array;
    const dtype = f32 ? "f32" : "f64";
    const staging = (this.staging ??= (() => {
      const arena = new WasmArena({ initialBytes: 1 << 16 });
      return { arena, products: instantiate(arena, this.fma).products };
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
        staging.products,
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
