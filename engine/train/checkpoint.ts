/**
 * Checkpoints: a directory holding
 *   checkpoint.json            the exact configuration, model source and dims, data identity,
 *                              vocabulary and labels, position in the run, generator state,
 *                              and the names of the two tensor files below;
 *   weights-<step>.safetensors parameters, float64 (so a resumed run is bit-exact);
 *   state-<step>.safetensors   optimiser moments and the state carried along a stream;
 *   weights.safetensors        the latest parameters again, for `rnnc run --weights`.
 * A training run's directory also holds `best/`, a checkpoint of its best validation
 * (run-checkpoints.ts), and `train.lock` while the run lasts (run-lock.ts).
 * Every file is written to a temporary name and renamed. The tensor files are written first
 * under new names and `checkpoint.json`, renamed last, points at them, so a run killed at any
 * moment leaves the previous complete checkpoint or the new one, never a mix. The files' bytes
 * are taken at one moment (`snapshotCheckpoint`) and written after (`writeCheckpoint`), so a run
 * can write them in the background while it trains on.
 */
import { existsSync, readFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Carry } from "../interpret/execution.js";
import type { Weights } from "../interpret/batch.js";
import { writeAtomicAsync } from "../io/atomic-write.js";
import { fileError } from "../io/file-error.js";
import { jsonErrorText } from "../io/data-error.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/io/safetensors.js";
import { namedRecord } from "../../runtime/records.js";
import { Rng, type RngState } from "../../runtime/rng.js";
import type { DataCodebook } from "../data/load.js";
import type { OptimizerState } from "./optimizers.js";
import { initialTrainState, type EarlyStopping, type TrainConfig, type TrainState } from "./loop.js";
import { newLossHistory, type LossHistory } from "./divergence.js";
import type { PlateauState } from "./schedule.js";
import type { Precision } from "../backend.js";

export const CHECKPOINT_FILE = "checkpoint.json";
export const CHECKPOINT_FORMAT = "rnnc-checkpoint";

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  step: number;
  epoch: number;
  batchInEpoch: number;
  finished: boolean;
  model: {
    file: string;
    name: string;
    sha256: string;
    source: string;
    /** Every dim's value as trained. */
    dims: Record<string, number>;
    /** The dims set from the command line or from the data (what `--dim` would say). */
    overrides: Record<string, number>;
  };
  data: { path: string; sha256: string; valPath?: string; valSha256?: string; codebook: DataCodebook };
  /**
   * `threads`: how many shards each batch's gradient was split into (absent: 1); `precision`: what the
   * gradients were computed in (absent: f64); `initFrom`: `--init-from`.
   */
  config: TrainConfig & { backend: string; threads?: number; precision?: Precision; initFrom?: string };
  files: { weights: string; state: string };
  rng: RngState;
  /** The generator of dropout's masks (absent in checkpoints of rnnc before dropout: a model without masks draws none). */
  dropoutRng?: RngState;
  order: number[] | null;
  epochLoss: { sum: number; positions: number };
  recentNorms: number[];
  explosions: number;
  /** Recent losses for telling divergence (absent in checkpoints of rnnc before it: the history starts afresh). */
  losses?: LossHistory;
  /** Early stopping's count (absent in checkpoints of rnnc before it: none). */
  early?: EarlyStopping;
  /** The plateau schedule's state (absent for the other schedules). */
  plateau?: PlateauState;
  /** Set in `best/`: the validation that made these the run's best weights. */
  best?: BestValidation;
  /** Length of metrics.jsonl when this checkpoint was written (lines after it are replayed on resume). */
  metricsBytes: number;
  savedAt: string;
}

export interface BestValidation {
  valLoss: number;
  step: number;
  /** The epoch, from 1. */
  epoch: number;
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  weights: Weights;
  optimizer: OptimizerState;
  carry: Carry | null;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

/** What stays the same across a run's checkpoints. */
export type CheckpointFixed = Omit<
  CheckpointMeta,
  | "step"
  | "epoch"
  | "batchInEpoch"
  | "files"
  | "rng"
  | "dropoutRng"
  | "order"
  | "epochLoss"
  | "recentNorms"
  | "explosions"
  | "losses"
  | "plateau"
  | "early"
  | "best"
  | "metricsBytes"
  | "savedAt"
  | "finished"
>;

/** A checkpoint's files as bytes, taken from the state at one moment, to be written (`writeCheckpoint`) while training goes on. */
export interface CheckpointSnapshot {
  meta: CheckpointMeta;
  /** The tensor files, then checkpoint.json, then weights.safetensors: the order they are written in. */
  files: { name: string; data: string | Uint8Array }[];
}

export function snapshotCheckpoint(
  fixed: CheckpointFixed,
  state: TrainState,
  extra: { metricsBytes: number; finished: boolean; shapes: Record<string, number[]>; best?: BestValidation },
): CheckpointSnapshot {
  const tag = String(state.step).padStart(7, "0");
  const files = { weights: `weights-${tag}.safetensors`, state: `state-${tag}.safetensors` };
  const params = namedRecord(
    Object.entries(state.weights).map(([name, w]) => [name, { shape: extra.shapes[name] ?? [w.length], data: w }]),
  );
  const weightBytes = encodeSafetensors(params, "F64", { step: String(state.step) });

  const opt = state.optimizer.getState();
  const tensors = namedRecord<{ shape: number[]; data: Float64Array }>();
  for (const [slot, arrays] of Object.entries(opt.slots))
    for (const [name, a] of Object.entries(arrays))
      tensors[`optimizer/${slot}/${name}`] = { shape: [a.length], data: a };
  const onehot: string[] = [];
  for (const [source, values] of Object.entries(state.carry ?? {})) {
    if (values[0] instanceof Int32Array) onehot.push(source);
    values.forEach((v, j) => (tensors[`carry/${source}/${j}`] = { shape: [v.length], data: Float64Array.from(v) }));
  }
  const stateMeta = {
    step: String(state.step),
    optimizer_t: String(opt.t),
    carry: state.carry ? "yes" : "no",
    carry_onehot: JSON.stringify(onehot),
  };
  const stateBytes = encodeSafetensors(tensors, "F64", stateMeta);

  const meta: CheckpointMeta = {
    ...fixed,
    step: state.step,
    epoch: state.epoch,
    batchInEpoch: state.batchInEpoch,
    finished: extra.finished,
    files,
    rng: state.shuffle.getState(),
    dropoutRng: state.dropout.getState(),
    order: state.order,
    epochLoss: state.epochLoss,
    recentNorms: state.recentNorms,
    explosions: state.explosions,
    losses: state.losses,
    ...(state.plateau ? { plateau: state.plateau } : {}),
    early: state.early,
    ...(extra.best ? { best: extra.best } : {}),
    metricsBytes: extra.metricsBytes,
    savedAt: new Date().toISOString(),
  };
  return {
    meta,
    files: [
      { name: files.weights, data: weightBytes },
      { name: files.state, data: stateBytes },
      // As text now: the state's arrays and objects that `meta` holds change as training goes on.
      { name: CHECKPOINT_FILE, data: JSON.stringify(meta, null, 1) + "\n" },
      { name: "weights.safetensors", data: weightBytes },
    ],
  };
}

/** Writes a snapshot's files in their order, each atomically, then deletes the tensor files of earlier checkpoints. */
export async function writeCheckpoint(dir: string, snapshot: CheckpointSnapshot): Promise<void> {
  for (const { name, data } of snapshot.files) await writeAtomicAsync(join(dir, name), data);
  const { weights, state } = snapshot.meta.files;
  for (const f of await readdir(dir)) {
    if (/^(weights|state)-\d+\.safetensors$/.test(f) && f !== weights && f !== state) {
      const path = join(dir, f);
      await rm(path, { force: true }).catch((e: unknown) => {
        throw fileError(`cannot remove '${path}'`, e);
      });
    }
  }
}

export class CheckpointError extends Error {}

export function readCheckpointMeta(dir: string): CheckpointMeta {
  const path = join(dir, CHECKPOINT_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CheckpointError(`no checkpoint in '${dir}' (${CHECKPOINT_FILE} is missing)`);
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(text) as CheckpointMeta;
  } catch (e) {
    throw new CheckpointError(`${path} is not valid JSON: ${jsonErrorText(e)}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT || meta.version !== 1)
    throw new CheckpointError(
      `${path} is not an rnnc checkpoint (format ${JSON.stringify(meta.format)}, version ${meta.version})`,
    );
  return meta;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const meta = readCheckpointMeta(dir);
  const read = (name: string) => {
    try {
      return decodeSafetensors(readFileSync(join(dir, name)));
    } catch (e) {
      throw new CheckpointError(`checkpoint file ${join(dir, name)} cannot be read: ${(e as Error).message}`);
    }
  };
  const w = read(meta.files.weights);
  const weights: Weights = namedRecord(Object.entries(w.tensors).map(([k, t]) => [k, t.data]));
  const s = read(meta.files.state);
  if (w.metadata?.["step"] !== String(meta.step) || s.metadata?.["step"] !== String(meta.step))
    throw new CheckpointError(`checkpoint files in '${dir}' disagree about the step; the checkpoint is damaged`);
  const slots: OptimizerState["slots"] = namedRecord();
  const carry: Carry = namedRecord();
  const onehot = new Set<string>(JSON.parse(s.metadata?.["carry_onehot"] ?? "[]") as string[]);
  for (const [key, t] of Object.entries(s.tensors)) {
    const parts = key.split("/");
    if (parts[0] === "optimizer") {
      const [, slot, ...rest] = parts;
      (slots[slot!] ??= namedRecord())[rest.join("/")] = t.data;
    } else if (parts[0] === "carry") {
      const j = Number(parts[parts.length - 1]);
      const source = parts.slice(1, -1).join("/");
      (carry[source] ??= [])[j] = onehot.has(source) ? Int32Array.from(t.data) : t.data;
    }
  }
  return {
    meta,
    weights,
    optimizer: { t: Number(s.metadata?.["optimizer_t"] ?? 0), slots },
    carry: s.metadata?.["carry"] === "yes" ? carry : null,
  };
}

/** The training state a checkpoint holds, ready for `trainLoop` to continue. */
export function restoreTrainState(ck: LoadedCheckpoint, config: TrainConfig): TrainState {
  const state = initialTrainState(ck.weights, config);
  state.optimizer.setState(ck.optimizer);
  state.shuffle = Rng.fromState(ck.meta.rng);
  if (ck.meta.dropoutRng) state.dropout = Rng.fromState(ck.meta.dropoutRng);
  state.step = ck.meta.step;
  state.epoch = ck.meta.epoch;
  state.batchInEpoch = ck.meta.batchInEpoch;
  state.order = ck.meta.order;
  state.carry = ck.carry;
  state.epochLoss = ck.meta.epochLoss;
  state.recentNorms = ck.meta.recentNorms;
  state.explosions = ck.meta.explosions;
  state.losses = ck.meta.losses ?? newLossHistory();
  if (state.plateau && ck.meta.plateau) state.plateau = ck.meta.plateau;
  if (ck.meta.early) state.early = ck.meta.early;
  return state;
}
