/**
 * The signals that ask a long command to stop: SIGINT (Ctrl-C), SIGTERM (what `timeout`,
 * `kill`, schedulers and container runtimes send) and SIGHUP (the terminal closed). While
 * listening, the first one is recorded for the command to act on when it can (training
 * finishes the step and saves a checkpoint); a second one quits at once. The same signal
 * within a second of the first is one request delivered twice, not a second request:
 * `timeout` sends its signal to the command and again to its process group. The exit status
 * is the shell's convention for a process ended by the signal: 128 + its number.
 */
import { constants } from "node:os";

export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export function exitStatusOf(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** How a person would say they asked to stop: Ctrl-C for SIGINT, the signal's name otherwise. */
export function describeSignal(signal: StopSignal): string {
  return signal === "SIGINT" ? "Ctrl-C" : signal;
}

/** A repeat of the first signal sooner than this is the same request delivered twice. */
const DUPLICATE_MS = 1000;

export class StopSignals {
  received: StopSignal | undefined;
  private receivedAt = 0;
  private readonly handler = (signal: StopSignal) => {
    const now = performance.now();
    if (!this.received) {
      this.received = signal;
      this.receivedAt = now;
      this.actions.first(signal);
    } else if (signal !== this.received || now - this.receivedAt >= DUPLICATE_MS) this.actions.again(signal);
  };

  /** `again` should end the process (with `exitStatusOf(signal)`). */
  constructor(private readonly actions: { first(signal: StopSignal): void; again(signal: StopSignal): void }) {
    for (const signal of STOP_SIGNALS) process.on(signal, this.handler);
  }

  close(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.handler);
  }
}
