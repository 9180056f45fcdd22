/**
 * Batched numeric kernels over Float64Array or Float32Array.
 *
 * Conventions shared by every kernel:
 *   - Layout: a per-step vector quantity for a batch of B sequences is a
 *     row-major [B][n] block; a parameter matrix W of shape [M, N] is row-major.
 *   - Arguments: sizes first, then each operand as an (array, offset) pair so
 *     callers can address a slice of a larger buffer (e.g. one time step of a
 *     [T][B][n] activation history), then flags.
 *   - Forward kernels overwrite their output, or add to it when they take
 *     `accumulate = true`; backward kernels always add (+=) into gradient
 *     buffers, because in backpropagation through time a gradient is a sum
 *     over every use. Callers zero gradient buffers once per backward pass.
 *   - No allocation inside loops; no checking of sizes against array lengths (that
 *     is the caller's plan, checked once, not per call). Inputs that would
 *     otherwise read out of range silently — token ids and class targets —
 *     are checked.
 */

export * from "./bias.js";
export * from "./losses.js";
export * from "./matmul.js";
export * from "./onehot.js";
export * from "./reductions.js";
export * from "./softmax.js";
export * from "./steps.js";
// Both tiers of the matrix products behind one interface, and the WebAssembly SIMD tier (docs/kernels.md).
export * from "./kernel-set.js";
export * from "./wasm/index.js";
export { activateRows } from "./activate-rows.js";
