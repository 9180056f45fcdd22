/**
 * Where a Model's arrays live and which kernels run its products. The JavaScript tier keeps
 * ordinary typed arrays; the WebAssembly tier (./arena-memory.ts) puts them in the kernels'
 * memory, so that the products run on them in place.
 */
import type { FloatArray } from "../floatArray.js";
import { jsMatmulKernels, type MatmulKernels } from "../kernels/kernel-set.js";

/** The storage type of a module's floats: Float64Array or Float32Array (rnnc compile --dtype). */
export type ModuleDtype = "f64" | "f32";

export interface ModelMemory {
  /** The products and row activations the passes of a kernel tier call. */
  readonly kernels: MatmulKernels;
  /**
   * Whether the kernels run in place only on this memory: then the passes read the parameters and write the
   * gradients in copies made here, which each call fills from the caller's arrays and empties into them.
   */
  readonly resident: boolean;
  /**
   * Float arrays of the given lengths, all usable together. They replace the arrays of the previous call, which
   * must no longer be used (their memory may be handed out again).
   */
  floats(dtype: ModuleDtype, lengths: readonly number[]): FloatArray[];
  /** An instance of a module of fused loops on this memory, or undefined where the passes run them as JavaScript. */
  loops<Exports>(base64: string): Exports | undefined;
}

/** Ordinary typed arrays and the JavaScript kernels: the memory of the js tier, and of auto where SIMD is missing. */
export function plainMemory(): ModelMemory {
  return {
    kernels: jsMatmulKernels,
    resident: false,
    floats: (dtype, lengths) => lengths.map((n) => (dtype === "f32" ? new Float32Array(n) : new Float64Array(n))),
    loops: () => undefined,
  };
}
