/** What `rnnc train` tells the person running it: the run it is starting, and how it ended. */
import { describeDataset, type RawData } from "../../../engine/data/load.js";
import { planStream, type Dataset } from "../../../engine/data/dataset.js";
import type { Evaluation } from "../../../engine/train/evaluate.js";
import { sequencesPerStep, type TrainConfig, type TrainOutcome } from "../../../engine/train/loop.js";
import { formatDuration } from "../../../engine/train/progress.js";
import { describeLearningRates } from "../../../engine/train/schedule.js";
import { LOSS_PLOT_FILE, METRICS_FILE } from "../../../engine/train/run-log.js";
import type { RunCheckpoints } from "../../../engine/train/run-checkpoints.js";
import { describeSignal, exitStatusOf, type StopSignal } from "../stop-signals.js";
import type { TrainingPlan } from "./train-setup.js";
import { plural } from "../../plural.js";

export function describeEvaluation(e: Evaluation, prefix = ""): string {
  const parts = [`${prefix}loss ${e.loss.toFixed(4)}`];
  if (e.accuracy !== undefined) parts.push(`${prefix}accuracy ${(100 * e.accuracy).toFixed(1)}%`);
  if (e.perplexity !== undefined) parts.push(`perplexity ${e.perplexity.toFixed(2)}`);
  return parts.join(", ");
}

/** "train loss 1.2345, val loss 1.3456, val accuracy 61.0%, perplexity 3.84" */
export function describeLosses(r: { trainLoss?: number; val?: Evaluation }): string {
  return [
    r.trainLoss !== undefined ? `train loss ${r.trainLoss.toFixed(4)}` : "",
    r.val ? describeEvaluation(r.val, "val ") : "",
  ]
    .filter(Boolean)
    .join(", ");
}

export function reportStart(plan: TrainingPlan, perEpoch: number, backend: string, out: (line: string) => void): void {
  const { saved, ir, prepared, raw, valRaw, train, val, config, state } = plan;
  if (saved)
    out(
      `resuming ${plan.dir} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch + 1} of ${perEpoch})`,
    );
  const weightCount = ir.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const dimNote =
    saved && Object.keys(saved.model.overrides).length > 0
      ? `; dims as checkpointed: ${Object.entries(saved.model.overrides)
          .map(([k, v]) => `${k} = ${v}`)
          .join(", ")}`
      : prepared.notes.length > 0
        ? `; from the data: ${prepared.notes.join(", ")}`
        : "";
  out(`model ${ir.name}: ${ir.params.length} parameters, ${weightCount.toLocaleString("en-US")} weights${dimNote}`);
  if (plan.started) for (const line of describeStart(plan.started, ir.params.length)) out(line);
  if (config.frozen?.length) out(`frozen (not trained): ${config.frozen.join(", ")}`);
  const validating = val
    ? `, validating on ${describeDataset(val)}${valRaw ? ` (${valRaw.path})` : ` (--val-split ${config.valSplit})`}`
    : ", no validation";
  out(`data ${raw.path}: training on ${describeDataset(train)}${validating}`);
  for (const data of [raw, valRaw]) {
    const note = data && damagedTextNote(data);
    if (note) out(note);
  }
  out(describeSchedule(train, config, perEpoch, backend, plan.threads));
  if (train.kind === "stream") {
    const unit = train.unit ?? "characters";
    const plan = planStream(train.ids.length, sequencesPerStep(config), config.seqLen, unit);
    if (plan.unused > 0)
      out(
        `note: the last ${plan.unused} ${plan.unused === 1 ? unit.slice(0, -1) : unit} of the training text do not fill the ${plan.B} streams and are not used`,
      );
  }
}

/** What `--init-from` loaded, kept at its initialiser and ignored. */
function describeStart(started: NonNullable<TrainingPlan["started"]>, params: number): string[] {
  const { from, kind, report } = started;
  const lines = [
    `--init-from ${from} (${kind}): loaded ${report.loaded.length} of ${params} parameters: ${report.loaded.join(", ")}`,
  ];
  if (report.initialised.length > 0) lines.push(`  left at their initialisers: ${report.initialised.join(", ")}`);
  if (report.ignored.length > 0) lines.push(`  ignored (not parameters of the model): ${report.ignored.join(", ")}`);
  return lines;
}

/** A text with a few invalid UTF-8 sequences trains (each is U+FFFD), but says so. */
function damagedTextNote(data: RawData): string | undefined {
  if (data.format !== "text" || data.census.invalid.count === 0) return undefined;
  const { count, firstOffset } = data.census.invalid;
  return `note: ${data.path} has ${count} invalid UTF-8 ${plural(count, "sequence")} (the first at byte ${firstOffset.toLocaleString("en-US")}), read as U+FFFD`;
}

function describeSchedule(train: Dataset, c: TrainConfig, perEpoch: number, backend: string, threads: number): string {
  const o = c.optimizer;
  const momentum = o.kind === "momentum" || o.kind === "nesterov" ? ` momentum ${o.momentum}` : "";
  const rates = c.schedule ? describeLearningRates(c.schedule) : "";
  const opt = `${o.kind} lr ${o.lr}${rates ? ` (${rates})` : ""}${momentum}${o.weightDecay > 0 ? ` weight decay ${o.weightDecay}` : ""}`;
  const clip = [
    c.clipValue !== null ? `clip-value ${c.clipValue}` : "",
    c.clipNorm !== null ? `clip-norm ${c.clipNorm}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const k = c.accumulate ?? 1;
  const perStep = sequencesPerStep(c);
  const batching =
    train.kind === "stream"
      ? `${Math.min(perStep, train.ids.length - 1)} streams${k > 1 ? ` (${k} batches of ${c.batch} accumulated a step)` : ""} × chunks of ${c.seqLen} steps (truncated BPTT)`
      : `batches of ${c.batch}${k > 1 ? `, ${k} accumulated a step (${perStep} sequences)` : ""}`;
  const patience = c.patience ? `, stopping after ${c.patience} validations without improvement` : "";
  return `training: ${c.epochs} ${plural(c.epochs, "epoch")} × ${perEpoch} ${plural(perEpoch, "step")} = ${perEpoch * c.epochs} ${plural(perEpoch * c.epochs, "step")}, ${batching}, ${opt}${clip ? `, ${clip}` : ""}${patience}, seed ${c.seed}, backend ${backend}${threads > 1 ? ` on ${threads} threads` : ""}`;
}

export interface RunEnd {
  outcome: TrainOutcome;
  plan: TrainingPlan;
  checkpoints: RunCheckpoints;
  /** The signal that stopped an interrupted run. */
  signal?: StopSignal;
  seconds: number;
  /** The last epoch's figures. */
  lastEpoch?: { trainLoss?: number; val?: Evaluation; epoch: number };
  /** The `--data` argument, for the command that continues. */
  dataArg: string;
}

/** Prints how the run ended; returns the exit status. */
export function reportEnd(end: RunEnd, out: (line: string) => void, err: (line: string) => void): number {
  const { outcome, plan, checkpoints } = end;
  const { dir, config } = plan;
  const s = outcome.state;
  const bestNote = checkpoints.best
    ? `the best weights (validation loss ${checkpoints.best.valLoss.toFixed(4)} at epoch ${checkpoints.best.epoch}, step ${checkpoints.best.step}) are in ${checkpoints.bestDir}`
    : undefined;
  const explosions = `${s.explosions} ${plural(s.explosions, "step")} had exploding gradient norms`;
  if (outcome.status === "diverged") {
    err(`rnnc: training stopped at step ${s.step + 1} (epoch ${s.epoch + 1}): ${outcome.message}`);
    err(`  hint: ${outcome.hint}`);
    err(`  the last good checkpoint is step ${checkpoints.lastStep} in ${dir}; nothing after it was saved`);
    if (bestNote) err(`  ${bestNote}`);
    if (s.explosions > 0) err(`  ${explosions} before this`);
    return 1;
  }
  if (outcome.status === "interrupted") {
    // Only a signal stops a run early.
    const signal = end.signal ?? "SIGINT";
    out(
      `interrupted at step ${s.step} (${describeSignal(signal)}) after ${formatDuration(end.seconds)}; checkpoint saved in ${dir}`,
    );
    out(`continue with: rnnc train ${plan.file} --data ${end.dataArg} --checkpoint ${dir} --resume`);
    return exitStatusOf(signal);
  }
  const stepsRun = s.step - (plan.saved?.step ?? 0);
  const steps = `${s.step} ${plural(s.step, "step")}${stepsRun !== s.step ? ` (${stepsRun} in this run)` : ""} in ${formatDuration(end.seconds)}`;
  if (outcome.status === "stopped-early")
    out(
      `stopped early in epoch ${s.epoch + (s.batchInEpoch > 0 ? 1 : 0)} of ${config.epochs}, ${steps}: ${s.early.since} validations in a row have not improved on the best validation loss (--patience ${config.patience})`,
    );
  else out(`done: ${config.epochs} ${plural(config.epochs, "epoch")}, ${steps}`);
  if (end.lastEpoch) out(`  final (epoch ${end.lastEpoch.epoch}): ${describeLosses(end.lastEpoch)}`);
  if (checkpoints.best)
    out(
      `  best validation loss ${checkpoints.best.valLoss.toFixed(4)} at epoch ${checkpoints.best.epoch} (step ${checkpoints.best.step}), kept in ${checkpoints.bestDir}`,
    );
  if (s.explosions > 0)
    out(`  ${explosions}${config.clipNorm === null && config.clipValue === null ? "; consider --clip-norm 1" : ""}`);
  out(`  saved in ${dir}: weights.safetensors, ${METRICS_FILE}, ${LOSS_PLOT_FILE}, checkpoint.json`);
  return 0;
}
