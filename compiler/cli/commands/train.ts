/**
 * `rnnc train FILE --data PATH`: trains a model with checkpoints, a metrics log, a loss plot
 * and a summary; `--resume` continues a checkpoint exactly where it stopped.
 *
 * A run: decide everything (train-setup.ts), lock the checkpoint directory (creating it),
 * write the first checkpoint, train while listening for stop signals, report (train-report.ts).
 * Nothing is written before the lock, and a start that fails before its first checkpoint
 * removes the directory it created. Checkpoints and the plot are written in the background
 * while training goes on; the process reports and exits only once every write is on disk.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { removeLeftTemporaries } from "../../../engine/io/atomic-write.js";
import { BackgroundWrites } from "../../../engine/io/background-writes.js";
import { threadedGradient } from "../../../engine/parallel/threads.js";
import { backendKinds, precisions } from "../../../engine/train/backend-choice.js";
import type { Evaluation } from "../../../engine/train/evaluate.js";
import { batchesPerEpoch, trainLoop, type TrainHooks, type TrainOutcome } from "../../../engine/train/loop.js";
import { describeOptimizers, optimizerKinds } from "../../../engine/train/optimizers.js";
import { formatLearningRate, Progress } from "../../../engine/train/progress.js";
import { scheduleKinds } from "../../../engine/train/schedule.js";
import { RunLog } from "../../../engine/train/run-log.js";
import { BEST_DIR, clearEarlierBest, RunCheckpoints } from "../../../engine/train/run-checkpoints.js";
import { lockRunDirectory, type RunLock } from "../../../engine/train/run-lock.js";
import { kernelTiers } from "../../codegen/kernel-tier.js";
import { textTokenKinds } from "../../../engine/data/text-file.js";
import { processOutput, type Output } from "../io.js";
import { defaultRunDirectory } from "../model-data.js";
import { describeSignal, exitStatusOf, StopSignals } from "../stop-signals.js";
import { collectDims, collectNames, kernelsHelp } from "./options.js";
import {
  choice,
  defaultSeed,
  fraction,
  nonNegativeInt,
  nonNegativeNumber,
  openFraction,
  positiveInt,
  positiveNumber,
  seedValue,
  threadCount,
  type TrainOptions,
} from "./train-options.js";
import { describeLosses, reportEnd, reportStart, type RunEnd } from "./train-report.js";
import { prepareTraining, refuseExistingCheckpoint, type TrainingPlan } from "./train-setup.js";

export function registerTrain(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command("train")
    .description("train a model on a text corpus, JSONL records or normative JSON data, with checkpoints")
    .argument("<file>", ".rnn file")
    .requiredOption(
      "--data <path>",
      "training data: .txt (language model), .jsonl (one record a line: {text|tokens, label|target|tags}) or .json (normative batch)",
    )
    .option("--val-data <path>", "validation data (instead of holding out --val-split of --data)")
    .option(
      "--tokens <kind>",
      "what a text's tokens are: chars (default), or words (split on white space; each line a sentence ending in <eos>)",
      choice(textTokenKinds),
    )
    .option(
      "--vocab-size <n>",
      "keep the n most frequent characters, words or JSONL tokens (<eos> and <unk> included); the rest read as <unk>",
      positiveInt,
    )
    .option("--epochs <n>", "passes over the training data", positiveInt, 10)
    .option("--batch <n>", "sequences per batch (parallel streams for a text)", positiveInt, 32)
    .option(
      "--seq-len <n>",
      "steps per chunk of a text (truncated BPTT; the state is carried across chunks)",
      positiveInt,
      50,
    )
    .option("--optimizer <name>", `${optimizerKinds.join(", ")} (below)`, choice(optimizerKinds), "adam")
    .option("--lr <x>", "learning rate (default: the optimiser's, below)", positiveNumber)
    .option("--momentum <x>", "μ for --optimizer momentum and nesterov", fraction, 0.9)
    .option(
      "--weight-decay <x>",
      "λ: L2 added to the gradient (g + λw), or for adamw decoupled (w·(1 − lr·λ)); default adamw 0.01, the others 0",
      nonNegativeNumber,
    )
    .option(
      "--lr-schedule <name>",
      "the learning rate step by step: constant, step, cosine or plateau (below)",
      choice(scheduleKinds),
      "constant",
    )
    .option(
      "--warmup <n>",
      "raise the learning rate linearly over the first n steps (lr·k/n at step k)",
      nonNegativeInt,
      0,
    )
    .option("--lr-step <n>", "step: steps between decays (default: one epoch's)", positiveInt)
    .option("--lr-factor <x>", "step, plateau: what a decay multiplies the learning rate by", openFraction, 0.1)
    .option("--lr-min <x>", "cosine, plateau: the lowest learning rate", nonNegativeNumber, 0)
    .option(
      "--lr-patience <n>",
      "plateau: validations without improvement borne before the learning rate is lowered (at the next)",
      nonNegativeInt,
      10,
    )
    .option(
      "--accumulate <k>",
      "sum the gradients of k batches into each step: the step of one batch k times larger, in the memory of one",
      positiveInt,
      1,
    )
    .option(
      "--patience <n>",
      "stop when n validations in a row have not improved the best validation loss (0: never); the best weights are in DIR/best",
      nonNegativeInt,
      0,
    )
    .option(
      "--init-from <path>",
      "start from these weights: safetensors, JSON weights, or a checkpoint directory (then with its vocabulary), matched by name",
    )
    .option(
      "--freeze <names>",
      "keep these parameters (or all of a cell's: --freeze h) as they start, comma-separated (repeatable)",
      collectNames,
      [],
    )
    .option("--clip-value <x>", "clip each gradient entry to [-x, x]", positiveNumber)
    .option("--clip-norm <x>", "rescale the gradient when its global norm exceeds x", positiveNumber)
    .option("--seed <n>", "seed for initial weights, validation split and shuffling", seedValue, defaultSeed)
    .option("--val-split <f>", "fraction of the data held out for validation", fraction, 0.1)
    .option(
      "--checkpoint <dir>",
      "checkpoint directory (default: runs/<model file name>), locked while a run uses it; best/ in it keeps the best weights",
    )
    .option(
      "--checkpoint-every <n>",
      "also checkpoint every n steps (always: each epoch, every 5 minutes, on Ctrl-C, SIGTERM or SIGHUP)",
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
      "--precision <p>",
      "what the compiled backend computes each step in: f64 (float64, the interpreter's results to rounding) or f32 (float32, as PyTorch trains: faster); weights, optimiser and checkpoints stay float64",
      choice(precisions),
      "f64",
    )
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
    .addHelpText(
      "after",
      `
Optimisers (torch.optim's rules; g is the gradient after clipping and weight decay):
${describeOptimizers()}

Learning-rate schedules (torch.optim.lr_scheduler's; m counts the steps after the warmup):
  constant  lr
  step      lr·factor^floor(m / lr-step)                        (StepLR)
  cosine    min + (lr − min)(1 + cos(π·m/M))/2, M the remaining steps (CosineAnnealingLR)
  plateau   lr·factor when more than lr-patience validations in a row have not improved
            the best validation loss by a relative 1e-4; needs validation (ReduceLROnPlateau)

Stopping: Ctrl-C, SIGTERM (kill, timeout, schedulers, containers) or SIGHUP finishes the
step, saves a checkpoint and exits with 130, 143 or 129; a second signal quits at once.
--resume then continues exactly where the run stopped (also after kill -9).

A run stops with status 1, keeping its last checkpoint, when the loss or gradient is not
finite or the loss diverges (its median over 10 steps above 3x its lowest level and above
the untrained model's). The weights of the lowest validation loss are kept in DIR/best:
rnnc eval, sample and analyze read them with --checkpoint DIR/best.

A directory is used by one run at a time (DIR/train.lock names it); the lock of a run that
was killed is taken over. A text corpus is read in chunks (any size) and must be UTF-8.

JSONL records give tokens ("text", split on whitespace, or "tokens") and what the model's
one target is scored against: "label", a class name or id (class target at last) or a
number (real target of size 1 at last, e.g. a probability for binary_cross_entropy);
"target", an array of numbers (real target at last); "tags", one per token (at each).

A text trains a language model on its characters, or with --tokens words on its words: a
line is a sentence and ends with <eos>; the vocabulary is every word, <eos> and <unk> (the
id of any word it has not), or with --vocab-size n the n − 2 most frequent words, <eos> and
<unk>. eval and sample read characters and words outside a vocabulary that has <unk> as
<unk>.

Examples:
  rnnc train examples/char-lm.rnn --data corpus.txt --epochs 5 --checkpoint runs/lm
  rnnc train examples/char-lm.rnn --data corpus.txt --tokens words --vocab-size 5000 --checkpoint runs/words
  rnnc train examples/char-lm.rnn --data corpus.txt --checkpoint runs/lm --resume --epochs 10
  rnnc sample examples/char-lm.rnn --checkpoint runs/lm/best --length 200
`,
    )
    .action(async (file: string, opts: TrainOptions, cmd: Command) => {
      setExit(await runTrain(file, opts, cmd, io));
    });
}

async function runTrain(file: string, opts: TrainOptions, cmd: Command, io: Output): Promise<number> {
  const dir = opts.checkpoint ?? defaultRunDirectory(file);
  const given = (option: keyof TrainOptions) => cmd.getOptionValueSource(option) === "cli";
  const out = (line: string) => io.out(line + "\n");
  // A directory that exists is locked before anything in it is read; a new one is made only to be written.
  let lock = existsSync(dir) ? takeLock(dir, out) : undefined;
  let threaded: Awaited<ReturnType<typeof threadedGradient>> | undefined;
  let run: Awaited<ReturnType<typeof openRun>> | undefined;
  try {
    const plan = await prepareTraining(file, dir, opts, given, io);
    threaded =
      plan.threads > 1 ? await threadedGradient(plan.ir, plan.threads, opts.kernels, plan.precision) : undefined;
    lock ??= takeLock(dir, out);
    run = await openRun(plan, lock, opts.checkpointEvery);
    const end = await train(plan, { ...run, lock, gradient: threaded?.gradient }, opts, io);
    return reportEnd(end, out, (line) => io.err(line + "\n"));
  } finally {
    // Ending on an error too: the checkpoint being written is complete before the lock goes.
    await run?.writes.settled();
    run?.log.close();
    lock?.release();
    await threaded?.close();
  }
}

function takeLock(dir: string, out: (line: string) => void): RunLock {
  const lock = lockRunDirectory(dir);
  if (lock.tookOver)
    out(
      `note: taking over ${dir} from process ${lock.tookOver.pid}, which locked it at ${lock.tookOver.started} and is no longer running`,
    );
  // Under the lock no other run writes here: what an interrupted one left half-written goes.
  for (const d of [dir, join(dir, BEST_DIR)]) removeLeftTemporaries(d);
  return lock;
}

/**
 * The run's metrics log and checkpoints; a new run writes its first checkpoint (step 0). If
 * that fails, the directory the lock created is removed: a failed start leaves nothing.
 */
async function openRun(
  plan: TrainingPlan,
  lock: RunLock,
  every: number,
): Promise<{ log: RunLog; checkpoints: RunCheckpoints; writes: BackgroundWrites }> {
  const { dir, saved } = plan;
  try {
    if (!saved) {
      refuseExistingCheckpoint(dir);
      clearEarlierBest(dir);
    }
    const writes = new BackgroundWrites();
    const log = new RunLog(dir, `${plan.ir.name}: loss`, writes, saved?.metricsBytes);
    const checkpoints = new RunCheckpoints(dir, {
      fixed: plan.fixed,
      shapes: Object.fromEntries(plan.ir.params.map((p) => [p.name, p.shape])),
      log,
      writes,
      every,
      ...(saved ? { resumedAt: saved.step } : {}),
    });
    if (!saved) {
      await checkpoints.save(plan.state);
      await writes.finished();
    }
    return { log, checkpoints, writes };
  } catch (e) {
    if (!saved && lock.created) rmSync(lock.created, { recursive: true, force: true });
    throw e;
  }
}

interface RunParts {
  log: RunLog;
  checkpoints: RunCheckpoints;
  writes: BackgroundWrites;
  lock: RunLock;
  gradient: Parameters<typeof trainLoop>[5];
}

/** Trains from the plan's state until the run finishes, diverges or is asked to stop by a signal. */
async function train(plan: TrainingPlan, parts: RunParts, opts: TrainOptions, io: Output): Promise<RunEnd> {
  const { log, checkpoints } = parts;
  const perEpoch = batchesPerEpoch(plan.train, plan.config);
  const backend = plan.precision === "f32" ? `${opts.backend} in float32` : opts.backend;
  reportStart(plan, perEpoch, backend, (line) => io.out(line + "\n"));
  const tty = io === processOutput && Boolean(process.stdout.isTTY);
  const mode = opts.progress === "auto" ? (tty ? "bar" : "lines") : opts.progress;
  const progress = new Progress(
    { out: io.out },
    {
      mode,
      totalSteps: perEpoch * plan.config.epochs,
      epochs: plan.config.epochs,
      unit: plan.ir.losses[0]!.at === "each" ? "tok" : "seq",
      every: opts.logEvery ?? Math.max(1, Math.round(perEpoch / 4)),
      maxSeconds: 15,
    },
  );
  const stop = new StopSignals({
    first: (signal) =>
      progress.message(
        `${describeSignal(signal)}: finishing this step and saving a checkpoint (${describeSignal(signal)} again to quit at once)`,
      ),
    again: (signal) => {
      io.err(
        `\nrnnc: ${describeSignal(signal)} again: quitting without a checkpoint (the last is step ${checkpoints.lastStep} in ${plan.dir})\n`,
      );
      parts.lock.release();
      process.exit(exitStatusOf(signal));
    },
  });
  const started = performance.now();
  const hooks = runHooks(plan, parts, progress, mode, io, () => stop.received !== undefined);
  let outcome: TrainOutcome;
  try {
    const { train, val, config, state } = plan;
    outcome = await trainLoop(plan.backend, { train, ...(val ? { val } : {}) }, config, state, hooks, parts.gradient);
  } finally {
    stop.close();
    progress.end();
  }
  if (outcome.status === "diverged") {
    log.append({ kind: "stopped", step: outcome.state.step + 1, reason: outcome.message });
    log.writePlot();
  } else if (outcome.status === "finished" || outcome.status === "stopped-early")
    await checkpoints.save(outcome.state, true);
  // A stop's checkpoint, the last, the plot: on disk before the run reports and exits.
  await parts.writes.finished();
  return {
    outcome,
    plan,
    checkpoints,
    ...(stop.received ? { signal: stop.received } : {}),
    seconds: (performance.now() - started) / 1000,
    ...(hooks.lastEpoch ? { lastEpoch: hooks.lastEpoch } : {}),
    dataArg: opts.data,
  };
}

/** The loop's hooks: every step and validation logged and shown, checkpoints when due, the best weights kept. */
function runHooks(
  plan: TrainingPlan,
  { log, checkpoints }: RunParts,
  progress: Progress,
  mode: "bar" | "lines" | "none",
  io: Output,
  stopRequested: () => boolean,
): TrainHooks & { lastEpoch?: { trainLoss?: number; val?: Evaluation; epoch: number } } {
  let lastPlot = performance.now();
  const hooks: ReturnType<typeof runHooks> = {
    step(r) {
      log.append({
        kind: "step",
        step: r.step,
        epoch: r.epoch + 1,
        loss: r.loss,
        grad_norm: r.gradNorm,
        lr: r.lr,
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
        ...(r.lrReduced !== undefined ? { lr_reduced_to: r.lrReduced } : {}),
      });
      const bestTaken = r.val ? checkpoints.offerBest(plan.state, r.val, r.epoch + 1) : undefined;
      if (r.epochEnd)
        hooks.lastEpoch = {
          ...(r.trainLoss !== undefined ? { trainLoss: r.trainLoss } : {}),
          ...(r.val ? { val: r.val } : {}),
          epoch: r.epoch + 1,
        };
      progress.message(
        `${r.epochEnd ? `epoch ${r.epoch + 1}/${plan.config.epochs} done` : `step ${r.step}`}: ${describeLosses(r)}${r.lrReduced !== undefined ? `; no improvement: lr lowered to ${formatLearningRate(r.lrReduced)}` : ""}`,
      );
      log.writePlot();
      lastPlot = performance.now();
      return bestTaken;
    },
    warning(message) {
      log.append({ kind: "warning", step: plan.state.step + 1, message });
      if (mode === "none") io.err(`warning: ${message}\n`);
      else progress.message(`warning: ${message}`);
    },
    checkpointDue: (s, at) => checkpoints.due(s, at),
    checkpoint: (s) => checkpoints.save(s),
    stopRequested,
  };
  return hooks;
}
