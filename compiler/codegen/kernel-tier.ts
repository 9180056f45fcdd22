/**
 * The kernels of products and activations a generated module's passes call: functions it imports on the js tier; on
 * the others they come from the Model's kernel object (MatmulKernels).
 */
export const kernelNames = [
  "matmulBatch",
  "matmulBatchBackwardInput",
  "matmulBatchBackwardWeight",
  "activateRows",
  "gatherRowsBatch",
  "scatterRowsBatch",
] as const;

/**
 * The kernels the op registry names (row-wise ops, losses) that a kernel object has too, vectorised on the WebAssembly
 * tiers (MatmulKernels): on those tiers the passes take them from it, by the same name and arguments.
 */
export const objectRegistryKernels: readonly string[] = ["softmaxRows", "crossEntropyFromLogits"];

/** Which matrix-product kernels a generated module runs on (docs/kernels.md). */
export type KernelTier = "js" | "wasm" | "relaxed" | "auto";
export const kernelTiers: readonly KernelTier[] = ["js", "wasm", "relaxed", "auto"];
/** What `rnnc compile` and the compiled backend use when not told: relaxed SIMD, else SIMD, where the engine has it. */
export const defaultKernelTier: KernelTier = "auto";

/**
 * The tier of a module compiled without --kernels. A --standalone module stays on the JavaScript
 * kernels: inlining the WebAssembly tier adds about 15 kB of base64 and needs WebAssembly's types
 * (lib "dom" or @types/node) where the JavaScript tier needs only ES2022.
 */
export function defaultKernels(standalone: boolean): KernelTier {
  return standalone ? "js" : defaultKernelTier;
}
