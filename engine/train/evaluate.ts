/**
 * Loss, accuracy and perplexity of a model over a dataset: what validation during training
 * and `rnnc eval` report. Losses are averaged per scored position over the whole dataset
 * (so batches of different sizes weigh what they hold); accuracy is the share of scored
 * positions whose most probable class is the target (for probabilities scored by
 * binary_cross_entropy, the share of values on the right side of ½); perplexity is e^loss
 * for a cross-entropy loss over classes.
 */
import type { IrLoss, IrModel } from "../../compiler/ir/ir.js";
import type { ForwardBackend } from "../model-backend.js";
import type { Carry } from "../interpret/execution.js";
import type { Batch, Weights } from "../interpret/batch.js";
import { lengthsOf } from "../interpret/batch.js";
import { planStream, sequenceBatch, streamChunk, type Dataset } from "../data/dataset.js";

export interface Evaluation {
  loss: number;
  /** Share of scored positions predicted right (class targets), or of probabilities on the right side of ½ (binary_cross_entropy). */
  accuracy?: number;
  /** e^loss, for cross-entropy over classes. */
  perplexity?: number;
  positions: number;
}

/** Whether the model's loss is a cross-entropy over classes, whose e^loss is a perplexity. */
export function hasPerplexity(ir: IrModel): boolean {
  const loss = ir.losses[0];
  return loss?.fn === "cross_entropy" && ir.targets.find((t) => t.name === loss.target)?.kind === "class";
}

/** Positions the model's first loss scores in a batch. */
export function scoredPositions(ir: IrModel, batch: Batch): number {
  const loss = ir.losses[0];
  if (!loss) return 0;
  if (loss.at === "last") return batch.B;
  // In a model of several sequences, the steps of the sequence the loss scores (batch.lengths are the last one's).
  return lengthsOf(batch, ir.nodes[loss.prediction]!.sequence).reduce((s, l) => s + l, 0);
}

/** The batch loss as a mean per scored position, whatever the loss's reduction. */
export function lossPerPosition(ir: IrModel, loss: number, positions: number): number {
  return ir.losses[0]?.reduce === "sum" ? loss / positions : loss;
}

/** Batches of a dataset for evaluation, in order, with the state carried along a stream. */
export function* evaluationBatches(
  dataset: Dataset,
  ir: IrModel,
  batchSize: number,
  seqLen: number,
): Generator<{ batch: Batch; continues: boolean }> {
  if (dataset.kind === "stream") {
    const plan = planStream(dataset.ids.length, batchSize, seqLen, dataset.unit);
    for (let k = 0; k < plan.chunks; k++) yield { batch: streamChunk(dataset, plan, k), continues: k > 0 };
    return;
  }
  const n = dataset.examples.length;
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    yield { batch: sequenceBatch(ir, dataset.examples, indices), continues: false };
  }
}

export async function evaluate(
  backend: ForwardBackend,
  weights: Weights,
  dataset: Dataset,
  options: { batch: number; seqLen: number },
): Promise<Evaluation> {
  const ir = backend.ir;
  const loss = ir.losses[0];
  if (!loss) throw new Error(`model ${ir.name} declares no loss, so it cannot be evaluated`);
  const predictionName = ir.quantities.find((q) => q.node === loss.prediction)?.name;
  const target = ir.targets.find((t) => t.name === loss.target)!;
  const countAccuracy = (target.kind === "class" || loss.fn === "binary_cross_entropy") && predictionName !== undefined;
  let lossSum = 0;
  let positions = 0;
  let correct = 0;
  let judged = 0;
  let carry: Carry | undefined;
  for (const { batch, continues } of evaluationBatches(dataset, ir, options.batch, options.seqLen)) {
    const r = await backend.forward(weights, batch, continues ? carry : undefined);
    const n = scoredPositions(ir, batch);
    lossSum += lossPerPosition(ir, r.loss!, n) * n;
    positions += n;
    if (countAccuracy) {
      const c = countCorrect(ir, loss, batch, r.quantity(predictionName!));
      correct += c.correct;
      judged += c.of;
    }
    if (dataset.kind === "stream") carry = r.carry();
  }
  const mean = lossSum / positions;
  const out: Evaluation = { loss: mean, positions };
  if (countAccuracy) out.accuracy = correct / judged;
  if (hasPerplexity(ir)) out.perplexity = Math.exp(mean);
  return out;
}

/**
 * Predictions judged right among those judged: for a class target, scored positions whose
 * largest prediction is the target class; for probabilities, values p with p ≥ ½ exactly
 * when the target is.
 */
export function countCorrect(
  ir: IrModel,
  loss: IrLoss,
  batch: Batch,
  predictions: Float64Array,
): { correct: number; of: number } {
  const { T, B, lengths } = batch;
  const K = ir.nodes[loss.prediction]!.size;
  const target = batch.targets[loss.target];
  let correct = 0;
  let of = 0;
  const check = (t: number, b: number, at: number) => {
    const row = (t * B + b) * K;
    if (target!.kind === "class") {
      let best = 0;
      for (let k = 1; k < K; k++) if (predictions[row + k]! > predictions[row + best]!) best = k;
      if (best === target!.ids[at]) correct++;
      of++;
      return;
    }
    for (let k = 0; k < K; k++) if (predictions[row + k]! >= 0.5 === target!.values[at * K + k]! >= 0.5) correct++;
    of += K;
  };
  if (!target) return { correct, of };
  for (let b = 0; b < B; b++) {
    if (loss.at === "last") check(lengths[b]! - 1, b, b);
    else for (let t = 0; t < Math.min(lengths[b]!, T); t++) check(t, b, t * B + b);
  }
  return { correct, of };
}
