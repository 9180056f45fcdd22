/** The compiled backend against the interpreter on one batch: loss, every quantity, every gradient. */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import type { ForwardResult, GradientResult, ModelBackend } from "../../engine/model-backend.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { compiledBackend } from "../../engine/compiled-backend.js";
import type { Batch, Weights } from "../../engine/interpret/batch.js";
import type { Carry } from "../../engine/interpret/execution.js";
import { largestMagnitude, maxRelativeError } from "./compare.js";

export async function compiledFor(
  ir: IrModel,
  dtype: "f64" | "f32" = "f64",
  kernels?: KernelTier,
): Promise<ModelBackend> {
  return compiledBackend(ir, await loadCompiledModule(ir, dtype, undefined, kernels));
}

/** The largest relative difference between the two backends over everything they compute (from `carry`, when given). */
export async function backendDifference(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
  carry?: Carry,
  compiledAs: { dtype?: "f64" | "f32"; kernels?: KernelTier } = {},
): Promise<{ worst: number; where: string }> {
  return difference(ir, await compiledFor(ir, compiledAs.dtype, compiledAs.kernels), weights, batch, carry);
}

/** The largest relative difference between `compiled` and the interpreter over everything they compute. */
export function difference(
  ir: IrModel,
  compiled: ModelBackend,
  weights: Weights,
  batch: Batch,
  carry?: Carry,
): { worst: number; where: string } {
  const interpreted = interpreterBackend(ir);
  const hasLoss = ir.losses.length > 0;
  const a: ForwardResult = hasLoss
    ? interpreted.lossAndGrad(weights, batch, carry)
    : interpreted.forward(weights, batch, carry);
  const b: ForwardResult = hasLoss
    ? compiled.lossAndGrad(weights, batch, carry)
    : compiled.forward(weights, batch, carry);
  let worst = 0;
  let where = "";
  const note = (error: number, what: string) => {
    if (error > worst || Number.isNaN(error)) [worst, where] = [Number.isNaN(error) ? Infinity : error, what];
  };
  if (hasLoss) note(Math.abs(a.loss! - b.loss!) / Math.max(Math.abs(a.loss!), 1e-300), "loss");
  for (const q of ir.quantities) note(maxRelativeError(b.quantity(q.name), a.quantity(q.name)), `quantity ${q.name}`);
  if (hasLoss) {
    const [ga, gb] = [(a as GradientResult).grads, (b as GradientResult).grads];
    // One scale for every gradient: a gradient that cancels to exactly 0 (a parameter the loss
    // does not depend on after all) keeps the rounding noise of its terms, which are of the
    // size of the other gradients, and each backend adds them up in its own order.
    const scale = Math.max(...ir.params.map((p) => largestMagnitude(ga[p.name]!)));
    for (const p of ir.params) note(maxRelativeError(gb[p.name]!, ga[p.name]!, scale), `gradient ${p.name}`);
  }
  return { worst, where };
}
