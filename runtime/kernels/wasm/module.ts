/**
 * The compiled WebAssembly kernel modules and their feature tests: the SIMD module (every
 * kernel), and the relaxed SIMD module (the products again, with fused multiply–adds).
 *
 * The module's bytes are embedded as base64 (kernels-wasm.ts, written by
 * `npm run build:wasm`), so loading needs no file access and works the same in
 * Node and in a browser. The module is small (about 23 kB), so it is compiled
 * synchronously with `new WebAssembly.Module` on first use: current Chromium
 * allows synchronous compilation up to 8 MB on a page's main thread (versions
 * before about 2019 only 4 kB); `preloadKernelModule()` compiles asynchronously
 * ahead of time for engines that refuse.
 */
import { relaxedKernelsWasmBase64, relaxedPeakChains, relaxedProbeBytes } from "./kernels-relaxed-wasm.js";
import { kernelsWasmBase64, peakChains, scratchBytes, simdProbeBytes } from "./kernels-wasm.js";

/** The functions the kernel module exports. Addresses are byte offsets into its memory. */
export interface KernelExports {
  /** Y[B,M] (= or +=, acc ≠ 0) X[B,N] · Wᵀ. */
  f32_matmul(B: number, M: number, N: number, x: number, w: number, y: number, acc: number): void;
  f64_matmul(B: number, M: number, N: number, x: number, w: number, y: number, acc: number): void;
  /** dX[B,N] += dY[B,M] · W. */
  f32_matmul_bwd_x(B: number, M: number, N: number, dy: number, w: number, dx: number): void;
  f64_matmul_bwd_x(B: number, M: number, N: number, dy: number, w: number, dx: number): void;
  /** dW[M,N] += dY[B,M]ᵀ · X; `scratch`: SCRATCH_BYTES apart from the operands that the kernel overwrites. */
  f32_matmul_bwd_w(B: number, M: number, N: number, dy: number, x: number, dw: number, scratch: number): void;
  f64_matmul_bwd_w(B: number, M: number, N: number, dy: number, x: number, dw: number, scratch: number): void;
  /**
   * Y[r, i] = f(X[r, i]) for r < rows, i < width: byte addresses x, y; row strides xs, ys in elements.
   * f32: approximations (docs/kernels.md#activations); f64: fdlibm's exp and tanh, as Math.exp and Math.tanh.
   */
  f32_sigmoid_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f32_tanh_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f32_exp_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f64_sigmoid_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f64_tanh_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f64_exp_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  /** Y[r, :] = softmax(X[r, :]) for r < rows, contiguous rows of `width`: byte addresses x, y (in place when equal). */
  f32_softmax_rows(rows: number, width: number, x: number, y: number): void;
  f64_softmax_rows(rows: number, width: number, x: number, y: number): void;
  /** (m, Σ e^(X[r, :] − m)) for m = max X[r, :], r < rows, as two f64 at y + 16·r: byte addresses x, y. */
  f32_max_exp_sums(rows: number, width: number, x: number, y: number): void;
  f64_max_exp_sums(rows: number, width: number, x: number, y: number): void;
  /** Y[r, i] += X[r, i] for r < rows, i < width: byte addresses x, y; row strides xs, ys in elements. */
  f32_add_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  f64_add_rows(rows: number, width: number, x: number, xs: number, y: number, ys: number): void;
  /** Register-only multiply–add loop for the peak micro-benchmark (PEAK_CHAINS vector pairs per iteration). */
  f32_peak(iterations: number, c: number): number;
  f64_peak(iterations: number, c: number): number;
}

/** The exports of the relaxed SIMD module: the products, with the same arguments, and its peak loops. */
export type RelaxedKernelExports = Pick<
  KernelExports,
  | "f32_matmul"
  | "f64_matmul"
  | "f32_matmul_bwd_x"
  | "f64_matmul_bwd_x"
  | "f32_matmul_bwd_w"
  | "f64_matmul_bwd_w"
  | "f32_peak"
  | "f64_peak"
>;

/** Independent (mul, add) vector pairs per iteration of the SIMD module's `*_peak` loops. */
export const PEAK_CHAINS: number = peakChains;

/** Independent relaxed_madd chains per iteration of the relaxed module's `*_peak` loops. */
export const FMA_PEAK_CHAINS: number = relaxedPeakChains;

/** Bytes of the scratch memory `<t>_matmul_bwd_w` packs its coefficients into (its last argument). */
export const SCRATCH_BYTES: number = scratchBytes;

/** Whether the engine validates `probe` (false where it has no WebAssembly at all). */
function validates(probe: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

let simd: boolean | undefined;

/** Whether this engine runs WebAssembly with 128-bit SIMD (Node ≥ 16.4, current browsers). */
export function simdSupported(): boolean {
  return (simd ??= validates(simdProbeBytes));
}

let relaxed: boolean | undefined;

/**
 * Whether this engine runs WebAssembly relaxed SIMD, whose `relaxed_madd` is a fused multiply–add
 * where the CPU has one: Chrome ≥ 114 and Firefox ≥ 120 unflagged; Node 20 (V8 11.3) only once
 * V8's flag `--experimental-wasm-relaxed-simd` is set (rnnc's command line sets it, see
 * engine/wasm-features.ts). Checked once per thread: set the flag before the first Model is made.
 */
export function relaxedSimdSupported(): boolean {
  return (relaxed ??= validates(relaxedProbeBytes));
}

/** Bytes from base64, in Node and in a browser. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  // atob exists in Node ≥ 16 and every browser; Buffer is not needed.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiled: WebAssembly.Module | undefined;

/** The kernel module, compiled once per process (or page). Throws where SIMD is missing. */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    if (!simdSupported())
      throw new Error("WebAssembly SIMD is not available in this engine; use the JavaScript kernels");
    compiled = new WebAssembly.Module(decodeBase64(kernelsWasmBase64));
  }
  return compiled;
}

/** Compiles the module asynchronously, once; later synchronous uses reuse it. A no-op without SIMD. */
export async function preloadKernelModule(): Promise<void> {
  if (!compiled && simdSupported()) compiled = await WebAssembly.compile(decodeBase64(kernelsWasmBase64));
}

/** A fresh instance of the kernels bound to `memory` (instantiation is cheap once compiled). */
export function instantiateKernels(memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

let compiledRelaxed: WebAssembly.Module | undefined;

/** The relaxed SIMD module, compiled once per thread. Throws where relaxed SIMD is not enabled. */
export function relaxedKernelModule(): WebAssembly.Module {
  if (!compiledRelaxed) {
    if (!relaxedSimdSupported())
      throw new Error(
        "WebAssembly relaxed SIMD is not available in this engine (Node 20: set V8's --experimental-wasm-relaxed-simd first); use the SIMD kernels",
      );
    compiledRelaxed = new WebAssembly.Module(decodeBase64(relaxedKernelsWasmBase64));
  }
  return compiledRelaxed;
}

/** A fresh instance of the relaxed SIMD products bound to `memory`. */
export function instantiateRelaxedKernels(memory: WebAssembly.Memory): RelaxedKernelExports {
  const instance = new WebAssembly.Instance(relaxedKernelModule(), { env: { memory } });
  return instance.exports as unknown as RelaxedKernelExports;
}
