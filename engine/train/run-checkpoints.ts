/**
 * The checkpoints of one training run in its directory: the latest, written when due (each
 * epoch end, every `every` steps, at least every five minutes, and when asked: a stop, the
 * end), and in `best/` a complete checkpoint of the weights that gave the lowest validation
 * loss so far. The latest checkpoint is what `--resume` continues; `best/` is what survives a
 * run that got worse (over-fitting, or divergence) and what eval, sample and analyze can read
 * (`--checkpoint DIR/best`).
 *
 * A checkpoint's bytes are taken when it is due and written in the background (BackgroundWrites)
 * while the next steps compute: its fsyncs are not the loop's wait. One is written at a time: a
 * checkpoint waits for the previous one's files before it takes its own, so at most one is held in
 * memory besides the state. `lastStep` moves when one is on disk; a failed write is thrown at the
 * next step (`due`), and the run's end waits for every write (`BackgroundWrites.finished`).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BackgroundWrites } from "../io/background-writes.js";
import { makeDirectories } from "../io/directories.js";
import type { Evaluation } from "./evaluate.js";
import type { TrainState } from "./loop.js";
import type { RunLog } from "./run-log.js";
import {
  hasCheckpoint,
  readCheckpointMeta,
  snapshotCheckpoint,
  writeCheckpoint,
  type BestValidation,
  type CheckpointFixed,
} from "./checkpoint.js";

export const BEST_DIR = "best";
const AT_LEAST_EVERY_MS = 300_000;

export class RunCheckpoints {
  /** The step of the latest checkpoint on disk (written by this run or the one it resumes). */
  lastStep: number;
  best: BestValidation | undefined;
  private lastTime = performance.now();
  /** The latest checkpoint's write (latest or best/), done or not. */
  private writing: Promise<void> = Promise.resolve();
  private readonly fixed: CheckpointFixed;
  private readonly shapes: Record<string, number[]>;
  private readonly log: RunLog;
  private readonly writes: BackgroundWrites;
  private readonly every: number;

  /** `every`: `--checkpoint-every`; `resumedAt`: the step of the checkpoint a resumed run continues. */
  constructor(
    readonly dir: string,
    run: {
      fixed: CheckpointFixed;
      shapes: Record<string, number[]>;
      log: RunLog;
      writes: BackgroundWrites;
      every: number;
      resumedAt?: number;
    },
  ) {
    ({ fixed: this.fixed, shapes: this.shapes, log: this.log, writes: this.writes, every: this.every } = run);
    this.lastStep = run.resumedAt ?? -1;
    this.best = run.resumedAt === undefined ? undefined : readBest(dir);
  }

  get bestDir(): string {
    return join(this.dir, BEST_DIR);
  }

  /** Asked after every step and epoch end; throws the error of a write that failed since. */
  due(state: TrainState, at: "step" | "epoch"): boolean {
    this.writes.check();
    return (
      at === "epoch" ||
      (this.every > 0 && state.step % this.every === 0) ||
      performance.now() - this.lastTime > AT_LEAST_EVERY_MS
    );
  }

  /** Takes a checkpoint of `state` (once the previous one is written) and writes it in the background. */
  async save(state: TrainState, finished = false): Promise<void> {
    await this.writing;
    this.writes.check();
    const snapshot = snapshotCheckpoint(this.fixed, state, {
      metricsBytes: this.log.bytes,
      finished,
      shapes: this.shapes,
    });
    this.lastTime = performance.now();
    this.writing = this.writes.add(async () => {
      await writeCheckpoint(this.dir, snapshot);
      this.lastStep = snapshot.meta.step;
    });
    this.log.writePlot();
  }

  /** Takes a checkpoint in `best/` when this validation is the lowest so far, written as `save` writes; true if it was. */
  async offerBest(state: TrainState, val: Evaluation, epoch: number): Promise<boolean> {
    if (!(val.loss < (this.best?.valLoss ?? Infinity))) return false;
    await this.writing;
    this.writes.check();
    const best = { valLoss: val.loss, step: state.step, epoch };
    const snapshot = snapshotCheckpoint(this.fixed, state, {
      metricsBytes: 0,
      finished: false,
      shapes: this.shapes,
      best,
    });
    this.best = best;
    this.writing = this.writes.add(async () => {
      makeDirectories(this.bestDir);
      await writeCheckpoint(this.bestDir, snapshot);
    });
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
