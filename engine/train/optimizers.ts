/**
 * Optimisers as small pure update rules over flat parameter arrays, and a wrapper that keeps
 * their state per parameter so a checkpoint can save and restore it exactly.
 *
 * Each rule is `torch.optim`'s (single-tensor form, float64), with g the gradient after
 * clipping and λ the weight decay. For every rule but adamw, weight decay is L2, added to the
 * gradient first: g ← g + λw (torch's `weight_decay`).
 * - sgd:       w ← w − lr·g
 * - momentum:  v ← μv + g;  w ← w − lr·v                      (SGD(momentum=μ))
 * - nesterov:  v ← μv + g;  w ← w − lr·(g + μv)               (SGD(momentum=μ, nesterov=True))
 * - adam:      m ← β₁m + (1 − β₁)g;  s ← β₂s + (1 − β₂)g²;
 *              w ← w − lr · (m / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)
 * - adamw:     w ← w·(1 − lr·λ), then adam's step without L2 (decoupled weight decay)
 * - adagrad:   s ← s + g²;  w ← w − lr·g / (√s + ε)
 * - rmsprop:   s ← αs + (1 − α)g²;  w ← w − lr·g / (√s + ε)
 */
import type { Weights } from "../interpret/batch.js";
import { namedRecord } from "../../runtime/records.js";

export type OptimizerKind = "sgd" | "momentum" | "nesterov" | "adam" | "adamw" | "adagrad" | "rmsprop";

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** The base learning rate (a schedule scales it step by step). */
  lr: number;
  /** momentum, nesterov: μ. */
  momentum: number;
  /** adam, adamw: β₁, β₂. */
  beta1: number;
  beta2: number;
  /** adam, adamw, adagrad, rmsprop: ε. */
  eps: number;
  /** λ: L2 added to the gradient, or for adamw decoupled (absent in checkpoints of rnnc before it: 0). */
  weightDecay: number;
  /** rmsprop: α, how slowly the mean square forgets. */
  alpha: number;
}

/** Per rule: the state it keeps per parameter, its defaults, and what `rnnc help train` says of it. */
const rules: Record<
  OptimizerKind,
  { slots: readonly string[]; lr: number; eps: number; weightDecay: number; describe: string }
> = {
  sgd: { slots: [], lr: 0.1, eps: 1e-8, weightDecay: 0, describe: "w ← w − lr·g" },
  momentum: { slots: ["velocity"], lr: 0.05, eps: 1e-8, weightDecay: 0, describe: "v ← μv + g, w ← w − lr·v" },
  nesterov: {
    slots: ["velocity"],
    lr: 0.05,
    eps: 1e-8,
    weightDecay: 0,
    describe: "v ← μv + g, w ← w − lr·(g + μv)",
  },
  adam: {
    slots: ["m", "v"],
    lr: 0.005,
    eps: 1e-8,
    weightDecay: 0,
    describe: "m ← β₁m + (1 − β₁)g, s ← β₂s + (1 − β₂)g², w ← w − lr·m̂/(√ŝ + ε), β = 0.9, 0.999",
  },
  adamw: {
    slots: ["m", "v"],
    lr: 0.005,
    eps: 1e-8,
    weightDecay: 0.01,
    describe: "adam with decoupled weight decay w ← w·(1 − lr·λ)",
  },
  adagrad: { slots: ["sum"], lr: 0.1, eps: 1e-10, weightDecay: 0, describe: "s ← s + g², w ← w − lr·g/(√s + ε)" },
  rmsprop: {
    slots: ["square"],
    lr: 0.002,
    eps: 1e-8,
    weightDecay: 0,
    describe: "s ← αs + (1 − α)g², w ← w − lr·g/(√s + ε), α = 0.99",
  },
};

export const optimizerKinds = Object.keys(rules) as readonly OptimizerKind[];

/** Learning rates that work for the small models of the examples; `--lr` overrides. */
export const defaultLearningRates = Object.fromEntries(optimizerKinds.map((k) => [k, rules[k].lr])) as Record<
  OptimizerKind,
  number
>;

/** The weight decay of a rule when `--weight-decay` is not given: torch's (adamw 0.01, the others none). */
export function defaultWeightDecay(kind: OptimizerKind): number {
  return rules[kind].weightDecay;
}

/** One line per optimiser, for `rnnc help train`. */
export function describeOptimizers(): string {
  return optimizerKinds.map((k) => `  ${k.padEnd(9)}${rules[k].describe} (default lr ${rules[k].lr})`).join("\n");
}

export function defaultOptimizerConfig(kind: OptimizerKind, lr?: number, weightDecay?: number): OptimizerConfig {
  const rule = rules[kind];
  return {
    kind,
    lr: lr ?? rule.lr,
    momentum: 0.9,
    beta1: 0.9,
    beta2: 0.999,
    eps: rule.eps,
    weightDecay: weightDecay ?? rule.weightDecay,
    alpha: 0.99,
  };
}

/** A configuration as saved, with what checkpoints written before a setting existed lack filled in. */
export function completeOptimizerConfig(saved: Partial<OptimizerConfig> & { kind: OptimizerKind }): OptimizerConfig {
  return { lr: NaN, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, alpha: 0.99, ...saved };
}

/** The hyperparameters of one step: the configuration with this step's learning rate. */
export type StepSettings = Omit<OptimizerConfig, "kind">;

export function sgdStep(w: Float64Array, g: Float64Array, lr: number, weightDecay = 0): void {
  for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i]! + weightDecay * w[i]!);
}

export function momentumStep(
  w: Float64Array,
  g: Float64Array,
  velocity: Float64Array,
  s: Pick<StepSettings, "lr" | "momentum" | "weightDecay">,
  nesterov = false,
): void {
  const { lr, momentum: mu, weightDecay } = s;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const v = mu * velocity[i]! + gi;
    velocity[i] = v;
    w[i] -= lr * (nesterov ? gi + mu * v : v);
  }
}

/** One Adam step; `t` is the 1-based number of this step (for the bias corrections). */
export function adamStep(
  w: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  t: number,
  s: Pick<StepSettings, "lr" | "beta1" | "beta2" | "eps" | "weightDecay">,
  decoupled = false,
): void {
  const { lr, beta1, beta2, eps } = s;
  const c1 = 1 - beta1 ** t;
  const c2 = 1 - beta2 ** t;
  const l2 = decoupled ? 0 : s.weightDecay;
  const shrink = decoupled ? 1 - lr * s.weightDecay : 1;
  for (let i = 0; i < w.length; i++) {
    const wi = w[i]! * shrink;
    const gi = g[i]! + l2 * wi;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] = wi - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
  }
}

export function adagradStep(
  w: Float64Array,
  g: Float64Array,
  sum: Float64Array,
  s: Pick<StepSettings, "lr" | "eps" | "weightDecay">,
): void {
  const { lr, eps, weightDecay } = s;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const si = sum[i]! + gi * gi;
    sum[i] = si;
    w[i] -= (lr * gi) / (Math.sqrt(si) + eps);
  }
}

export function rmspropStep(
  w: Float64Array,
  g: Float64Array,
  square: Float64Array,
  s: Pick<StepSettings, "lr" | "alpha" | "eps" | "weightDecay">,
): void {
  const { lr, alpha, eps, weightDecay } = s;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]! + weightDecay * w[i]!;
    const si = alpha * square[i]! + (1 - alpha) * gi * gi;
    square[i] = si;
    w[i] -= (lr * gi) / (Math.sqrt(si) + eps);
  }
}

/** What a checkpoint stores: the step count and, per slot (`m`, `v`, `velocity`, …), one array per parameter. */
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
    for (const slot of rules[config.kind].slots)
      this.slots[slot] = namedRecord(Object.entries(shapes).map(([p, n]) => [p, new Float64Array(n)]));
  }

  get steps(): number {
    return this.t;
  }

  /**
   * Updates `weights` in place from `grads` (already clipped) at learning rate `lr` (the
   * configured one unless a schedule says otherwise). A parameter without a gradient (frozen)
   * is left as it is, weight decay included.
   */
  step(weights: Weights, grads: Weights, lr = this.config.lr): void {
    this.t++;
    const { kind, ...settings } = this.config;
    const s: StepSettings = { ...settings, lr };
    const slot = (name: string, param: string) => this.slots[name]![param]!;
    for (const name of Object.keys(weights)) {
      const w = weights[name]!;
      const g = grads[name];
      if (!g) continue;
      if (kind === "sgd") sgdStep(w, g, lr, s.weightDecay);
      else if (kind === "momentum" || kind === "nesterov")
        momentumStep(w, g, slot("velocity", name), s, kind === "nesterov");
      else if (kind === "adam" || kind === "adamw")
        adamStep(w, g, slot("m", name), slot("v", name), this.t, s, kind === "adamw");
      else if (kind === "adagrad") adagradStep(w, g, slot("sum", name), s);
      else rmspropStep(w, g, slot("square", name), s);
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
  if (!optimizerKinds.includes(c.kind))
    throw new RangeError(`unknown optimiser '${c.kind}' (${optimizerKinds.join(", ")})`);
  if (!(c.lr > 0) || !Number.isFinite(c.lr))
    throw new RangeError(`the learning rate must be a positive number, got ${c.lr}`);
  if (!(c.momentum >= 0 && c.momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${c.momentum}`);
  if (!(c.beta1 >= 0 && c.beta1 < 1) || !(c.beta2 >= 0 && c.beta2 < 1))
    throw new RangeError(`Adam's betas must be in [0, 1), got ${c.beta1}, ${c.beta2}`);
  if (!(c.eps > 0)) throw new RangeError(`epsilon must be positive, got ${c.eps}`);
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay))
    throw new RangeError(`the weight decay must be a number ≥ 0, got ${c.weightDecay}`);
  if (!(c.alpha >= 0 && c.alpha < 1)) throw new RangeError(`RMSProp's alpha must be in [0, 1), got ${c.alpha}`);
  if (c.kind === "adamw" && !(c.lr * c.weightDecay < 1))
    throw new RangeError(
      `adamw shrinks each weight by lr·λ a step; lr ${c.lr} × weight decay ${c.weightDecay} must be below 1`,
    );
}
