/**
 * Per-position losses over a [B][K] block of predictions: one row per
 * scored position (a batch element at one time step, or a flattened
 * [T·B] block of them).
 *
 * Every loss kernel
 *   - writes rowLoss[b] = w_b · loss_b, when rowLoss is given,
 *   - returns Σ_b w_b · loss_b,
 * where w_b = weights[b], or 1 for every row when weights is null.
 *
 * A row whose weight is exactly 0 is not scored: it gets loss 0, and its
 * inputs and targets are never read, so padded positions may hold garbage
 * (NaN logits, target id −1). The gradients are not here: each loss's
 * derivative is the seed the compiler's op registry declares beside it
 * (compiler/ops/losses.ts), which the backward passes compute.
 */

import type { FloatArray } from "../floatArray.js";
import { rowMax } from "./softmax.js";

/** −log softmax(z)[y] = logsumexp(z) − z_y, fused so that nothing overflows. */
export function crossEntropyFromLogits(
  B: number,
  K: number,
  logits: FloatArray,
  logitsOff: number,
  targets: Int32Array,
  targetsOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    const row = logitsOff + b * K;
    const target = checkedTarget(targets[targetsOff + b]!, K, b);
    const m = rowMax(K, logits, row);
    let sum = 0; // Σ exp(z_k − m) ≥ 1, since the max term is exp(0)
    for (let k = 0; k < K; k++) sum += Math.exp(logits[row + k]! - m);
    return crossEntropyOfRow(m, logits[row + target]!, sum);
  });
}

/**
 * crossEntropyFromLogits given each row's maximum m_b and Σ_k exp(z_bk − m_b) as the pair
 * maxExpSums[2b], maxExpSums[2b + 1]: what the WebAssembly tiers compute vectorised
 * (WasmKernels' crossEntropyFromLogits), leaving the target's logit and a log a row.
 */
export function crossEntropyFromMaxExpSums(
  B: number,
  K: number,
  logits: FloatArray,
  logitsOff: number,
  targets: Int32Array,
  targetsOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
  maxExpSums: Float64Array,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    const target = checkedTarget(targets[targetsOff + b]!, K, b);
    return crossEntropyOfRow(maxExpSums[2 * b]!, logits[logitsOff + b * K + target]!, maxExpSums[2 * b + 1]!);
  });
}

/** logsumexp(z) − z_y = (m − z_y) + log Σ_k exp(z_k − m): two non-negative terms, no cancellation. */
function crossEntropyOfRow(m: number, targetLogit: number, expSum: number): number {
  return m - targetLogit + Math.log(expSum);
}

/** −log p[y] for rows of probabilities p. */
export function crossEntropyFromProbs(
  B: number,
  K: number,
  probs: FloatArray,
  probsOff: number,
  targets: Int32Array,
  targetsOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    const target = checkedTarget(targets[targetsOff + b]!, K, b);
    return -Math.log(probs[probsOff + b * K + target]!);
  });
}

/** ½ Σ_k (p_k − y_k)². */
export function mse(
  B: number,
  K: number,
  pred: FloatArray,
  predOff: number,
  target: FloatArray,
  targetOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const diff = pred[predOff + b * K + k]! - target[targetOff + b * K + k]!;
      loss += 0.5 * diff * diff;
    }
    return loss;
  });
}

/**
 * −Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)] for probabilities p and targets y in [0, 1].
 *
 * A term whose coefficient is 0 is dropped rather than evaluated (0 · log 0 = 0,
 * its limit), so a saturated prediction that is right — p = 1 for y = 1 — costs 0
 * instead of NaN.
 */
export function binaryCrossEntropy(
  B: number,
  K: number,
  probs: FloatArray,
  probsOff: number,
  target: FloatArray,
  targetOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const p = probs[probsOff + b * K + k]!;
      const y = target[targetOff + b * K + k]!;
      const notY = 1 - y;
      if (y !== 0) loss -= y * Math.log(p!);
      if (notY !== 0) loss -= notY * Math.log(1 - p);
    }
    return loss;
  });
}

/**
 * binaryCrossEntropy(sigmoid(z), y) fused for logits z:
 * Σ_k max(z, 0) − z·y + log(1 + e^−|z|), which never overflows and keeps
 * precision where sigmoid(z) rounds to 0 or 1.
 */
export function binaryCrossEntropyFromLogits(
  B: number,
  K: number,
  logits: FloatArray,
  logitsOff: number,
  target: FloatArray,
  targetOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const z = logits[logitsOff + b * K + k]!;
      const y = target[targetOff + b * K + k]!;
      loss += Math.max(z!, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z!)));
    }
    return loss;
  });
}

/**
 * The bookkeeping shared by every loss: weights, padded rows, per-row output
 * and the total. `lossOfRow(b)` returns row b's unweighted loss.
 */
function scoreRows(
  B: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
  lossOfRow: (b: number) => number,
): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const weight = weights === null ? 1 : weights[weightsOff + b];
    // Skipped before anything is read: the row may be padding full of garbage.
    const loss = weight === 0 ? 0 : weight! * lossOfRow(b);
    if (rowLoss !== null) rowLoss[rowLossOff + b] = loss;
    total += loss;
  }
  return total;
}

function checkedTarget(target: number, K: number, b: number): number {
  if (!(target >= 0 && target < K)) {
    throw new RangeError(`target id ${target} at scored row ${b} is outside [0, ${K}); give padded rows weight 0`);
  }
  return target;
}
