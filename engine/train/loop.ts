/**
 * The training loop, written against `ModelBackend` so any backend trains the same way.
 *
 * Everything that decides the rest of a run lives in `TrainState` (weights, optimiser
 * state, the shuffling generator, the position in the epoch, this epoch's order, the state
 * carried along a stream), and the loop is a deterministic function of it: a run saved
 * after step k and resumed computes exactly what the uninterrupted run computes from step
 * k on. Nothing else (wall-clock time, checkpoint timing, Ctrl-C) changes the arithmetic.
 */
import type { GradientFunction, ModelBackend } from "../model-backend.js";
import { clipByGlobalNorm, clipByValue } from "../../runtime/clip.js";
import type { Carry } from "../interpret/execution.js";
import type { Weights } from "../interpret/batch.js";
import { NumericError } from "../interpret/numeric-error.js";
import { allFinite, l2Norm } from "../../runtime/kernels/reductions.js";
import { namedRecord } from "../../runtime/records.js";
import { Rng } from "../../runtime/rng.js";
import { planStream, type Dataset } from "../data/dataset.js";
import { accumulatedGradient, stepBatches } from "./accumulate.js";
import { evaluate, hasPerplexity, lossPerPosition, scoredPositions, type Evaluation } from "./evaluate.js";
import { newLossHistory, recordStepLoss, validationDiverged, type LossHistory } from "./divergence.js";
import { Optimizer, type OptimizerConfig } from "./optimizers.js";
import {
  constantSchedule,
  learningRate,
  newPlateauState,
  notePlateauValidation,
  type PlateauState,
  type ScheduleConfig,
} from "./schedule.js";
import { withMasks } from "./masks.js";
import { deriveSeed, SEED_STREAM } from "./split.js";

export interface TrainConfig {
  epochs: number;
  /** Sequences per batch, or parallel streams of a text. */
  batch: number;
  /** Steps per chunk of a stream (truncated BPTT). */
  seqLen: number;
  optimizer: OptimizerConfig;
  clipValue: number | null;
  clipNorm: number | null;
  seed: number;
  valSplit: number;
  /** Validate every this many steps as well as at the end of each epoch (0: epoch ends only). */
  evalEvery: number;
  /** The learning rate step by step (absent: the optimiser's, constant). */
  schedule?: ScheduleConfig;
  /** Batches whose gradients are summed into one step (absent: 1). */
  accumulate?: number;
  /** Stop when this many validations in a row have not improved on the best (absent or 0: never). */
  patience?: number;
  /** Parameters kept as they are: no gradient, no update, not in the gradient's norm. */
  frozen?: string[];
}

export interface TrainState {
  weights: Weights;
  optimizer: Optimizer;
  shuffle: Rng;
  /** Dropout's masks (engine/train/masks.ts): drawn for every training batch of a model with dropout. */
  dropout: Rng;
  /** Optimiser steps taken. */
  step: number;
  /** The epoch in progress, from 0. */
  epoch: number;
  /** The next batch of the epoch to run. */
  batchInEpoch: number;
  /** This epoch's order of the training sequences (null before it is drawn). */
  order: number[] | null;
  /** What the last chunk of a stream left for the next. */
  carry: Carry | null;
  /** Loss summed per position over this epoch so far, and the positions. */
  epochLoss: { sum: number; positions: number };
  /** Gradient norms of recent steps (for spotting explosions) and how many steps exploded. */
  recentNorms: number[];
  explosions: number;
  /** Recent step losses and their levels, for telling a diverged run (engine/train/divergence.ts). */
  losses: LossHistory;
  /** The plateau schedule's state (null for the other schedules, which depend on the step alone). */
  plateau: PlateauState | null;
  /** The lowest validation loss so far (null before the first) and the validations since it, for `patience`. */
  early: EarlyStopping;
}

export interface EarlyStopping {
  best: number | null;
  since: number;
}

export function initialTrainState(weights: Weights, config: TrainConfig): TrainState {
  const shapes = namedRecord(Object.entries(weights).map(([k, w]) => [k, w.length]));
  return {
    weights,
    optimizer: new Optimizer(config.optimizer, shapes),
    shuffle: new Rng(deriveSeed(config.seed, SEED_STREAM.shuffle)),
    dropout: new Rng(deriveSeed(config.seed, SEED_STREAM.dropout)),
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    order: null,
    carry: null,
    epochLoss: { sum: 0, positions: 0 },
    recentNorms: [],
    explosions: 0,
    losses: newLossHistory(),
    plateau: config.schedule?.kind === "plateau" ? newPlateauState(config.optimizer.lr) : null,
    early: { best: null, since: 0 },
  };
}

/** The learning rate of the step after `state.step` steps. */
export function currentLearningRate(config: TrainConfig, state: TrainState): number {
  return learningRate(config.schedule ?? constantSchedule, config.optimizer.lr, state.step, state.plateau);
}

/** Sequences (or streams of a text) in one optimiser step: `--batch` times `--accumulate`. */
export function sequencesPerStep(config: TrainConfig): number {
  return config.batch * (config.accumulate ?? 1);
}

export function batchesPerEpoch(train: Dataset, config: TrainConfig): number {
  return train.kind === "stream"
    ? planStream(train.ids.length, sequencesPerStep(config), config.seqLen, train.unit).chunks
    : Math.ceil(train.examples.length / sequencesPerStep(config));
}

export interface StepReport {
  step: number;
  epoch: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  /** Mean loss per scored position of this batch. */
  loss: number;
  /** Global norm of the gradient before clipping. */
  gradNorm: number;
  /** The learning rate of this step. */
  lr: number;
  clipped: boolean;
  /** Scored positions (tokens or sequences) in this batch. */
  positions: number;
  seconds: number;
}

export interface EvalReport {
  step: number;
  epoch: number;
  /** Set at the end of an epoch: the epoch's mean training loss. */
  trainLoss?: number;
  epochEnd: boolean;
  val?: Evaluation;
  /** Set when this validation made the plateau schedule lower the learning rate: the new rate. */
  lrReduced?: number;
}

export interface TrainHooks {
  step?(r: StepReport): void;
  /** May return a promise (a checkpoint of the best weights being taken): the loop waits for it. */
  evaluated?(r: EvalReport): unknown;
  warning?(message: string): void;
  /** Asked after every step and every epoch end. */
  checkpointDue?(state: TrainState, at: "step" | "epoch"): boolean;
  /** Takes a checkpoint of `state`: the loop waits for what it returns, then changes `state` again. */
  checkpoint?(state: TrainState): unknown;
  /** Checked after every step: stop (after checkpointing) when true. */
  stopRequested?(): boolean;
}

export type TrainOutcome =
  | { status: "finished"; state: TrainState }
  | { status: "interrupted"; state: TrainState }
  /**
   * A non-finite loss or gradient, or a diverged loss, at `step` + 1 (the state is that before
   * the bad step's update); or a diverged validation after `step`.
   */
  | { status: "diverged"; state: TrainState; message: string; hint: string }
  /** `patience` validations in a row did not improve on the best (`state.early`). */
  | { status: "stopped-early"; state: TrainState };

const LOWER_THE_RATE = "lower the learning rate (--lr) or clip gradients (--clip-norm 1)";

/** Lets signals and messages in between steps: Node's setImmediate, or a macrotask where there is none (a browser). */
const yieldToEvents = () =>
  new Promise<void>((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * `gradient` computes each step's loss and gradient: the backend's own by default, or one
 * spread over threads (engine/parallel/) for the same backend.
 */
export async function trainLoop(
  backend: ModelBackend,
  data: { train: Dataset; val?: Dataset },
  config: TrainConfig,
  state: TrainState,
  hooks: TrainHooks = {},
  gradient: GradientFunction = (weights, batch, carry) => backend.gradientStep(weights, batch, carry),
): Promise<TrainOutcome> {
  const ir = backend.ir;
  const { train, val } = data;
  const perEpoch = batchesPerEpoch(train, config);
  const perStep = sequencesPerStep(config);
  const plan = train.kind === "stream" ? planStream(train.ids.length, perStep, config.seqLen, train.unit) : null;
  const validate = async (): Promise<Evaluation | undefined> =>
    val ? evaluate(backend, state.weights, val, { batch: config.batch, seqLen: config.seqLen }) : undefined;
  const diverged = (message: string, hint = LOWER_THE_RATE): TrainOutcome => ({
    status: "diverged",
    state,
    message,
    hint,
  });
  const perplexity = hasPerplexity(ir);
  const outOfPatience = () => (config.patience ?? 0) > 0 && state.early.since >= config.patience!;
  /** A validation's figures for the report, counted for early stopping and given to the plateau schedule first. */
  const validated = (v: Evaluation | undefined): Pick<EvalReport, "val" | "lrReduced"> => {
    if (!v) return {};
    const early = state.early;
    if (early.best === null || v.loss < early.best) {
      early.best = v.loss;
      early.since = 0;
    } else early.since++;
    const reduced =
      state.plateau && config.schedule && notePlateauValidation(config.schedule, state.plateau, v.loss, state.step);
    return { val: v, ...(reduced ? { lrReduced: state.plateau!.lr } : {}) };
  };

  while (state.epoch < config.epochs) {
    while (state.batchInEpoch < perEpoch) {
      if (train.kind === "sequences" && !state.order)
        state.order = state.shuffle.shuffle(Array.from({ length: train.examples.length }, (_, i) => i));
      const micro = stepBatches(
        ir,
        train,
        state.batchInEpoch,
        perStep,
        config.accumulate ?? 1,
        plan ? { plan } : { order: state.order! },
      );
      // Dropout is on while training only: these batches get masks, validation's do not.
      micro.batches = micro.batches.map((b) => withMasks(ir, b, state.dropout));
      const started = performance.now();
      let loss: number;
      let grads: Weights;
      let carry: Carry | null = null;
      try {
        const carried = plan && state.carry ? state.carry : undefined;
        const r = await accumulatedGradient(ir, gradient, state.weights, micro, plan !== null, carried);
        loss = r.loss;
        grads = config.frozen?.length ? withoutFrozen(r.grads, config.frozen) : r.grads;
        if (plan) carry = r.carry();
      } catch (e) {
        if (e instanceof NumericError) return diverged(e.message, e.hint);
        throw e;
      }
      const positions = micro.batches.reduce((n, b) => n + scoredPositions(ir, b), 0);
      const meanLoss = lossPerPosition(ir, loss, positions);
      if (!Number.isFinite(meanLoss)) return diverged(`the loss is ${meanLoss}`);
      const rising = recordStepLoss(state.losses, meanLoss, perplexity);
      if (rising) return diverged(rising);
      const gradList = Object.values(grads);
      const gradNorm = l2Norm(gradList);
      if (!Number.isFinite(gradNorm))
        return diverged(
          `the gradient norm is ${gradNorm}`,
          "clip gradients (--clip-norm 1) or lower the learning rate",
        );
      noteExplosion(state, gradNorm, config, hooks);
      let clipped = false;
      if (config.clipValue !== null) clipped = clipByValue(gradList, config.clipValue) > 0 || clipped;
      if (config.clipNorm !== null) clipped = clipByGlobalNorm(gradList, config.clipNorm) > config.clipNorm || clipped;
      const lr = currentLearningRate(config, state);
      state.optimizer.step(state.weights, grads, lr);
      const bad = Object.entries(state.weights).find(([, w]) => !allFinite(w));
      if (bad) return diverged(`the update made '${bad[0]}' non-finite`);
      state.carry = carry;
      state.epochLoss.sum += meanLoss * positions;
      state.epochLoss.positions += positions;
      state.step++;
      state.batchInEpoch++;
      hooks.step?.({
        step: state.step,
        epoch: state.epoch,
        batchInEpoch: state.batchInEpoch,
        batchesPerEpoch: perEpoch,
        loss: meanLoss,
        gradNorm,
        lr,
        clipped,
        positions,
        seconds: (performance.now() - started) / 1000,
      });
      if (config.evalEvery > 0 && state.step % config.evalEvery === 0 && state.batchInEpoch < perEpoch) {
        const v = await validate();
        const why = v && validationDiverged(v);
        if (why) return diverged(why);
        await hooks.evaluated?.({ step: state.step, epoch: state.epoch, epochEnd: false, ...validated(v) });
        if (outOfPatience()) return { status: "stopped-early", state };
      }
      // Events first: a stop asked for (a signal) while this step computed is seen now, not after the next.
      await yieldToEvents();
      if (hooks.stopRequested?.()) {
        await hooks.checkpoint?.(state);
        return { status: "interrupted", state };
      }
      if (hooks.checkpointDue?.(state, "step")) await hooks.checkpoint?.(state);
    }
    const trainLoss = state.epochLoss.positions > 0 ? state.epochLoss.sum / state.epochLoss.positions : NaN;
    const v = await validate();
    const why = v && validationDiverged(v);
    if (why) return diverged(why);
    await hooks.evaluated?.({ step: state.step, epoch: state.epoch, epochEnd: true, trainLoss, ...validated(v) });
    state.epoch++;
    state.batchInEpoch = 0;
    state.order = null;
    state.carry = null;
    state.epochLoss = { sum: 0, positions: 0 };
    if (hooks.checkpointDue?.(state, "epoch")) await hooks.checkpoint?.(state);
    if (outOfPatience() && state.epoch < config.epochs) return { status: "stopped-early", state };
    if (hooks.stopRequested?.() && state.epoch < config.epochs) {
      await hooks.checkpoint?.(state);
      return { status: "interrupted", state };
    }
  }
  return { status: "finished", state };
}

function withoutFrozen(grads: Weights, frozen: readonly string[]): Weights {
  return namedRecord(Object.entries(grads).filter(([name]) => !frozen.includes(name)));
}

/** A step whose gradient norm is far above the recent ones (or huge) is reported, with a hint to clip. */
function noteExplosion(state: TrainState, norm: number, config: TrainConfig, hooks: TrainHooks): void {
  const recent = state.recentNorms;
  const sorted = [...recent].sort((a, b) => a - b);
  const median = sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)]! : norm;
  // Relative to the recent steps once there are some; before that (and always, far out) by size.
  const exploded = recent.length >= 10 ? (norm > 20 * median && norm > 1) || norm > 1e4 : norm > 100;
  recent.push(norm);
  if (recent.length > 50) recent.shift();
  if (!exploded) return;
  state.explosions++;
  if (state.explosions > 3) return;
  const hint =
    config.clipNorm !== null || config.clipValue !== null
      ? `the gradient is exploding; ${config.clipNorm !== null ? `--clip-norm ${config.clipNorm}` : `--clip-value ${config.clipValue}`} clips it`
      : "the gradient is exploding; use --clip-norm 1 (or --clip-value) to keep steps bounded";
  const compared =
    recent.length > 10 ? `, ${(norm / median).toFixed(0)}× the recent median ${median.toPrecision(3)}` : "";
  hooks.warning?.(
    `step ${state.step + 1}: gradient norm ${norm.toPrecision(3)}${compared}: ${hint}${state.explosions === 3 ? " (further explosions are counted in the summary)" : ""}`,
  );
}
