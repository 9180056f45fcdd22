/**
 * Per-position losses over a [B][K] block of predictions: one row per
 * scored position (a batch element at one time step, or a flattened
 * [T·B] block of them).
 *
 * Every loss kernel
 *   - writes rowLoss[b] = w_b · loss_b, when rowLoss is given,
 *   - accumulates grad[b, :] += w_b · ∂loss_b/∂input[b, :], when grad is given,
 *   - returns Σ_b w_b · loss_b,
 * where w_b = weights[b], or 1 for every row when weights is null.
 *
 * A row whose weight is exactly 0 is not scored: it gets loss 0 and no
 * gradient, and its inputs and targets are never read, so padded positions
 * may hold garbage (NaN logits, target id −1).
 */

import type { FloatArray } from "../floatArray.js";
import { rowMax } from "./softmax.js";

/** −log softmax(z)[y] = logsumexp(z) − z_y; gradient softmax(z) − onehot(y). Fused so neither step overflows. */
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
  grad: FloatArray | null,
  gradOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b, weight) => {
    const row = logitsOff + b * K;
    const target = checkedTarget(targets[targetsOff + b], K, b);
    const m = rowMax(K, logits, row);
    let sum = 0; // Σ exp(z_k − m) ≥ 1, since the max term is exp(0)
    for (let k = 0; k < K; k++) sum += Math.exp(logits[row + k] - m);
    if (grad !== null) {
      const gradRow = gradOff + b * K;
      const scale = weight / sum;
      for (let k = 0; k < K; k++) grad[gradRow + k] += scale * Math.exp(logits[row + k] - m);
      grad[gradRow + target] -= weight;
    }
    // logsumexp(z) − z_y = (m − z_y) + log Σ exp(z_k − m): two non-negative terms, no cancellation.
    return m - logits[row + target] + Math.log(sum);
  });
}

/** −log p[y] for rows of probabilities p; gradient −1/p[y] at the target, 0 elsewhere. */
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
  grad: FloatArray | null,
  gradOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b, weight) => {
    const target = checkedTarget(targets[targetsOff + b], K, b);
    const pTarget = probs[probsOff + b * K + target];
    if (grad !== null) grad[gradOff + b * K + target] -= weight / pTarget;
    return -Math.log(pTarget);
  });
}

/** ½ Σ_k (p_k − y_k)²; gradient p − y. */
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
  grad: FloatArray | null,
  gradOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b, weight) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const diff = pred[predOff + b * K + k] - target[targetOff + b * K + k];
      loss += 0.5 * diff * diff;
      if (grad !== null) grad[gradOff + b * K + k] += weight * diff;
    }
    return loss;
  });
}

/**
 * −Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)] for probabilities p and targets y in [0, 1];
 * gradient −y/p + (1 − y)/(1 − p).
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
  grad: FloatArray | null,
  gradOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b, weight) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const p = probs[probsOff + b * K + k];
      const y = target[targetOff + b * K + k];
      const notY = 1 - y;
      if (y !== 0) loss -= y * Math.log(p);
      if (notY !== 0) loss -= notY * Math.log(1 - p);
      if (grad !== null) {
        const dLossDp = (y !== 0 ? -y / p : 0) + (notY !== 0 ? notY / (1 - p) : 0);
        grad[gradOff + b * K + k] += weight * dLossDp;
      }
    }
    return loss;
  });
}

/**
 * binaryCrossEntropy(sigmoid(z), y) fused for logits z:
 * Σ_k max(z, 0) − z·y + log(1 + e^−|z|), which never overflows and keeps
 * precision where sigmoid(z) rounds to 0 or 1; gradient sigmoid(z) − y.
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
  grad: FloatArray | null,
  gradOff: number,
): number {
  return scoreRows(B, weights, weightsOff, rowLoss, rowLossOff, (b, weight) => {
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const z = logits[logitsOff + b * K + k];
      const y = target[targetOff + b * K + k];
      loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      if (grad !== null) grad[gradOff + b * K + k] += weight * (1 / (1 + Math.exp(-z)) - y);
    }
    return loss;
  });
}

/**
 * The bookkeeping shared by every loss: weights, padded rows, per-row output
 * and the total. `lossOfRow(b, weight)` returns row b's unweighted loss and
 * accumulates its weighted gradient.
 */
function scoreRows(
  B: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
  lossOfRow: (b: number, weight: number) => number,
): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const weight = weights === null ? 1 : weights[weightsOff + b];
    // Skipped before anything is read: the row may be padding full of garbage.
    const loss = weight === 0 ? 0 : weight * lossOfRow(b, weight);
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
