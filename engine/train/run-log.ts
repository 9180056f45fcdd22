/**
 * `metrics.jsonl` (one JSON object a line: every step, every validation, every warning) and
 * `loss.svg` (training and validation loss against the step), both in the checkpoint
 * directory. On resume the log is cut back to where the checkpoint was written, so the
 * steps after it, which the resumed run repeats, are not logged twice. The plot is drawn when
 * asked and written in the background, in turn with the run's checkpoints (BackgroundWrites).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { composeCharts, type Chart, type Series } from "../plot/svg.js";
import { writeAll, writeAtomicAsync } from "../io/atomic-write.js";
import type { BackgroundWrites } from "../io/background-writes.js";
import { writingTo } from "../io/file-error.js";

export const METRICS_FILE = "metrics.jsonl";
export const LOSS_PLOT_FILE = "loss.svg";

export type MetricsLine =
  | {
      kind: "step";
      step: number;
      epoch: number;
      loss: number;
      grad_norm: number;
      /** Absent in logs of rnnc before schedules. */
      lr?: number;
      clipped: boolean;
      positions: number;
      seconds: number;
    }
  | {
      kind: "eval";
      step: number;
      epoch: number;
      epoch_end: boolean;
      train_loss?: number;
      val_loss?: number;
      val_accuracy?: number;
      val_perplexity?: number;
      /** The learning rate the plateau schedule lowered to after this validation. */
      lr_reduced_to?: number;
    }
  | { kind: "warning"; step: number; message: string }
  | { kind: "stopped"; step: number; reason: string };

export class RunLog {
  private readonly path: string;
  /** metrics.jsonl, open for appending while the run lasts: a line a step, where opening it each time cost 0.1 ms. */
  private readonly fd: number;
  private steps: [number, number][] = [];
  private trainEpochs: [number, number][] = [];
  private vals: [number, number][] = [];
  private rates: [number, number][] = [];
  /** Whether a line came since loss.svg was last drawn (an epoch's end draws it for the validation, then for the checkpoint). */
  private changed = false;

  constructor(
    readonly dir: string,
    private readonly title: string,
    private readonly writes: BackgroundWrites,
    resumeAtBytes?: number,
  ) {
    this.path = join(dir, METRICS_FILE);
    if (resumeAtBytes === undefined) writingTo(this.path, () => writeFileSync(this.path, ""));
    else {
      if (!existsSync(this.path)) writingTo(this.path, () => writeFileSync(this.path, ""));
      if (statSync(this.path).size > resumeAtBytes) writingTo(this.path, () => truncateSync(this.path, resumeAtBytes));
      for (const line of readFileSync(this.path, "utf8").split("\n"))
        if (line.trim()) this.remember(JSON.parse(line) as MetricsLine);
    }
    this.fd = writingTo(this.path, () => openSync(this.path, "a"));
  }

  get bytes(): number {
    return fstatSync(this.fd).size;
  }

  append(line: MetricsLine): void {
    writingTo(this.path, () => writeAll(this.fd, JSON.stringify(line) + "\n"));
    this.remember(line);
  }

  /** Closes metrics.jsonl: the run is over. */
  close(): void {
    closeSync(this.fd);
  }

  private remember(line: MetricsLine): void {
    this.changed = true;
    if (line.kind === "step") {
      this.steps.push([line.step, line.loss]);
      if (line.lr !== undefined) this.rates.push([line.step, line.lr]);
    }
    if (line.kind === "eval") {
      if (line.val_loss !== undefined) this.vals.push([line.step, line.val_loss]);
      if (line.epoch_end && line.train_loss !== undefined) this.trainEpochs.push([line.step, line.train_loss]);
    }
  }

  /** Training loss per step (averaged over buckets when there are many), per-epoch training mean, validation loss. */
  lossSeries(): Series[] {
    const bucket = Math.max(1, Math.ceil(this.steps.length / 300));
    const smoothed: [number, number][] = [];
    for (let i = 0; i < this.steps.length; i += bucket) {
      const part = this.steps.slice(i, i + bucket);
      smoothed.push([part[part.length - 1]![0], part.reduce((s, p) => s + p[1], 0) / part.length]);
    }
    const series: Series[] = [
      {
        name: bucket > 1 ? `training (mean of ${bucket} steps)` : "training (per step)",
        points: smoothed,
        color: "#9ecae1",
      },
    ];
    if (this.trainEpochs.length > 0)
      series.push({ name: "training (epoch mean)", points: this.trainEpochs, color: "#1f77b4", markers: true });
    if (this.vals.length > 0) series.push({ name: "validation", points: this.vals, color: "#d62728", markers: true });
    return series;
  }

  /** The learning rate against the step, when it has changed during the run (a schedule); else nothing. */
  rateSeries(): Series | undefined {
    const first = this.rates[0]?.[1];
    // r[1], not a destructured [, lr]: this runs rarely, unoptimised, where destructuring iterates (µs an element).
    if (this.rates.every((r) => r[1] === first)) return undefined;
    const every = Math.max(1, Math.ceil(this.rates.length / 600));
    const points = this.rates.filter((_, i) => i % every === 0 || i === this.rates.length - 1);
    return { name: "learning rate", points, color: "#2ca02c" };
  }

  /**
   * Draws the loss chart, and below it the learning rate's when a schedule changed it, and writes it
   * in the background; not drawn again while the log is unchanged.
   */
  writePlot(): void {
    if (this.steps.length === 0 || !this.changed) return;
    this.changed = false;
    const loss: Chart = {
      title: this.title,
      xLabel: "step",
      yLabel: "loss per scored position",
      series: this.lossSeries(),
    };
    const rate = this.rateSeries();
    const charts: Chart[] = rate
      ? [loss, { title: "learning rate", xLabel: "step", yLabel: "lr", series: [rate], height: 240 }]
      : [loss];
    const svg = composeCharts(charts, 1);
    void this.writes.add(() => writeAtomicAsync(join(this.dir, LOSS_PLOT_FILE), svg));
  }
}
