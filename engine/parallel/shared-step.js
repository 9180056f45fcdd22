// @ts-check
/**
 * What the threads of a GradientPool (pool.ts) and its workers (gradient-worker.js) share
 * for each step, in memory rather than in messages: the control block through which they
 * start one another and say what they finished, and the weighted sum of the shards'
 * gradients, which each thread computes for a part of the parameter vector in WebAssembly
 * (shard-sum.wat) over a shared WebAssembly.Memory holding the gradients and their sum.
 *
 * Plain JavaScript, as gradient-worker.js, so that a worker imports it from the sources
 * and from dist/ alike.
 *
 * The control block holds, per shard s, four Int32 slots written with Atomics (so that
 * every plain write before one is seen by the thread that reads it): the step a worker is
 * to compute (`START`), the step whose shard gradient is written (`COMPUTED`, minus the
 * step when computing it failed), the step whose part of the sum is written (`SUMMED`),
 * and whether the shard's state is fresh (`FRESH`); and one slot for the number of
 * shards of the current step (`PARTS`). Steps count from 1, so no slot starts equal to one.
 */

import { shardSumWasmBase64 } from "./shard-sum-wasm.js";

export const START = 0;
export const COMPUTED = 1;
export const SUMMED = 2;
export const FRESH = 3;
const PER_SHARD = 4;

/** The Int32 slot of `field` for shard `s`. */
export const slot = (/** @type {number} */ field, /** @type {number} */ s) => 1 + s * PER_SHARD + field;
/** The Int32 slot holding the number of shards (and of parts of the sum) of the current step. */
export const PARTS = 0;
/** Bytes of a control block for `shards` shards. */
export const controlBytes = (/** @type {number} */ shards) => 4 * (1 + shards * PER_SHARD);

/**
 * The numbers beside the control block, a Float64Array at the start of the shared memory
 * (`sharedLayout`): each shard's loss, then each shard's weight in the sum (shards.ts,
 * `shardWeights`).
 */
export const lossAt = (/** @type {number} */ s) => s;
export const weightAt = (/** @type {number} */ shards, /** @type {number} */ s) => shards + s;

/** Elements [from, to) of a vector of `n` that thread `k` of `parts` sums. */
export function partOf(/** @type {number} */ n, /** @type {number} */ parts, /** @type {number} */ k) {
  return { from: Math.floor((k * n) / parts), to: Math.floor(((k + 1) * n) / parts) };
}

/**
 * Where the numbers, the shards' gradients and their sum lie in the pool's shared
 * WebAssembly.Memory (byte offsets), for `shards` shards of `count` parameters of `bytes`
 * bytes each: the numbers (a Float64Array) first, then each shard's gradient, `stride`
 * bytes apart, then the sum.
 */
export function sharedLayout(/** @type {number} */ shards, /** @type {number} */ count, /** @type {number} */ bytes) {
  const weights = 8 * weightAt(shards, 0);
  // 16 bytes: each vector of the sum's loop is read and written whole.
  const gradients = Math.ceil((8 * weightAt(shards, shards)) / 16) * 16;
  const stride = Math.ceil((count * bytes) / 16) * 16;
  const sum = gradients + shards * stride;
  return { weights, gradients, stride, sum, pages: Math.ceil((sum + stride) / 65536) };
}

/** @type {WebAssembly.Module | undefined} compiled once per thread */
let compiled;

/**
 * The weighted sum of the shards' gradients in `memory` (laid out as `sharedLayout` says):
 * `sum(parts, from, to)` sets out[i] = Σ_s weights[s] · grads[s][i] for i in [from, to), summed
 * in shard order from 0, each partial sum rounded to the element type as it is stored (see
 * shard-sum.wat): the same numbers whichever thread sums which part, and whatever the parts are.
 *
 * @param {WebAssembly.Memory} memory
 * @param {ReturnType<typeof sharedLayout>} layout
 * @param {"f32" | "f64"} dtype
 */
export function shardSum(memory, layout, dtype) {
  compiled ??= new WebAssembly.Module(Buffer.from(shardSumWasmBase64, "base64"));
  const exports = /** @type {Record<string, Function>} */ (
    new WebAssembly.Instance(compiled, { env: { memory } }).exports
  );
  const sum = exports[`${dtype}_sum_shards`];
  const { gradients, stride, weights } = layout;
  return (/** @type {number} */ parts, /** @type {number} */ from, /** @type {number} */ to) =>
    sum(parts, gradients, stride, weights, layout.sum, from, to);
}
