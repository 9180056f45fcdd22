/**
 * Optimisers as small pure update rules over flat parameter arrays, and a wrapper that keeps
 * their state per parameter so a checkpoint can save and restore it exactly.
 *
 * The rules follow PyTorch's `torch.optim` defaults (no weight decay, no Nesterov):
 * - sgd:       w ← w − lr·g
 * - momentum:  v ← μ·v + g;  w ← w − lr·v
 * - adam:      m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
 *              w ← w − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 */
import type { Weights } from "../interpret/batch.js";
import { namedRecord } from "../../runtime/records.js";

export type OptimizerKind = "sgd" | "momentum" | "adam";
export const optimizerKinds: readonly OptimizerKind[] = ["sgd", "momentum", "adam"];

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** momentum: μ. */
  momentum: number;
  /** adam: β₁, β₂, ε. */
  beta1: number;
  beta2: number;
  eps: number;
}

/** Learning rates that work for the small models of the examples; `--lr` overrides. */
export const defaultLearningRates: Record<OptimizerKind, number> = { sgd: 0.1, momentum: 0.05, adam: 0.005 };

export function defaultOptimizerConfig(kind: OptimizerKind, lr?: number): OptimizerConfig {
  return { kind, lr: lr ?? defaultLearningRates[kind], momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
}

export function sgdStep(w: Float64Array, g: Float64Array, lr: number): void {
  for (let i = 0; i < w.length; i++) w[i] -= lr * g[i]!;
}

export function momentumStep(w: Float64Array, g: Float64Array, velocity: Float64Array, lr: number, mu: number): void {
  for (let i = 0; i < w.length; i++) {
    const v = mu * velocity[i]! + g[i]!;
    velocity[i] = v;
    w[i] -= lr * v;
  }
}

/** One Adam step; `t` is the 1-based number of this step (for the bias corrections). */
export function adamStep(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
): void {
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}

/** What a checkpoint stores: the step count and, per slot (`m`, `v`, `velocity`), one array per parameter. */
export interface OptimizerState {
  t: number;
  slots: Record<string, Weights>;
}

export class Optimizer {
  private t = 0;
  private readonly slots: Record<string, Weights> = {};

  constructor(
    readonly config: OptimizerConfig,
    shapes: Record<string, number>,
  ) {
    validateOptimizerConfig(config);
    const names = config.kind === "adam" ? ["m", "v"] : config.kind === "momentum" ? ["velocity"] : [];
    for (const slot of names)
      this.slots[slot] = namedRecord(Object.entries(shapes).map(([p, n]) => [p, new Float64Array(n)]));
  }

  get steps(): number {
    return this.t;
  }

  /** Updates `weights` in place from `grads` (already clipped). */
  step(weights: Weights, grads: Weights): void {
    this.t++;
    const c = this.config;
    for (const name of Object.keys(weights)) {
      const w = weights[name]!;
      const g = grads[name];
      if (!g) continue;
      if (c.kind === "sgd") sgdStep(w, g, c.lr);
      else if (c.kind === "momentum") momentumStep(w, g, this.slots["velocity"]![name]!, c.lr, c.momentum);
      else adamStep(w, g, this.slots["m"]![name]!, this.slots["v"]![name]!, this.t, c.lr, c.beta1, c.beta2, c.eps);
    }
  }

  getState(): OptimizerState {
    return { t: this.t, slots: this.slots };
  }

  setState(state: OptimizerState): void {
    for (const [slot, arrays] of Object.entries(this.slots)) {
      for (const [name, target] of Object.entries(arrays)) {
        const source = state.slots[slot]?.[name];
        if (!source || source.length !== target.length)
          throw new Error(`optimiser state has no '${slot}' of length ${target.length} for '${name}'`);
        target.set(source);
      }
    }
    this.t = state.t;
  }
}

export function validateOptimizerConfig(c: OptimizerConfig): void {
  if (!optimizerKinds.includes(c.kind)) throw new RangeError(`unknown optimiser '${c.kind}' (sgd, momentum or adam)`);
  if (!(c.lr > 0) || !Number.isFinite(c.lr))
    throw new RangeError(`the learning rate must be a positive number, got ${c.lr}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${c.momentum}`);
  if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1))
    throw new RangeError(`Adam's betas must be in [0, 1), got ${c.beta1}, ${c.beta2}`);
  if (!(c.eps > 0)) throw new RangeError(`Adam's epsilon must be positive, got ${c.eps}`);
}
