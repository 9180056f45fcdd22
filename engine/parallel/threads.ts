/**
 * Training on more than one core: how many threads a run uses (`rnnc train --threads`),
 * and the gradient function that spreads each batch over them.
 *
 * The thread count is part of a run's configuration, saved in its checkpoint: splitting a
 * batch changes the order of the sums in the last bits, so a run resumed, or repeated on
 * another machine, uses the count it started with and computes the same numbers.
 */
import { availableParallelism } from "node:os";
import { trainingMultiplyAdds } from "../../compiler/ir/cost.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { defaultKernelTier, type KernelTier } from "../../compiler/codegen/kernel-tier.js";
import type { GradientFunction } from "../model-backend.js";
import type { Precision } from "../backend.js";
import { GradientPool } from "./pool.js";
import { lossesWeighAlike } from "./shards.js";

/**
 * Each thread needs this many multiply-adds of a batch to pay for its fixed cost per step
 * (starting and waiting for the workers, copying the shards in, summing the gradients:
 * about 0.3 ms here). Measured on examples/elman.rnn, T = 20, 2 threads against 1 (2-core
 * EPYC, f64, wasm kernels, the pool that still posted each shard): 0.54 -> 0.89 ms at 0.5 M
 * multiply-adds (B = 8), 2.10 -> 1.63 ms at 2.2 M (B = 32).
 */
export const MIN_MULTIPLY_ADDS_PER_THREAD = 1e6;

/**
 * Threads for `--threads auto`: every core (at most one per sequence of the batch) when the
 * batch is big enough, the model's losses weigh every shard alike (see shards.ts), and it
 * reads one sequence per example.
 */
export function autoThreads(ir: IrModel, T: number, B: number, cores = availableParallelism()): number {
  // A batch of several sequences is not split between threads (shards.ts slices one sequence's arrays).
  if (!lossesWeighAlike(ir) || ir.sequences) return 1;
  const work = trainingMultiplyAdds(ir, T, B);
  return Math.max(1, Math.min(cores, B, Math.floor(work / MIN_MULTIPLY_ADDS_PER_THREAD)));
}

export interface ThreadedGradient {
  gradient: GradientFunction;
  close(): Promise<void>;
}

/** The compiled backend's gradient, in `precision`, over `threads` threads (this one and `threads - 1` workers). */
export async function threadedGradient(
  ir: IrModel,
  threads: number,
  kernels?: KernelTier,
  precision: Precision = "f64",
): Promise<ThreadedGradient> {
  // Loaded on demand, as in engine/backend.ts: only compiled training needs the code generator.
  const { loadCompiledModule, compiledModuleUrl } = await import("../module-cache.js");
  const { pooledGradient } = await import("../compiled-backend.js");
  const tier = kernels ?? defaultKernelTier;
  const module = await loadCompiledModule(ir, precision, undefined, tier);
  const pool = await GradientPool.create(ir, module, compiledModuleUrl(module), threads);
  return { gradient: pooledGradient(ir, module, pool, tier), close: () => pool.close() };
}
