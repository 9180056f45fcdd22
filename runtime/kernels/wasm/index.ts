/**
 * The WebAssembly SIMD kernel tier: the batched matrix products of ../matmul.ts
 * and the row activations of ../activate-rows.ts, compiled from tools/wasm-kernels
 * (see docs/kernels.md), an arena that hands out typed-array views inside the
 * kernels' memory, and the feature test.
 *
 *     if (simdSupported()) {
 *       const kernels = new WasmKernels();
 *       const w = kernels.arena.f32(M * N); // resident: no copies per call
 *       kernels.matmulBatch(B, M, N, x, 0, w, 0, y, 0, false);
 *     }
 */
import { activateRows } from "../activate-rows.js";
import { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../matmul.js";
import type { MatmulKernels } from "./matmul.js";

export { ARENA_ALIGN, WasmArena, type WasmArenaOptions, type WasmDType, type WasmFloatArray } from "./arena.js";
export { instantiateWasmLoops } from "./generated.js";
export { WasmKernels, type MatmulKernels } from "./matmul.js";
export {
  instantiateKernels,
  kernelModule,
  PEAK_CHAINS,
  preloadKernelModule,
  simdSupported,
  type KernelExports,
} from "./module.js";

/** The JavaScript tier as the same interface as WasmKernels. */
export const jsMatmulKernels: MatmulKernels = Object.freeze({
  matmulBatch,
  matmulBatchBackwardInput,
  matmulBatchBackwardWeight,
  activateRows,
});
