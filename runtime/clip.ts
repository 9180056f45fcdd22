/**
 * Gradient clipping, applied in place to the list of all parameter gradients
 * before an optimiser step, to keep exploding gradients in recurrent networks
 * from wrecking training (Pascanu et al., 2013).
 */

import type { FloatArray } from "./floatArray.js";
import { l2Norm } from "./kernels/reductions.js";

/**
 * Clamps every entry to [−threshold, threshold]: g becomes threshold·sign(g)
 * where |g| > threshold. Returns how many entries were clipped.
 */
export function clipByValue(grads: readonly FloatArray[], threshold: number): number {
  requirePositive("clipByValue threshold", threshold);
  let clipped = 0;
  for (const g of grads) {
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (v > threshold) {
        g[i] = threshold;
        clipped++;
      } else if (v < -threshold) {
        g[i] = -threshold;
        clipped++;
      }
    }
  }
  return clipped;
}

/**
 * Rescales all gradients together by maxNorm/‖g‖ when their global L2 norm ‖g‖
 * exceeds maxNorm, which keeps the update's direction and bounds its size.
 * Returns ‖g‖ before clipping.
 *
 * A non-finite norm is returned without rescaling: the factor maxNorm/∞ = 0
 * would zero the finite entries and turn ±∞ into NaN, hiding the fault; the
 * caller should check the returned norm and skip the step.
 */
export function clipByGlobalNorm(grads: readonly FloatArray[], maxNorm: number): number {
  requirePositive("clipByGlobalNorm maxNorm", maxNorm);
  const norm = l2Norm(grads);
  if (norm > maxNorm && norm < Infinity) {
    const scale = maxNorm / norm;
    for (const g of grads) {
      for (let i = 0; i < g.length; i++) g[i]! *= scale;
    }
  }
  return norm;
}

function requirePositive(what: string, value: number): void {
  // Written as a negation so that NaN is rejected too.
  if (!(value > 0)) throw new RangeError(`${what} must be positive, got ${value}`);
}
