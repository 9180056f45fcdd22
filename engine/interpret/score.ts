/**
 * Losses over the scored positions. `at each` scores every real step of every sequence;
 * `at last` scores each sequence at its own last real step (lengths[b] − 1). `mean` divides
 * by the number of scored positions, `sum` does not.
 * The same walk gives the loss (forward) and seeds the adjoints (backward).
 */
import type { IrLoss } from "../../compiler/ir/ir.js";
import {
  binaryCrossEntropy,
  binaryCrossEntropyFromLogits,
  crossEntropyFromLogits,
  crossEntropyFromProbs,
  mse,
} from "../../runtime/kernels/losses.js";
import type { FloatArray } from "../../runtime/floatArray.js";
import type { Batch } from "./batch.js";
import type { Execution } from "./execution.js";

/** Returns the adjoint array of an unrolled node, allocating it on first use. */
export type AdjointOf = (unrolledId: number) => Float64Array;

export function scoredPositions(loss: IrLoss, lengths: Int32Array, T: number): number {
  return loss.at === "last" ? lengths.length : lengths.reduce((s, l) => s + Math.min(l, T), 0);
}

export function scoreLoss(ex: Execution, loss: IrLoss, adjointOf: AdjointOf | null): number {
  const scored = loss.fusion ? loss.fusion.input : loss.prediction;
  const at = (step: number) => ex.graph.at(step, scored);
  return scoreSteps(
    loss,
    ex.batch,
    ex.ir.nodes[loss.prediction]!.size,
    (step) => ex.values[at(step)]!,
    adjointOf ? (step) => adjointOf(at(step)) : null,
  );
}

/**
 * A loss over a batch from what it scores at each step ([B][K] rows: the prediction, or the
 * input of the activation it is fused with); with `gradAt`, also seeds the adjoints of those rows.
 */
export function scoreSteps(
  loss: IrLoss,
  batch: Pick<Batch, "T" | "B" | "lengths" | "targets">,
  K: number,
  valuesAt: (step: number) => FloatArray,
  gradAt: ((step: number) => FloatArray) | null,
): number {
  const { T, B, lengths } = batch;
  const scale = loss.reduce === "mean" ? 1 / scoredPositions(loss, lengths, T) : 1;
  const target = batch.targets[loss.target]!;
  const kernel = pickKernel(loss);

  const score = (step: number, rowStart: number, rows: number, weights: Float64Array | null, targetRow: number) => {
    const targets = target.kind === "class" ? target.ids : target.values;
    const targetOffset = target.kind === "class" ? targetRow : targetRow * K;
    return kernel(
      rows,
      K,
      valuesAt(step),
      rowStart * K,
      targets,
      targetOffset,
      weights,
      0,
      null,
      0,
      gradAt ? gradAt(step) : null,
      rowStart * K,
    );
  };

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

type LossKernel = (
  B: number,
  K: number,
  input: FloatArray,
  inputOff: number,
  targets: Int32Array | FloatArray,
  targetsOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
  grad: FloatArray | null,
  gradOff: number,
) => number;

/** cross_entropy of softmax(z) and of log_softmax(z) both reduce to −log_softmax(z)_y, scored from z. */
function pickKernel(loss: IrLoss): LossKernel {
  switch (loss.fn) {
    case "cross_entropy":
      return (loss.fusion ? crossEntropyFromLogits : crossEntropyFromProbs) as LossKernel;
    case "binary_cross_entropy":
      return (loss.fusion ? binaryCrossEntropyFromLogits : binaryCrossEntropy) as LossKernel;
    case "mse":
      return mse as LossKernel;
  }
}
