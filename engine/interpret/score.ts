/**
 * Losses over the scored positions. `at each` scores every real step of every sequence;
 * `at last` scores each sequence at its own last real step (lengths[b] − 1). `mean` divides
 * by the number of scored positions, `sum` does not. The kernel is the one the registry
 * names for the form the loss was lowered to; its gradient is the seed of the backward step.
 */
import type { IrLoss } from "../../compiler/ir/ir.js";
import { formOf } from "../../compiler/ops/registry.js";
import type { FloatArray } from "../../runtime/floatArray.js";
import type { Batch } from "./batch.js";
import type { Execution } from "./execution.js";
import { lossKernel } from "./kernels.js";

export function scoredPositions(loss: IrLoss, lengths: Int32Array, T: number): number {
  return loss.at === "last" ? lengths.length : lengths.reduce((s, l) => s + Math.min(l, T), 0);
}

export function scoreLoss(ex: Execution, loss: IrLoss): number {
  const scored = loss.fusion ? loss.fusion.input : loss.prediction;
  return scoreSteps(
    loss,
    ex.batch,
    ex.ir.nodes[loss.prediction]!.size,
    (step) => ex.values[ex.graph.at(step, scored)]!,
  );
}

/**
 * A loss over a batch from what it scores at each step, [B][K] rows (the prediction, or the
 * input of the activation it is fused with): the interpreter's values, or another engine's.
 */
export function scoreSteps(
  loss: IrLoss,
  batch: Pick<Batch, "T" | "B" | "lengths" | "targets">,
  K: number,
  valuesAt: (step: number) => FloatArray,
): number {
  const { T, B, lengths } = batch;
  const scale = loss.reduce === "mean" ? 1 / scoredPositions(loss, lengths, T) : 1;
  const target = batch.targets[loss.target]!;
  const kernel = lossKernel(formOf(loss).kernel);
  const targets = target.kind === "class" ? target.ids : target.values;

  const score = (step: number, rowStart: number, rows: number, weights: Float64Array, targetRow: number) =>
    kernel(
      rows,
      K,
      valuesAt(step),
      rowStart * K,
      targets,
      target.kind === "class" ? targetRow : targetRow * K,
      weights,
      0,
      null,
      0,
    );

  let total = 0;
  if (loss.at === "each") {
    const weights = new Float64Array(B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) weights[b] = t < lengths[b]! ? scale : 0;
      total += score(t, 0, B, weights, t * B);
    }
  } else {
    const weight = Float64Array.of(scale);
    for (let b = 0; b < B; b++) total += score(lengths[b]! - 1, b, 1, weight, b);
  }
  return total;
}
