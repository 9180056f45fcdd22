/**
 * The checkpoints of one training run in its directory: the latest, written when due (each
 * epoch end, every `every` steps, at least every five minutes, and when asked: a stop, the
 * end), and in `best/` a complete checkpoint of the weights that gave the lowest validation
 * loss so far. The latest checkpoint is what `--resume` continues; `best/` is what survives a
 * run that got worse (over-fitting, or divergence) and what eval, sample and analyze can read
 * (`--checkpoint DIR/best`).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeDirectories } from "../io/directories.js";
import type { Evaluation } from "./evaluate.js";
import type { TrainState } from "./loop.js";
import type { RunLog } from "./run-log.js";
import {
  hasCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
  type BestValidation,
  type CheckpointFixed,
} from "./checkpoint.js";

export const BEST_DIR = "best";
const AT_LEAST_EVERY_MS = 300_000;

export class RunCheckpoints {
  /** The step of the latest checkpoint written (by this run or the one it resumes). */
  lastStep: number;
  best: BestValidation | undefined;
  private lastTime = performance.now();
  private readonly fixed: CheckpointFixed;
  private readonly shapes: Record<string, number[]>;
  private readonly log: RunLog;
  private readonly every: number;

  /** `every`: `--checkpoint-every`; `resumedAt`: the step of the checkpoint a resumed run continues. */
  constructor(
    readonly dir: string,
    run: { fixed: CheckpointFixed; shapes: Record<string, number[]>; log: RunLog; every: number; resumedAt?: number },
  ) {
    ({ fixed: this.fixed, shapes: this.shapes, log: this.log, every: this.every } = run);
    this.lastStep = run.resumedAt ?? -1;
    this.best = run.resumedAt === undefined ? undefined : readBest(dir);
  }

  get bestDir(): string {
    return join(this.dir, BEST_DIR);
  }

  due(state: TrainState, at: "step" | "epoch"): boolean {
    return (
      at === "epoch" ||
      (this.every > 0 && state.step % this.every === 0) ||
      performance.now() - this.lastTime > AT_LEAST_EVERY_MS
    );
  }

  save(state: TrainState, finished = false): void {
    saveCheckpoint(this.dir, this.fixed, state, { metricsBytes: this.log.bytes, finished, shapes: this.shapes });
    this.lastStep = state.step;
    this.lastTime = performance.now();
    this.log.writePlot();
  }

  /** Saves `best/` when this validation is the lowest so far; true if it was. */
  offerBest(state: TrainState, val: Evaluation, epoch: number): boolean {
    if (!(val.loss < (this.best?.valLoss ?? Infinity))) return false;
    const best = { valLoss: val.loss, step: state.step, epoch };
    makeDirectories(this.bestDir);
    saveCheckpoint(this.bestDir, this.fixed, state, {
      metricsBytes: 0,
      finished: false,
      shapes: this.shapes,
      best,
    });
    this.best = best;
    return true;
  }
}

/** A fresh run's directory has no `best/` of an earlier run (whose checkpoint was deleted). */
export function clearEarlierBest(dir: string): void {
  rmSync(join(dir, BEST_DIR), { recursive: true, force: true });
}

function readBest(dir: string): BestValidation | undefined {
  const best = join(dir, BEST_DIR);
  return existsSync(best) && hasCheckpoint(best) ? readCheckpointMeta(best).best : undefined;
}
