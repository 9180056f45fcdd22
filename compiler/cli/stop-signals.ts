/**
 * The signals that ask a long command to stop: SIGINT (Ctrl-C), SIGTERM (what `timeout`,
 * `kill`, schedulers and container runtimes send) and SIGHUP (the terminal closed). While
 * listening, the first one is recorded for the command to act on when it can (training
 * finishes the step and saves a checkpoint); a second one quits at once. The exit status is
 * the shell's convention for a process ended by the signal: 128 + its number.
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

export class StopSignals {
  received: StopSignal | undefined;
  private readonly handler = (signal: StopSignal) => {
    if (this.received) this.actions.again(signal);
    else {
      this.received = signal;
      this.actions.first(signal);
    }
  };

  /** `again` must end the process (with `exitStatusOf(signal)`). */
  constructor(private readonly actions: { first(signal: StopSignal): void; again(signal: StopSignal): never }) {
    for (const signal of STOP_SIGNALS) process.on(signal, this.handler);
  }

  close(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.handler);
  }
}
