/** What every engine of the workload benchmark provides: a prepared batch it can run again and again. */
import type { Mode, Workload } from "./workloads.js";

export interface Runner {
  /** Runs the batch (forward, or loss and gradients); returns the loss, or a sum of the outputs when there is none (a promise of it on worker threads). */
  run(): number | Promise<number>;
  /** Time of a whole batch over the time of one run(): for an engine that runs a part of the batch (default 1). */
  scale?: number;
  /** How this engine computes the workload, when it differs from the spec in a way a reader should know. */
  note?: string;
  /** rnnc's engines: the kernels their products ran on (relaxed: WebAssembly relaxed SIMD, fused multiply–adds). */
  kernels?: "relaxed" | "wasm" | "js";
}

export type Prepare = (w: Workload, mode: Mode) => Promise<Runner>;

/** The sum of some numbers: what a forward-only run returns, so that no engine can skip its outputs. */
export function checksum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
