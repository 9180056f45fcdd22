/**
 * Learning-rate schedules: the rate of every optimiser step, as `torch.optim.lr_scheduler`
 * gives it with the scheduler stepped after each optimiser step (and a linear warmup chained
 * before it by `SequentialLR`). With n the steps already taken, base the configured rate:
 *
 * - warmup (n < W):  base·((n + 1)/W)                     (LinearLR(1/W, 1, total_iters=W−1))
 * - then, m = n − W the steps since the warmup:
 *   - constant:      base
 *   - step:          base·γ^⌊m/S⌋                          (StepLR(step_size=S, gamma=γ))
 *   - cosine:        min + (base − min)·(1 + cos(π·m/C))/2 for m ≤ C, min after
 *                                                          (CosineAnnealingLR(T_max=C, eta_min=min))
 *   - plateau:       a rate that starts at base and is multiplied by γ (not below min) when
 *                    more than `patience` validations in a row have not improved on the best loss by a
 *                    relative 10⁻⁴                         (ReduceLROnPlateau, mode min)
 *
 * Every schedule but plateau is a function of n alone; plateau's state (`PlateauState`) is
 * saved in checkpoints, so a resumed run continues it exactly.
 */

export type ScheduleKind = "constant" | "step" | "cosine" | "plateau";
export const scheduleKinds: readonly ScheduleKind[] = ["constant", "step", "cosine", "plateau"];

export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Steps of linear warmup (0: none). */
  warmup: number;
  /** step: steps between decays. */
  stepSize: number;
  /** step, plateau: what a decay multiplies the rate by (γ). */
  factor: number;
  /** cosine: steps from the end of the warmup to the minimum (the rest of the run as first planned). */
  cosineSteps: number;
  /** cosine, plateau: the lowest rate. */
  minLr: number;
  /** plateau: validations without improvement that are borne before the rate is reduced. */
  patience: number;
}

/** ReduceLROnPlateau's state: the rate, the best validation loss (null before the first), validations since it. */
export interface PlateauState {
  lr: number;
  best: number | null;
  bad: number;
}

/** torch's defaults: threshold 1e-4 relative, a reduction smaller than 1e-8 is not made. */
const PLATEAU_THRESHOLD = 1e-4;
const PLATEAU_EPS = 1e-8;

export const constantSchedule: ScheduleConfig = {
  kind: "constant",
  warmup: 0,
  stepSize: 1,
  factor: 0.1,
  cosineSteps: 1,
  minLr: 0,
  patience: 10,
};

export function newPlateauState(base: number): PlateauState {
  return { lr: base, best: null, bad: 0 };
}

/** The rate of the step after `stepsDone` steps; `plateau` is the plateau schedule's state. */
export function learningRate(s: ScheduleConfig, base: number, stepsDone: number, plateau: PlateauState | null): number {
  if (stepsDone < s.warmup) return base * ((stepsDone + 1) / s.warmup);
  const m = stepsDone - s.warmup;
  switch (s.kind) {
    case "constant":
      return base;
    case "step":
      return base * s.factor ** Math.floor(m / s.stepSize);
    case "cosine":
      return m >= s.cosineSteps
        ? s.minLr
        : s.minLr + ((base - s.minLr) * (1 + Math.cos((Math.PI * m) / s.cosineSteps))) / 2;
    case "plateau":
      return plateau?.lr ?? base;
  }
}

/**
 * Gives the plateau schedule a validation loss measured after `stepsDone` steps; validations
 * during the warmup are not given (the loss is still falling fast). Returns true if the rate
 * was reduced.
 */
export function notePlateauValidation(
  s: ScheduleConfig,
  state: PlateauState,
  loss: number,
  stepsDone: number,
): boolean {
  if (s.kind !== "plateau" || stepsDone < s.warmup) return false;
  if (state.best === null || loss < state.best * (1 - PLATEAU_THRESHOLD)) {
    state.best = loss;
    state.bad = 0;
  } else state.bad++;
  if (state.bad <= s.patience) return false;
  state.bad = 0;
  const lower = Math.max(state.lr * s.factor, s.minLr);
  if (!(state.lr - lower > PLATEAU_EPS)) return false;
  state.lr = lower;
  return true;
}

/** What the start of a run says of its schedule ("cosine schedule to 0 over 900 steps, warmup 100 steps"), or "". */
export function describeLearningRates(s: ScheduleConfig): string {
  const parts = [
    s.kind === "step" ? `step schedule: ×${s.factor} every ${s.stepSize} steps` : "",
    s.kind === "cosine" ? `cosine schedule to ${s.minLr} over ${s.cosineSteps} steps` : "",
    s.kind === "plateau"
      ? `plateau schedule: ×${s.factor} after ${s.patience + 1} validations without improvement${s.minLr > 0 ? `, not below ${s.minLr}` : ""}`
      : "",
    s.warmup > 0 ? `warmup ${s.warmup} steps` : "",
  ];
  return parts.filter(Boolean).join(", ");
}

export function validateSchedule(s: ScheduleConfig): void {
  if (!scheduleKinds.includes(s.kind))
    throw new RangeError(`unknown learning-rate schedule '${s.kind}' (${scheduleKinds.join(", ")})`);
  const whole = (n: number, min: number) => Number.isSafeInteger(n) && n >= min;
  if (!whole(s.warmup, 0)) throw new RangeError(`the warmup must be a whole number of steps ≥ 0, got ${s.warmup}`);
  if (!whole(s.stepSize, 1)) throw new RangeError(`the step schedule's step must be ≥ 1, got ${s.stepSize}`);
  if (!whole(s.cosineSteps, 1))
    throw new RangeError(`the cosine schedule needs at least one step, got ${s.cosineSteps}`);
  if (!whole(s.patience, 0)) throw new RangeError(`the plateau patience must be a whole number ≥ 0, got ${s.patience}`);
  if (!(s.factor > 0 && s.factor < 1)) throw new RangeError(`the decay factor must be in (0, 1), got ${s.factor}`);
  if (!(s.minLr >= 0) || !Number.isFinite(s.minLr))
    throw new RangeError(`the lowest learning rate must be a number ≥ 0, got ${s.minLr}`);
}
