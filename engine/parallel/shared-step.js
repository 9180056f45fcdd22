// @ts-check
/**
 * What the threads of a GradientPool (pool.ts) and its workers (gradient-worker.js) share
 * for each step, in memory rather than in messages: the control block through which they
 * start one another and say what they finished, and the weighted sum of the shards'
 * gradients, which each thread computes for a part of the parameter vector.
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
 * The numbers beside the control block, one Float64Array: each shard's loss, then each
 * shard's weight in the sum (shards.ts, `shardWeights`).
 */
export const lossAt = (/** @type {number} */ s) => s;
export const weightAt = (/** @type {number} */ shards, /** @type {number} */ s) => shards + s;

/** Elements [from, to) of a vector of `n` that thread `k` of `parts` sums. */
export function partOf(/** @type {number} */ n, /** @type {number} */ parts, /** @type {number} */ k) {
  return { from: Math.floor((k * n) / parts), to: Math.floor(((k + 1) * n) / parts) };
}

/** Elements summed per pass over the shards: a block of each shard's gradient and of the sum stay in cache. */
const BLOCK = 4096;

/**
 * out[i] = Σ_s weights[s] · grads[s][i] for i in [from, to), summed in shard order from 0,
 * each partial sum rounded to out's type as it is stored: the same numbers whichever thread
 * sums which part, and whatever the parts are.
 *
 * @param {ArrayLike<number>} weights one per shard (only the first `grads.length` are read)
 * @param {(Float32Array | Float64Array)[]} grads
 * @param {Float32Array | Float64Array} out
 * @param {number} from
 * @param {number} to
 */
export function sumShards(weights, grads, out, from, to) {
  for (let start = from; start < to; start += BLOCK) {
    const end = Math.min(to, start + BLOCK);
    first(weights[0], grads[0], out, start, end);
    for (let s = 1; s < grads.length; s++) add(weights[s], grads[s], out, start, end);
  }
}

/** `0 +` as the sum starts from 0 (so a -0 product gives +0). */
function first(
  /** @type {number} */ w,
  /** @type {Float32Array | Float64Array} */ g,
  /** @type {Float32Array | Float64Array} */ out,
  /** @type {number} */ from,
  /** @type {number} */ to,
) {
  for (let i = from; i < to; i++) out[i] = 0 + w * g[i];
}

function add(
  /** @type {number} */ w,
  /** @type {Float32Array | Float64Array} */ g,
  /** @type {Float32Array | Float64Array} */ out,
  /** @type {number} */ from,
  /** @type {number} */ to,
) {
  for (let i = from; i < to; i++) out[i] += w * g[i];
}
