/**
 * The WebAssembly SIMD kernel tier: the batched matrix products of ../matmul.ts
 * and the row activations of ../activate-rows.ts, compiled from tools/wasm-kernels
 * (see docs/kernels.md), an arena that hands out typed-array views inside the
 * kernels' memory, and the feature tests. Its relaxed variant,
 * `new WasmKernels({ fma: true })` where `relaxedSimdSupported()`, runs the products
 * with fused multiply–adds. The JavaScript tier behind the same interface is
 * ../kernel-set.ts.
 *
 *     if (simdSupported()) {
 *       const kernels = new WasmKernels();
 *       const w = kernels.arena.f32(M * N); // resident: no copies per call
 *       kernels.matmulBatch(B, M, N, x, 0, w, 0, y, 0, false);
 *     }
 */
export { ARENA_ALIGN, WasmArena, type WasmArenaOptions, type WasmDType, type WasmFloatArray } from "./arena.js";
export { instantiateWasmLoops } from "./generated.js";
export { WasmKernels, type WasmKernelOptions } from "./matmul.js";
export {
  FMA_PEAK_CHAINS,
  instantiateKernels,
  instantiateRelaxedKernels,
  kernelModule,
  PEAK_CHAINS,
  preloadKernelModule,
  relaxedKernelModule,
  relaxedSimdSupported,
  simdSupported,
  type KernelExports,
  type RelaxedKernelExports,
} from "./module.js";
