/**
 * `rnnc train FILE --data PATH`: trains a model with checkpoints, a metrics log, a loss plot
 * and a summary; `--resume` continues a checkpoint exactly where it stopped.
 */
import { mkdirSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { Command } from "commander";
import { describeDataset, readData } from "../../../engine/data/load.js";
import { buildDataset } from "../../../engine/data/load.js";
import type { Dataset } from "../../../engine/data/dataset.js";
import { planStream } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import {
  backendKinds,
  BackendUnavailableError,
  createBackend,
  type BackendKind,
} from "../../../engine/train/backend-choice.js";
import {
  hasCheckpoint,
  loadCheckpoint,
  readCheckpointMeta,
  restoreTrainState,
  saveCheckpoint,
  type CheckpointMeta,
} from "../../../engine/train/checkpoint.js";
import type { Evaluation } from "../../../engine/train/evaluate.js";
import {
  batchesPerEpoch,
  initialTrainState,
  trainLoop,
  type TrainConfig,
  type TrainState,
} from "../../../engine/train/loop.js";
import { defaultOptimizerConfig, optimizerKinds, type OptimizerKind } from "../../../engine/train/optimizers.js";
import { formatDuration, Progress } from "../../../engine/train/progress.js";
import { LOSS_PLOT_FILE, METRICS_FILE, RunLog } from "../../../engine/train/run-log.js";
import { splitDataset } from "../../../engine/train/split.js";
import { processOutput, UserError, type Output } from "../io.js";
import { prepareModel } from "../model-data.js";
import { collectDims, kernelsHelp, kernelsOf } from "./options.js";
import {
  choice,
  fraction,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  seedValue,
  threadCount,
  type ThreadCount,
} from "./train-options.js";
import { autoThreads, threadedGradient } from "../../../engine/parallel/threads.js";
import type { IrModel } from "../../ir/ir.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";

interface TrainOptions {
  kernels?: KernelTier;
  data: string;
  valData?: string;
  epochs: number;
  batch: number;
  seqLen: number;
  optimizer: OptimizerKind;
  lr?: number;
  momentum: number;
  clipValue?: number;
  clipNorm?: number;
  seed: number;
  valSplit: number;
  checkpoint?: string;
  checkpointEvery: number;
  evalEvery: number;
  resume?: boolean;
  backend: BackendKind;
  dim: string[];
  progress: "auto" | "bar" | "lines" | "none";
  logEvery?: number;
  threads: ThreadCount;
}

/** Options that change what training computes: a resumed run must keep them. */
const TRAJECTORY: { option: keyof TrainOptions; flag: string; saved: (c: CheckpointMeta["config"]) => unknown }[] = [
  { option: "batch", flag: "--batch", saved: (c) => c.batch },
  { option: "seqLen", flag: "--seq-len", saved: (c) => c.seqLen },
  { option: "optimizer", flag: "--optimizer", saved: (c) => c.optimizer.kind },
  { option: "lr", flag: "--lr", saved: (c) => c.optimizer.lr },
  { option: "momentum", flag: "--momentum", saved: (c) => c.optimizer.momentum },
  { option: "clipValue", flag: "--clip-value", saved: (c) => c.clipValue },
  { option: "clipNorm", flag: "--clip-norm", saved: (c) => c.clipNorm },
  { option: "seed", flag: "--seed", saved: (c) => c.seed },
  { option: "valSplit", flag: "--val-split", saved: (c) => c.valSplit },
  { option: "evalEvery", flag: "--eval-every", saved: (c) => c.evalEvery },
  // Splitting a batch changes the order of the sums, so the thread count is part of the trajectory.
  { option: "threads", flag: "--threads", saved: (c) => c.threads ?? 1 },
];

export function registerTrain(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command("train")
    .description("train a model on a text corpus, JSONL records or normative JSON data, with checkpoints")
    .argument("<file>", ".rnn file")
    .requiredOption(
      "--data <path>",
      "training data: .txt (character LM), .jsonl ({text|tokens, label}) or .json (normative batch)",
    )
    .option("--val-data <path>", "validation data (instead of holding out --val-split of --data)")
    .option("--epochs <n>", "passes over the training data", positiveInt, 10)
    .option("--batch <n>", "sequences per batch (parallel streams for a text)", positiveInt, 32)
    .option(
      "--seq-len <n>",
      "steps per chunk of a text (truncated BPTT; the state is carried across chunks)",
      positiveInt,
      50,
    )
    .option("--optimizer <name>", "sgd, momentum or adam", choice(optimizerKinds), "adam")
    .option("--lr <x>", "learning rate (default: sgd 0.1, momentum 0.05, adam 0.005)", positiveNumber)
    .option("--momentum <x>", "momentum factor for --optimizer momentum", fraction, 0.9)
    .option("--clip-value <x>", "clip each gradient entry to [-x, x]", positiveNumber)
    .option("--clip-norm <x>", "rescale the gradient when its global norm exceeds x", positiveNumber)
    .option("--seed <n>", "seed for initial weights, validation split and shuffling", seedValue, 1)
    .option("--val-split <f>", "fraction of the data held out for validation", fraction, 0.1)
    .option("--checkpoint <dir>", "checkpoint directory (default: runs/<model file name>)")
    .option(
      "--checkpoint-every <n>",
      "also checkpoint every n steps (always: each epoch, every 5 minutes, on Ctrl-C)",
      nonNegativeInt,
      0,
    )
    .option("--eval-every <n>", "also validate every n steps (always: each epoch)", nonNegativeInt, 0)
    .option("--resume", "continue the checkpoint in --checkpoint exactly where it stopped")
    .option(
      "--backend <name>",
      "compiled (generated code, the fast one) or interp (the interpreter)",
      choice(backendKinds),
      "compiled",
    )
    .option("--kernels <tier>", kernelsHelp, choice(kernelTiers))
    .option(
      "--threads <n>",
      "threads computing each batch's gradient, the batch split between them: a number, or auto (every core when a batch has enough work)",
      threadCount,
      "auto",
    )
    .option(
      "--dim <NAME=VALUE>",
      "override a dim (repeatable); one-hot and class dims default to the data's",
      collectDims,
      [],
    )
    .option("--progress <mode>", "auto, bar, lines or none", choice(["auto", "bar", "lines", "none"] as const), "auto")
    .option("--log-every <n>", "plain progress lines every n steps", positiveInt)
    .action(async (file: string, opts: TrainOptions, cmd: Command) => {
      setExit(await runTrain(file, opts, cmd, io));
    });
}

async function runTrain(file: string, opts: TrainOptions, cmd: Command, io: Output): Promise<number> {
  const dir = opts.checkpoint ?? join("runs", basename(file, extname(file)));
  const given = (option: string) => cmd.getOptionValueSource(option) === "cli";
  let saved: CheckpointMeta | undefined;
  if (opts.resume) {
    saved = readCheckpointMeta(dir);
    for (const t of TRAJECTORY) {
      if (!given(t.option)) continue;
      const was = t.saved(saved.config);
      if (opts[t.option] !== was)
        throw new UserError(
          `${t.flag} ${String(opts[t.option])} differs from the checkpoint (${t.flag} ${was === null ? "not set" : String(was)}); a resumed run keeps its configuration (only --epochs may change)`,
        );
    }
  } else if (hasCheckpoint(dir)) {
    throw new UserError(
      `${dir} already holds a checkpoint (step ${readCheckpointMeta(dir).step}); continue it with --resume, or train into another --checkpoint directory`,
    );
  }

  const raw = readData(opts.data);
  const valRaw = opts.valData ? readData(opts.valData) : undefined;
  if (saved) {
    if (saved.data.sha256 !== raw.sha256)
      throw new UserError(
        `${opts.data} is not the data the checkpoint was trained on (${saved.data.path}, contents differ); resuming needs the same data`,
      );
    if ((saved.data.valSha256 ?? null) !== (valRaw?.sha256 ?? null))
      throw new UserError(`--val-data differs from the checkpoint's (${saved.data.valPath ?? "none"})`);
  }
  const prepared = prepareModel(file, opts.dim, io, {
    data: raw,
    ...(saved ? { saved: saved.data.codebook, fixed: saved.model.overrides } : {}),
  });
  if (saved && saved.model.sha256 !== prepared.sha256)
    throw new UserError(
      `${file} has changed since the checkpoint in ${dir} was written (step ${saved.step}); resuming needs the same model file`,
    );
  const { ir } = prepared;

  const config: TrainConfig = saved
    ? { ...saved.config, epochs: given("epochs") ? opts.epochs : saved.config.epochs }
    : {
        epochs: opts.epochs,
        batch: opts.batch,
        seqLen: opts.seqLen,
        optimizer: { ...defaultOptimizerConfig(opts.optimizer, opts.lr), momentum: opts.momentum },
        clipValue: opts.clipValue ?? null,
        clipNorm: opts.clipNorm ?? null,
        seed: opts.seed,
        valSplit: opts.valData ? 0 : opts.valSplit,
        evalEvery: opts.evalEvery,
      };
  let backend;
  try {
    backend = await createBackend(ir, opts.backend, kernelsOf(opts));
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new UserError(e.message);
    throw e;
  }
  if (saved && saved.config.backend !== opts.backend && given("backend"))
    io.err(
      `note: the checkpoint was trained with --backend ${saved.config.backend}; continuing with ${opts.backend} (results may differ in the last bits)\n`,
    );

  const dataset = buildDataset(raw, ir, prepared.codebook!);
  const { train, val } = valRaw
    ? { train: dataset, val: buildDataset(valRaw, ir, prepared.codebook!) }
    : splitDataset(dataset, config.valSplit, config.seed);
  if (ir.losses.length === 0) throw new UserError(`model ${ir.name} declares no loss, so there is nothing to train`);
  const threads = saved ? (saved.config.threads ?? 1) : chooseThreads(opts, ir, train, config);
  // A resumed run keeps its threads, and only the compiled backend computes on several.
  if (saved && threads > 1 && opts.backend === "interp")
    throw new UserError(
      `the checkpoint was trained on ${threads} threads (--threads ${threads}), which needs --backend compiled: the interpreter runs on one thread`,
    );

  mkdirSync(dir, { recursive: true });
  const perEpoch = batchesPerEpoch(train, config);
  const totalSteps = perEpoch * config.epochs;
  const weightCount = ir.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const out = (s: string) => io.out(s + "\n");

  let state: TrainState;
  if (saved) {
    if (saved.finished && saved.epoch >= config.epochs)
      throw new UserError(
        `the run in ${dir} has finished (${saved.epoch} epochs, step ${saved.step}); give --epochs ${saved.epoch + 5} (say) with --resume to train further`,
      );
    state = restoreTrainState(loadCheckpoint(dir), config);
    out(
      `resuming ${dir} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch + 1} of ${perEpoch})`,
    );
  } else {
    state = initialTrainState(initialWeights(ir, config.seed), config);
  }

  const dimNote =
    saved && Object.keys(saved.model.overrides).length > 0
      ? `; dims as checkpointed: ${Object.entries(saved.model.overrides)
          .map(([k, v]) => `${k} = ${v}`)
          .join(", ")}`
      : prepared.notes.length > 0
        ? `; from the data: ${prepared.notes.join(", ")}`
        : "";
  out(`model ${ir.name}: ${ir.params.length} parameters, ${weightCount.toLocaleString("en-US")} weights${dimNote}`);
  out(
    `data ${raw.path}: training on ${describeDataset(train)}${val ? `, validating on ${describeDataset(val)}${valRaw ? ` (${valRaw.path})` : ` (--val-split ${config.valSplit})`}` : ", no validation"}`,
  );
  out(describeSchedule(train, config, perEpoch, totalSteps, opts.backend, threads));
  if (train.kind === "stream") {
    const plan = planStream(train.ids.length, config.batch, config.seqLen);
    if (plan.unused > 0)
      out(
        `note: the last ${plan.unused} character${plan.unused === 1 ? "" : "s"} of the training text do not fill the ${plan.B} streams and are not used`,
      );
  }

  const shapes = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
  const log = new RunLog(dir, `${ir.name}: loss`, saved?.metricsBytes);
  const fixed = {
    format: "rnnc-checkpoint" as const,
    version: 1 as const,
    model: {
      file,
      name: ir.name,
      sha256: prepared.sha256,
      source: prepared.loaded.text,
      dims: ir.dims,
      overrides: prepared.overrides,
    },
    data: {
      path: raw.path,
      sha256: raw.sha256,
      ...(valRaw ? { valPath: valRaw.path, valSha256: valRaw.sha256 } : {}),
      codebook: prepared.codebook!,
    },
    config: { ...config, backend: opts.backend, threads },
  };
  let lastSave = { step: saved?.step ?? -1, time: performance.now() };
  const checkpoint = (s: TrainState, finished = false) => {
    saveCheckpoint(dir, fixed, s, { metricsBytes: log.bytes, finished, shapes });
    lastSave = { step: s.step, time: performance.now() };
    log.writePlot();
  };
  if (!saved) checkpoint(state);

  const tty = io === processOutput && Boolean(process.stdout.isTTY);
  const mode = opts.progress === "auto" ? (tty ? "bar" : "lines") : opts.progress;
  const unit = ir.losses[0]!.at === "each" ? "tok" : "seq";
  const progress = new Progress(
    { out: io.out },
    {
      mode,
      totalSteps,
      epochs: config.epochs,
      unit,
      every: opts.logEvery ?? Math.max(1, Math.round(perEpoch / 4)),
      maxSeconds: 15,
    },
  );
  let stop = false;
  const onSigint = () => {
    if (stop) {
      io.err("\nrnnc: interrupted again; quitting without a checkpoint\n");
      process.exit(130);
    }
    stop = true;
    progress.message("interrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)");
  };
  process.on("SIGINT", onSigint);
  const started = performance.now();
  const stepsAtStart = state.step;
  let lastPlot = performance.now();
  let best: { loss: number; epoch: number; step: number } | undefined;
  let lastEval: { trainLoss?: number; val?: Evaluation; epoch: number } | undefined;

  const threaded = threads > 1 ? await threadedGradient(ir, threads, opts.kernels) : undefined;
  let outcome;
  try {
    outcome = await trainLoop(
      backend,
      { train, ...(val ? { val } : {}) },
      config,
      state,
      {
        step(r) {
          log.append({
            kind: "step",
            step: r.step,
            epoch: r.epoch + 1,
            loss: r.loss,
            grad_norm: r.gradNorm,
            clipped: r.clipped,
            positions: r.positions,
            seconds: r.seconds,
          });
          progress.step(r);
          if (performance.now() - lastPlot > 5000) {
            log.writePlot();
            lastPlot = performance.now();
          }
        },
        evaluated(r) {
          log.append({
            kind: "eval",
            step: r.step,
            epoch: r.epoch + 1,
            epoch_end: r.epochEnd,
            ...(r.trainLoss !== undefined ? { train_loss: r.trainLoss } : {}),
            ...(r.val
              ? {
                  val_loss: r.val.loss,
                  ...(r.val.accuracy !== undefined ? { val_accuracy: r.val.accuracy } : {}),
                  ...(r.val.perplexity !== undefined ? { val_perplexity: r.val.perplexity } : {}),
                }
              : {}),
          });
          if (r.val && (!best || r.val.loss < best.loss)) best = { loss: r.val.loss, epoch: r.epoch + 1, step: r.step };
          if (r.epochEnd)
            lastEval = {
              ...(r.trainLoss !== undefined ? { trainLoss: r.trainLoss } : {}),
              ...(r.val ? { val: r.val } : {}),
              epoch: r.epoch + 1,
            };
          progress.message(
            `${r.epochEnd ? `epoch ${r.epoch + 1}/${config.epochs} done` : `step ${r.step}`}: ${[r.trainLoss !== undefined ? `train loss ${r.trainLoss.toFixed(4)}` : "", r.val ? describeEvaluation(r.val, "val ") : ""].filter(Boolean).join(", ")}`,
          );
          log.writePlot();
          lastPlot = performance.now();
        },
        warning(message) {
          log.append({ kind: "warning", step: state.step + 1, message });
          if (mode === "none") io.err(`warning: ${message}\n`);
          else progress.message(`warning: ${message}`);
        },
        checkpointDue: (s, at) =>
          at === "epoch" ||
          (opts.checkpointEvery > 0 && s.step % opts.checkpointEvery === 0) ||
          performance.now() - lastSave.time > 300_000,
        checkpoint: (s) => checkpoint(s),
        stopRequested: () => stop,
      },
      threaded?.gradient,
    );
  } finally {
    process.off("SIGINT", onSigint);
    progress.end();
    await threaded?.close();
  }

  const elapsed = (performance.now() - started) / 1000;
  const stepsRun = outcome.state.step - stepsAtStart;
  if (outcome.status === "diverged") {
    const s = outcome.state;
    log.append({ kind: "stopped", step: s.step + 1, reason: outcome.message });
    log.writePlot();
    io.err(
      `rnnc: training stopped at step ${s.step + 1} (epoch ${s.epoch + 1}): ${outcome.message}\n  hint: ${outcome.hint}\n`,
    );
    io.err(`  the last good checkpoint is step ${lastSave.step} in ${dir}; nothing after it was saved\n`);
    if (s.explosions > 0)
      io.err(`  ${s.explosions} step${s.explosions === 1 ? "" : "s"} had exploding gradient norms before this\n`);
    return 1;
  }
  if (outcome.status === "interrupted") {
    out(`interrupted at step ${outcome.state.step} after ${formatDuration(elapsed)}; checkpoint saved in ${dir}`);
    out(`continue with: rnnc train ${file} --data ${opts.data} --checkpoint ${dir} --resume`);
    return 130;
  }
  checkpoint(outcome.state, true);
  const s = outcome.state;
  out(
    `done: ${config.epochs} epoch${config.epochs === 1 ? "" : "s"}, ${s.step} steps${stepsRun !== s.step ? ` (${stepsRun} in this run)` : ""} in ${formatDuration(elapsed)}`,
  );
  if (lastEval)
    out(
      `  final (epoch ${lastEval.epoch}): ${[lastEval.trainLoss !== undefined ? `train loss ${lastEval.trainLoss.toFixed(4)}` : "", lastEval.val ? describeEvaluation(lastEval.val, "val ") : ""].filter(Boolean).join(", ")}`,
    );
  if (best) out(`  best validation loss ${best.loss.toFixed(4)} at epoch ${best.epoch} (step ${best.step})`);
  if (s.explosions > 0)
    out(
      `  ${s.explosions} step${s.explosions === 1 ? "" : "s"} had exploding gradient norms${config.clipNorm === null && config.clipValue === null ? "; consider --clip-norm 1" : ""}`,
    );
  out(`  saved in ${dir}: weights.safetensors, ${METRICS_FILE}, ${LOSS_PLOT_FILE}, checkpoint.json`);
  return 0;
}

export function describeEvaluation(e: Evaluation, prefix = ""): string {
  const parts = [`${prefix}loss ${e.loss.toFixed(4)}`];
  if (e.accuracy !== undefined) parts.push(`${prefix}accuracy ${(100 * e.accuracy).toFixed(1)}%`);
  if (e.perplexity !== undefined) parts.push(`perplexity ${e.perplexity.toFixed(2)}`);
  return parts.join(", ");
}

/** `--threads`: the number given, or for `auto` what the batch's work pays for; the interpreter has one. */
function chooseThreads(opts: TrainOptions, ir: IrModel, train: Dataset, config: TrainConfig): number {
  if (opts.backend === "interp") {
    if (opts.threads !== "auto" && opts.threads > 1)
      throw new UserError(`--threads ${opts.threads} needs --backend compiled: the interpreter runs on one thread`);
    return 1;
  }
  if (opts.threads !== "auto") return opts.threads;
  if (train.kind === "stream") return autoThreads(ir, config.seqLen, config.batch);
  const meanLength = train.examples.reduce((sum, e) => sum + e.length, 0) / Math.max(1, train.examples.length);
  return autoThreads(ir, Math.round(meanLength), Math.min(config.batch, train.examples.length));
}

function describeSchedule(
  train: Dataset,
  c: TrainConfig,
  perEpoch: number,
  total: number,
  backend: string,
  threads: number,
): string {
  const o = c.optimizer;
  const opt = `${o.kind} lr ${o.lr}${o.kind === "momentum" ? ` momentum ${o.momentum}` : ""}`;
  const clip = [
    c.clipValue !== null ? `clip-value ${c.clipValue}` : "",
    c.clipNorm !== null ? `clip-norm ${c.clipNorm}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const batching =
    train.kind === "stream"
      ? `${Math.min(c.batch, train.ids.length - 1)} streams × chunks of ${c.seqLen} steps (truncated BPTT)`
      : `batches of ${c.batch}`;
  return `training: ${c.epochs} epochs × ${perEpoch} steps = ${total} steps, ${batching}, ${opt}${clip ? `, ${clip}` : ""}, seed ${c.seed}, backend ${backend}${threads > 1 ? ` on ${threads} threads` : ""}`;
}
