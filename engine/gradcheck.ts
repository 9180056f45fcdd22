/**
 * Gradient checking: BPTT gradients against the five-point central difference
 *   ∂L/∂w ≈ (−L(w + 2ε) + 8 L(w + ε) − 8 L(w − ε) + L(w − 2ε)) / 12ε,
 * for chosen elements of every parameter. Its truncation error is O(ε⁴), so ε can be large
 * enough (1e-3) that rounding noise in L (about 1e-16 |L| / ε) stays far below small gradients. The error of an element is
 * |analytic − numeric| / max(|analytic|, |numeric|, floor), so gradients that are tiny
 * everywhere are compared absolutely instead of by a ratio of rounding errors.
 */
import type { ModelBackend } from "./model-backend.js";
import type { Batch, Weights } from "./interpret/batch.js";
import type { Rng } from "../runtime/rng.js";

export interface GradcheckOptions {
  epsilon?: number;
  /** Elements checked per parameter (random, by the rng); all of them when the parameter is smaller. */
  samplesPerParam?: number;
  floor?: number;
}

export interface ParamCheck {
  param: string;
  checked: number;
  size: number;
  worstError: number;
  worstIndex: number;
  analytic: number;
  numeric: number;
}

export function gradcheck(
  backend: ModelBackend,
  weights: Weights,
  batch: Batch,
  rng: Rng,
  options: GradcheckOptions = {},
): ParamCheck[] {
  const epsilon = options.epsilon ?? 1e-3;
  const samples = options.samplesPerParam ?? 24;
  const floor = options.floor ?? 1e-8;
  const { grads } = backend.lossAndGrad(weights, batch);
  const lossAt = () => backend.forward(weights, batch).loss!;

  return backend.ir.params.map((p) => {
    const w = weights[p.name]!;
    const g = grads[p.name]!;
    const indices = w.length <= samples ? [...w.keys()] : Array.from({ length: samples }, () => rng.int(w.length));
    const result: ParamCheck = {
      param: p.name,
      checked: indices.length,
      size: w.length,
      worstError: 0,
      worstIndex: -1,
      analytic: 0,
      numeric: 0,
    };
    for (const i of indices) {
      const original = w[i]!;
      const at = (offset: number) => {
        w[i] = original + offset;
        return lossAt();
      };
      const numeric = (-at(2 * epsilon) + 8 * at(epsilon) - 8 * at(-epsilon) + at(-2 * epsilon)) / (12 * epsilon);
      w[i] = original;
      const analytic = g[i]!;
      const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
      if (error >= result.worstError) Object.assign(result, { worstError: error, worstIndex: i, analytic, numeric });
    }
    return result;
  });
}
