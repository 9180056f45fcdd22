/**
 * Everything `rnnc train` decides before it trains, without writing anything: whether the
 * checkpoint directory may be started or resumed, the data (the same as the checkpoint's when
 * resuming), the model fitted to it, the configuration, the backend, the datasets, the thread
 * count and the starting state. Whatever can fail here fails before a file is touched.
 */
import { join } from "node:path";
import {
  CheckpointError,
  hasCheckpoint,
  loadCheckpoint,
  readCheckpointMeta,
  restoreTrainState,
} from "../../../engine/train/checkpoint.js";
import type { CheckpointFixed, CheckpointMeta } from "../../../engine/train/checkpoint.js";
import { buildDataset, readData, type RawData, type ReadOptions } from "../../../engine/data/load.js";
import type { TextTokens } from "../../../engine/data/text-file.js";
import { planStream, type Dataset } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { requireWholeSequences } from "../../../engine/interpret/batch.js";
import { describeBatch, requireMemory, trainingNeed } from "../../../engine/memory.js";
import type { ModelBackend } from "../../../engine/model-backend.js";
import type { Precision } from "../../../engine/backend.js";
import { autoThreads } from "../../../engine/parallel/threads.js";
import { batchesPerEpoch, initialTrainState, type TrainConfig, type TrainState } from "../../../engine/train/loop.js";
import { constantSchedule, type ScheduleConfig, type ScheduleKind } from "../../../engine/train/schedule.js";
import { completeOptimizerConfig, defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { splitDataset } from "../../../engine/train/split.js";
import { defaultKernelTier } from "../../codegen/kernel-tier.js";
import {
  applyStartingWeights,
  frozenParameters,
  readStartingWeights,
  type StartingReport,
} from "../../../engine/train/init-from.js";
import { DataError } from "../../../engine/io/data-error.js";
import { BEST_DIR } from "../../../engine/train/run-checkpoints.js";
import { lossesWeighAlike } from "../../../engine/parallel/shards.js";
import type { IrModel } from "../../ir/ir.js";
import { UserError, type Output } from "../io.js";
import { prepareModel, type PreparedModel } from "../model-data.js";
import { openBackend } from "./options.js";
import type { TrainOptions } from "./train-options.js";
import { plural } from "../../plural.js";

/** Whether an option was given on the command line (not left at its default). */
export type GivenOption = (option: keyof TrainOptions) => boolean;

export interface TrainingPlan {
  file: string;
  dir: string;
  /** The checkpoint a resumed run continues. */
  saved?: CheckpointMeta;
  raw: RawData;
  valRaw?: RawData;
  prepared: PreparedModel;
  ir: IrModel;
  config: TrainConfig;
  backend: ModelBackend;
  /** What the backend computes each step in (the checkpoint's when resuming, unless `--precision` is given). */
  precision: Precision;
  train: Dataset;
  val?: Dataset;
  threads: number;
  state: TrainState;
  /** The part of every checkpoint of this run that does not change. */
  fixed: CheckpointFixed;
  /** What `--init-from` loaded. */
  started?: { from: string; kind: string; report: StartingReport };
}

/** Options that change what training computes: a resumed run must keep them. */
const TRAJECTORY: { option: keyof TrainOptions; flag: string; saved: (c: CheckpointMeta["config"]) => unknown }[] = [
  { option: "batch", flag: "--batch", saved: (c) => c.batch },
  { option: "seqLen", flag: "--seq-len", saved: (c) => c.seqLen },
  { option: "optimizer", flag: "--optimizer", saved: (c) => c.optimizer.kind },
  { option: "lr", flag: "--lr", saved: (c) => c.optimizer.lr },
  { option: "momentum", flag: "--momentum", saved: (c) => c.optimizer.momentum },
  { option: "weightDecay", flag: "--weight-decay", saved: (c) => c.optimizer.weightDecay ?? 0 },
  { option: "lrSchedule", flag: "--lr-schedule", saved: (c) => savedSchedule(c).kind },
  { option: "warmup", flag: "--warmup", saved: (c) => savedSchedule(c).warmup },
  { option: "lrStep", flag: "--lr-step", saved: (c) => savedSchedule(c).stepSize },
  { option: "lrFactor", flag: "--lr-factor", saved: (c) => savedSchedule(c).factor },
  { option: "lrMin", flag: "--lr-min", saved: (c) => savedSchedule(c).minLr },
  { option: "lrPatience", flag: "--lr-patience", saved: (c) => savedSchedule(c).patience },
  { option: "accumulate", flag: "--accumulate", saved: (c) => c.accumulate ?? 1 },
  { option: "patience", flag: "--patience", saved: (c) => c.patience ?? 0 },
  { option: "clipValue", flag: "--clip-value", saved: (c) => c.clipValue },
  { option: "clipNorm", flag: "--clip-norm", saved: (c) => c.clipNorm },
  { option: "seed", flag: "--seed", saved: (c) => c.seed },
  { option: "valSplit", flag: "--val-split", saved: (c) => c.valSplit },
  { option: "evalEvery", flag: "--eval-every", saved: (c) => c.evalEvery },
  // Splitting a batch changes the order of the sums, so the thread count is part of the trajectory.
  { option: "threads", flag: "--threads", saved: (c) => c.threads ?? 1 },
];

export async function prepareTraining(
  file: string,
  dir: string,
  opts: TrainOptions,
  given: GivenOption,
  io: Output,
): Promise<TrainingPlan> {
  if (!opts.resume) refuseExistingCheckpoint(dir);
  else if (opts.initFrom !== undefined)
    throw new UserError(
      `--init-from starts a new run from given weights; --resume continues ${dir} from its own (leave one out)`,
    );
  const saved = opts.resume ? resumableCheckpoint(dir, opts, given) : undefined;
  const start = opts.initFrom === undefined ? undefined : optionData("--init-from", opts.initFrom, readStartingWeights);
  const { raw, valRaw } = readTrainingData(opts, saved, given);
  const prepared = prepareModel(file, opts.dim, io, {
    data: raw,
    ...(saved ? { saved: saved.data.codebook, fixed: saved.model.overrides } : {}),
    ...(start?.codebook ? { saved: start.codebook } : {}),
  });
  if (saved && saved.model.sha256 !== prepared.sha256)
    throw new UserError(
      `${file} has changed since the checkpoint in ${dir} was written (step ${saved.step}); resuming needs the same model file`,
    );
  const { ir } = prepared;
  if (ir.losses.length === 0) throw new UserError(`model ${ir.name} declares no loss, so there is nothing to train`);
  const config = trainConfig(opts, saved, given);
  if (!saved) config.frozen = optionData("--freeze", opts.freeze.join(","), () => frozenParameters(ir, opts.freeze));
  else if (given("freeze") && frozenParameters(ir, opts.freeze).join() !== (saved.config.frozen ?? []).join())
    throw new UserError(
      `--freeze ${opts.freeze.join(",")} differs from the checkpoint (${saved.config.frozen?.join(",") || "nothing frozen"}); a resumed run keeps its configuration`,
    );
  if (saved?.finished && saved.epoch >= config.epochs)
    throw new UserError(
      `the run in ${dir} has finished (${saved.epoch} epochs, step ${saved.step}); give --epochs ${saved.epoch + 5} (say) with --resume to train further`,
    );
  const precision = trainingPrecision(opts, saved, given, io);
  const backend = await openBackend(ir, { ...opts, precision });
  if (saved && saved.config.backend !== opts.backend && given("backend"))
    io.err(
      `note: the checkpoint was trained with --backend ${saved.config.backend}; continuing with ${opts.backend} (results may differ in the last bits)\n`,
    );
  const dataset = buildDataset(raw, ir, prepared.codebook!);
  const { train, val } = valRaw
    ? { train: dataset, val: buildDataset(valRaw, ir, prepared.codebook!) }
    : splitDataset(dataset, config.valSplit, config.seed);
  if (!saved) config.schedule = scheduleFromOptions(opts, given, batchesPerEpoch(train, config), config.epochs);
  if (!val && (config.schedule?.kind === "plateau" || (config.patience ?? 0) > 0))
    throw new UserError(
      `${config.patience ? `--patience ${config.patience} stops the run` : "--lr-schedule plateau lowers the learning rate"} when validation stops improving, so it needs validation (--val-split above 0, or --val-data)`,
    );
  if ((config.accumulate ?? 1) > 1 && !lossesWeighAlike(ir))
    throw new UserError(
      `--accumulate ${config.accumulate}: model ${ir.name}'s losses weigh batches differently (${ir.losses.map((l) => `${l.reduce} at ${l.at}`).join(", ")}), so their gradients cannot be summed into one batch's`,
    );
  const threads = saved ? savedThreads(saved, opts) : chooseThreads(opts, ir, train, config);
  if (train.kind === "stream")
    wholeSequencesOnly(
      ir,
      "training on a text stream (chunks of one long sequence)",
      "give it separate sequences, one JSON object a line (.jsonl, docs/training.md)",
    );
  requireTrainingMemory(ir, { ...opts, precision }, threads, train, config);
  const weights = saved ? undefined : initialWeights(ir, config.seed);
  const started =
    weights && start && optionData("--init-from", opts.initFrom!, () => applyStartingWeights(ir, weights, start));
  const state = saved ? restoreTrainState(loadCheckpoint(dir), config) : initialTrainState(weights!, config);
  const fixed: CheckpointFixed = {
    format: "rnnc-checkpoint",
    version: 1,
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
    config: {
      ...config,
      backend: opts.backend,
      threads,
      precision,
      ...(saved?.config.initFrom !== undefined ? { initFrom: saved.config.initFrom } : {}),
      ...(opts.initFrom !== undefined && !saved ? { initFrom: opts.initFrom } : {}),
    },
  };
  return {
    file,
    dir,
    ...(saved ? { saved } : {}),
    raw,
    ...(valRaw ? { valRaw } : {}),
    prepared,
    ir,
    config,
    backend,
    precision,
    train,
    ...(val ? { val } : {}),
    threads,
    state,
    fixed,
    ...(started ? { started: { from: opts.initFrom!, kind: start!.kind, report: started } } : {}),
  };
}

/** Reads what an option names, an error in it reported as the option's. */
function optionData<T>(flag: string, value: string, read: (value: string) => T): T {
  try {
    return read(value);
  } catch (e) {
    if (e instanceof DataError || e instanceof CheckpointError) throw new UserError(`${flag} ${value}: ${e.message}`);
    throw e;
  }
}

/** The checkpoint `--resume` continues, once the options given agree with it. */
function resumableCheckpoint(dir: string, opts: TrainOptions, given: GivenOption): CheckpointMeta {
  const saved = readCheckpointMeta(dir);
  const early = saved.early;
  if (saved.finished && saved.config.patience && early && early.since >= saved.config.patience)
    throw new UserError(
      `the run in ${dir} stopped early at step ${saved.step}: ${early.since} validations in a row had not improved on its best (validation loss ${early.best?.toFixed(4)}); its best weights are in ${join(dir, BEST_DIR)}`,
    );
  if (saved.best)
    throw new UserError(
      `${dir} holds the best weights of a run (step ${saved.best.step}), kept for eval, sample and analyze; resume the run's own directory`,
    );
  for (const t of TRAJECTORY) {
    if (!given(t.option)) continue;
    const was = t.saved(saved.config);
    if (opts[t.option] !== was)
      throw new UserError(
        `${t.flag} ${String(opts[t.option])} differs from the checkpoint (${t.flag} ${was === null ? "not set" : String(was)}); a resumed run keeps its configuration (only --epochs may change)`,
      );
  }
  return saved;
}

export function refuseExistingCheckpoint(dir: string): void {
  if (hasCheckpoint(dir))
    throw new UserError(
      `${dir} already holds a checkpoint (step ${readCheckpointMeta(dir).step}); continue it with --resume, or train into another --checkpoint directory`,
    );
}

/**
 * The data files, which must be those the checkpoint was trained on when resuming, read as
 * then: a resumed run's text is read as words if its vocabulary is of words, and its
 * vocabulary is the checkpoint's whatever its cap was.
 */
function readTrainingData(
  opts: TrainOptions,
  saved: CheckpointMeta | undefined,
  given: GivenOption,
): { raw: RawData; valRaw?: RawData } {
  let reading: ReadOptions = {
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.vocabSize !== undefined ? { vocabSize: opts.vocabSize } : {}),
  };
  if (saved) {
    const vocabulary = saved.data.codebook.vocabulary;
    const tokens: TextTokens | undefined =
      vocabulary?.kind === "words" ? "words" : vocabulary?.kind === "chars" ? "chars" : undefined;
    if (given("tokens") && opts.tokens !== tokens)
      throw new UserError(
        `--tokens ${opts.tokens} differs from the checkpoint, which reads ${tokens === undefined ? "records, not a text" : `a text as ${tokens}`}; a resumed run keeps its vocabulary`,
      );
    if (given("vocabSize") && opts.vocabSize !== vocabulary?.cap)
      throw new UserError(
        `--vocab-size ${opts.vocabSize} differs from the checkpoint (${vocabulary?.cap === undefined ? "no --vocab-size" : `--vocab-size ${vocabulary.cap}`}); a resumed run keeps its vocabulary`,
      );
    reading = tokens === "words" ? { tokens } : {};
  }
  const raw = readData(opts.data, reading);
  const valRaw = opts.valData ? readData(opts.valData, reading.tokens ? { tokens: reading.tokens } : {}) : undefined;
  if (saved) {
    if (saved.data.sha256 !== raw.sha256)
      throw new UserError(
        `${opts.data} is not the data the checkpoint was trained on (${saved.data.path}, contents differ); resuming needs the same data`,
      );
    if ((saved.data.valSha256 ?? null) !== (valRaw?.sha256 ?? null))
      throw new UserError(`--val-data differs from the checkpoint's (${saved.data.valPath ?? "none"})`);
  }
  return { raw, ...(valRaw ? { valRaw } : {}) };
}

/** The checkpoint's configuration when resuming (only `--epochs` may change), else the options'. */
function trainConfig(opts: TrainOptions, saved: CheckpointMeta | undefined, given: GivenOption): TrainConfig {
  if (saved)
    return {
      ...saved.config,
      optimizer: completeOptimizerConfig(saved.config.optimizer),
      epochs: given("epochs") ? opts.epochs : saved.config.epochs,
    };
  return {
    epochs: opts.epochs,
    batch: opts.batch,
    seqLen: opts.seqLen,
    optimizer: { ...defaultOptimizerConfig(opts.optimizer, opts.lr, opts.weightDecay), momentum: opts.momentum },
    accumulate: opts.accumulate,
    patience: opts.patience,
    clipValue: opts.clipValue ?? null,
    clipNorm: opts.clipNorm ?? null,
    seed: opts.seed,
    valSplit: opts.valData ? 0 : opts.valSplit,
    evalEvery: opts.evalEvery,
  };
}

/** A checkpoint's schedule (one written before schedules existed has none: constant). */
function savedSchedule(c: CheckpointMeta["config"]): ScheduleConfig {
  return c.schedule ?? constantSchedule;
}

/** Options that set one schedule's parameters, refused with another. */
const SCHEDULE_OPTIONS: { option: keyof TrainOptions; flag: string; kinds: ScheduleKind[] }[] = [
  { option: "lrStep", flag: "--lr-step", kinds: ["step"] },
  { option: "lrFactor", flag: "--lr-factor", kinds: ["step", "plateau"] },
  { option: "lrMin", flag: "--lr-min", kinds: ["cosine", "plateau"] },
  { option: "lrPatience", flag: "--lr-patience", kinds: ["plateau"] },
];

/** A new run's schedule; a step schedule decays once an epoch and a cosine one spans the rest of the run unless told otherwise. */
function scheduleFromOptions(opts: TrainOptions, given: GivenOption, perEpoch: number, epochs: number): ScheduleConfig {
  const kind = opts.lrSchedule;
  for (const o of SCHEDULE_OPTIONS)
    if (given(o.option) && !o.kinds.includes(kind))
      throw new UserError(`${o.flag} applies to --lr-schedule ${o.kinds.join(" or ")}, not ${kind}`);
  const total = perEpoch * epochs;
  if (kind === "cosine" && opts.warmup >= total)
    throw new UserError(
      `--warmup ${opts.warmup} leaves no steps for the cosine schedule: the run has ${total} (${epochs} ${plural(epochs, "epoch")} × ${perEpoch})`,
    );
  return {
    kind,
    warmup: opts.warmup,
    stepSize: opts.lrStep ?? perEpoch,
    factor: opts.lrFactor,
    cosineSteps: Math.max(1, total - opts.warmup),
    minLr: opts.lrMin,
    patience: opts.lrPatience,
  };
}

/**
 * `--precision`: a resumed run keeps its checkpoint's unless told otherwise (its weights and optimiser
 * state are float64 either way); float32 is the compiled backend's alone.
 */
function trainingPrecision(
  opts: TrainOptions,
  saved: CheckpointMeta | undefined,
  given: GivenOption,
  io: Output,
): Precision {
  const was = saved?.config.precision ?? "f64";
  const kept = saved !== undefined && !given("precision");
  const precision = kept ? was : opts.precision;
  if (precision === "f32" && opts.backend === "interp")
    throw new UserError(
      kept
        ? "the checkpoint was trained in float32 (--precision f32), which needs --backend compiled: the interpreter computes in float64; give --precision f64 to continue on it in float64"
        : "--precision f32 needs --backend compiled: the interpreter computes in float64",
    );
  if (saved && precision !== was)
    io.err(
      `note: the checkpoint was trained with --precision ${was}; continuing in ${precision} (from here on the results differ at float32's rounding)\n`,
    );
  return precision;
}

/** A resumed run keeps its threads, and only the compiled backend computes on several. */
function savedThreads(saved: CheckpointMeta, opts: TrainOptions): number {
  const threads = saved.config.threads ?? 1;
  if (threads > 1 && opts.backend === "interp")
    throw new UserError(
      `the checkpoint was trained on ${threads} threads (--threads ${threads}), which needs --backend compiled: the interpreter runs on one thread`,
    );
  return threads;
}

/** A model reading ahead is refused work that continues sequences chunk by chunk, before anything is made. */
export function wholeSequencesOnly(ir: IrModel, what: string, hint?: string): void {
  try {
    requireWholeSequences(ir, what);
  } catch (e) {
    throw new UserError(hint ? `${(e as Error).message}; ${hint}` : (e as Error).message);
  }
}

/** A run whose largest batch cannot be allocated is refused here, before its directory is made. */
function requireTrainingMemory(ir: IrModel, opts: TrainOptions, threads: number, train: Dataset, config: TrainConfig) {
  const [T, B] = largestBatch(train, config);
  const backend = { kind: opts.backend, kernels: opts.kernels ?? defaultKernelTier, threads, dtype: opts.precision };
  requireMemory(
    trainingNeed(ir, backend, T, B),
    `training on ${describeBatch(T, B)} on the ${opts.backend === "interp" ? "interpreter" : "compiled backend"}`,
    train.kind === "stream"
      ? "give a smaller --seq-len or --batch"
      : "give a smaller --batch, or shorten the longest sequences",
  );
}

/** The steps and sequences of the largest batch an epoch computes. */
function largestBatch(train: Dataset, config: TrainConfig): [T: number, B: number] {
  if (train.kind === "stream") {
    const plan = planStream(train.ids.length, config.batch, config.seqLen, train.unit);
    return [Math.min(plan.seqLen, plan.stepsPerStream), plan.B];
  }
  return [train.examples.reduce((T, e) => Math.max(T, e.length), 1), Math.min(config.batch, train.examples.length)];
}

/** `--threads`: the number given, or for `auto` what the batch's work pays for; the interpreter has one. */
function chooseThreads(opts: TrainOptions, ir: IrModel, train: Dataset, config: TrainConfig): number {
  if (opts.backend === "interp") {
    if (opts.threads !== "auto" && opts.threads > 1)
      throw new UserError(`--threads ${opts.threads} needs --backend compiled: the interpreter runs on one thread`);
    return 1;
  }
  if (opts.threads !== "auto") {
    if (opts.threads > 1 && ir.sequences)
      throw new UserError(
        `--threads ${opts.threads}: ${ir.name} reads sequences ${ir.sequences.join(", ")}, and its batches are not split between threads yet; train it on one thread`,
      );
    return opts.threads;
  }
  if (train.kind === "stream") return autoThreads(ir, config.seqLen, config.batch);
  const meanLength = train.examples.reduce((sum, e) => sum + e.length, 0) / Math.max(1, train.examples.length);
  return autoThreads(ir, Math.round(meanLength), Math.min(config.batch, train.examples.length));
}
