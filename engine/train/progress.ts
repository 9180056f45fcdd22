/**
 * What a person watching training sees: on a terminal, one progress line redrawn in place
 * (bar, epoch, loss, throughput, ETA); otherwise plain lines at intervals. Messages
 * (validation results, warnings) are printed above the bar.
 */

export interface ProgressSink {
  out(text: string): void;
}

export interface ProgressOptions {
  mode: "bar" | "lines" | "none";
  totalSteps: number;
  epochs: number;
  /** "tok" for positions that are tokens (a loss at each step), "seq" for sequences. */
  unit: "tok" | "seq";
  /** Plain lines: every this many steps (and at least every `maxSeconds`). */
  every: number;
  maxSeconds?: number;
  width?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "?";
  return perSecond >= 1e4
    ? `${(perSecond / 1000).toFixed(1)}k`
    : perSecond >= 100
      ? perSecond.toFixed(0)
      : perSecond.toFixed(1);
}

/** Three significant digits: 0.005, 0.00443, 4.43e-7. */
export function formatLearningRate(lr: number): string {
  return String(Number(lr.toPrecision(3)));
}

export class Progress {
  private window: { seconds: number; positions: number }[] = [];
  private lastLine = 0;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly o: ProgressOptions,
  ) {}

  /** After each step. `seconds` is the step's own time (so validation pauses do not distort the rate). */
  step(r: { step: number; epoch: number; loss: number; lr: number; positions: number; seconds: number }): void {
    this.window.push({ seconds: r.seconds, positions: r.positions });
    if (this.window.length > 50) this.window.shift();
    const secs = this.window.reduce((s, w) => s + w.seconds, 0);
    const rate = this.window.reduce((s, w) => s + w.positions, 0) / secs;
    const eta = (secs / this.window.length) * (this.o.totalSteps - r.step);
    const stats = `epoch ${r.epoch + 1}/${this.o.epochs}  step ${r.step}/${this.o.totalSteps}  loss ${r.loss.toFixed(4)}  lr ${formatLearningRate(r.lr)}  ${formatRate(rate)} ${this.o.unit}/s  ETA ${formatDuration(eta)}`;
    if (this.o.mode === "bar") {
      const width = this.o.width ?? 24;
      const done = Math.round((r.step / this.o.totalSteps) * width);
      this.sink.out(
        `\r\x1b[2K[${"█".repeat(done)}${"·".repeat(width - done)}] ${((100 * r.step) / this.o.totalSteps).toFixed(0).padStart(3)}%  ${stats}`,
      );
      this.drawn = true;
    } else if (this.o.mode === "lines") {
      const now = performance.now();
      if (
        r.step % this.o.every === 0 ||
        r.step === this.o.totalSteps ||
        now - this.lastLine > (this.o.maxSeconds ?? 10) * 1000
      ) {
        this.sink.out(stats + "\n");
        this.lastLine = now;
      }
    }
  }

  /** A message on a line of its own (above the bar on a terminal). */
  message(text: string): void {
    if (this.o.mode === "none") return;
    if (this.drawn) this.sink.out("\r\x1b[2K");
    this.sink.out(text + "\n");
    this.drawn = false;
  }

  /** Leaves the terminal on a fresh line. */
  end(): void {
    if (this.drawn) this.sink.out("\n");
    this.drawn = false;
  }
}
