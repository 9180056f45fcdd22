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
import { l2Norm } from "../../runtime/kernels/reductions.js";
import { namedRecord } from "../../runtime/records.js";
import { Rng } from "../../runtime/rng.js";
import { planStream, sequenceBatch, streamChunk, type Dataset } from "../data/dataset.js";
import { evaluate, hasPerplexity, lossPerPosition, scoredPositions, type Evaluation } from "./evaluate.js";
import { newLossHistory, recordStepLoss, validationDiverged, type LossHistory } from "./divergence.js";
import { Optimizer, type OptimizerConfig } from "./optimizers.js";
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
}

export interface TrainState {
  weights: Weights;
  optimizer: Optimizer;
  shuffle: Rng;
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
}

export function initialTrainState(weights: Weights, config: TrainConfig): TrainState {
  const shapes = namedRecord(Object.entries(weights).map(([k, w]) => [k, w.length]));
  return {
    weights,
    optimizer: new Optimizer(config.optimizer, shapes),
    shuffle: new Rng(deriveSeed(config.seed, SEED_STREAM.shuffle)),
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    order: null,
    carry: null,
    epochLoss: { sum: 0, positions: 0 },
    recentNorms: [],
    explosions: 0,
    losses: newLossHistory(),
  };
}

export function batchesPerEpoch(train: Dataset, config: TrainConfig): number {
  return train.kind === "stream"
    ? planStream(train.ids.length, config.batch, config.seqLen).chunks
    : Math.ceil(train.examples.length / config.batch);
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
}

export interface TrainHooks {
  step?(r: StepReport): void;
  evaluated?(r: EvalReport): void;
  warning?(message: string): void;
  /** Asked after every step and every epoch end. */
  checkpointDue?(state: TrainState, at: "step" | "epoch"): boolean;
  checkpoint?(state: TrainState): void;
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
  | { status: "diverged"; state: TrainState; message: string; hint: string };

const LOWER_THE_RATE = "lower the learning rate (--lr) or clip gradients (--clip-norm 1)";

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  gradient: GradientFunction = (weights, batch, carry) => backend.lossAndGrad(weights, batch, carry),
): Promise<TrainOutcome> {
  const ir = backend.ir;
  const { train, val } = data;
  const perEpoch = batchesPerEpoch(train, config);
  const plan = train.kind === "stream" ? planStream(train.ids.length, config.batch, config.seqLen) : null;
  const validate = async (): Promise<Evaluation | undefined> =>
    val ? evaluate(backend, state.weights, val, { batch: config.batch, seqLen: config.seqLen }) : undefined;
  const diverged = (message: string, hint = LOWER_THE_RATE): TrainOutcome => ({
    status: "diverged",
    state,
    message,
    hint,
  });
  const perplexity = hasPerplexity(ir);

  while (state.epoch < config.epochs) {
    while (state.batchInEpoch < perEpoch) {
      if (train.kind === "sequences" && !state.order)
        state.order = state.shuffle.shuffle(Array.from({ length: train.examples.length }, (_, i) => i));
      const k = state.batchInEpoch;
      const batch = plan
        ? streamChunk(train as Extract<Dataset, { kind: "stream" }>, plan, k)
        : sequenceBatch(
            ir,
            (train as Extract<Dataset, { kind: "sequences" }>).examples,
            state.order!.slice(k * config.batch, (k + 1) * config.batch),
          );
      const started = performance.now();
      let loss: number;
      let grads: Weights;
      let carry: Carry | null = null;
      try {
        const r = await gradient(state.weights, batch, plan && state.carry ? state.carry : undefined);
        loss = r.loss;
        grads = r.grads;
        if (plan) carry = r.carry();
      } catch (e) {
        if (e instanceof NumericError) return diverged(e.message, e.hint);
        throw e;
      }
      const positions = scoredPositions(ir, batch);
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
      state.optimizer.step(state.weights, grads);
      const bad = Object.entries(state.weights).find(([, w]) => !w.every(Number.isFinite));
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
        clipped,
        positions,
        seconds: (performance.now() - started) / 1000,
      });
      if (config.evalEvery > 0 && state.step % config.evalEvery === 0 && state.batchInEpoch < perEpoch) {
        const v = await validate();
        const why = v && validationDiverged(v);
        if (why) return diverged(why);
        hooks.evaluated?.({ step: state.step, epoch: state.epoch, epochEnd: false, ...(v ? { val: v } : {}) });
      }
      // Events first: a stop asked for (a signal) while this step computed is seen now, not after the next.
      await yieldToEvents();
      if (hooks.stopRequested?.()) {
        hooks.checkpoint?.(state);
        return { status: "interrupted", state };
      }
      if (hooks.checkpointDue?.(state, "step")) hooks.checkpoint?.(state);
    }
    const trainLoss = state.epochLoss.positions > 0 ? state.epochLoss.sum / state.epochLoss.positions : NaN;
    const v = await validate();
    const why = v && validationDiverged(v);
    if (why) return diverged(why);
    hooks.evaluated?.({ step: state.step, epoch: state.epoch, epochEnd: true, trainLoss, ...(v ? { val: v } : {}) });
    state.epoch++;
    state.batchInEpoch = 0;
    state.order = null;
    state.carry = null;
    state.epochLoss = { sum: 0, positions: 0 };
    if (hooks.checkpointDue?.(state, "epoch")) hooks.checkpoint?.(state);
    if (hooks.stopRequested?.() && state.epoch < config.epochs) {
      hooks.checkpoint?.(state);
      return { status: "interrupted", state };
    }
  }
  return { status: "finished", state };
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
