/** What every engine of the workload benchmark provides: a prepared batch it can run again and again. */
import type { Mode, Workload } from "./workloads.js";

export interface Runner {
  /** Runs the batch (forward, or loss and gradients); returns the loss, or a sum of the outputs when there is none (a promise of it on worker threads). */
  run(): number | Promise<number>;
  /** Time of a whole batch over the time of one run(): for an engine that runs a part of the batch (default 1). */
  scale?: number;
  /** How this engine computes the workload, when it differs from the spec in a way a reader should know. */
  note?: string;
}

export type Prepare = (w: Workload, mode: Mode) => Promise<Runner>;

/**
 * compiled-*: the generated module as `rnnc compile` writes it (kernels auto: WebAssembly SIMD here); compiled-*-2t: the same,
 * loss and gradient on 2 threads (fwdbwd only); compiled-js-*: on the JavaScript kernels; onnxruntime: forward only.
 */
export const engineIds = [
  "compiled-f64",
  "compiled-f32",
  "compiled-f64-2t",
  "compiled-f32-2t",
  "compiled-js-f64",
  "compiled-js-f32",
  "interp",
  "tfjs-cpu",
  "tfjs-wasm",
  "brainjs",
  "onnxruntime",
] as const;
export type EngineId = (typeof engineIds)[number];

/** Loaded on demand, so an engine whose package is missing fails alone. */
export async function loadEngine(id: EngineId): Promise<Prepare> {
  switch (id) {
    case "compiled-f64":
      return (await import("./engines/rnnc.js")).compiled("f64");
    case "compiled-f32":
      return (await import("./engines/rnnc.js")).compiled("f32");
    case "compiled-f64-2t":
      return (await import("./engines/rnnc.js")).threaded("f64", 2);
    case "compiled-f32-2t":
      return (await import("./engines/rnnc.js")).threaded("f32", 2);
    case "compiled-js-f64":
      return (await import("./engines/rnnc.js")).compiled("f64", "js");
    case "compiled-js-f32":
      return (await import("./engines/rnnc.js")).compiled("f32", "js");
    case "interp":
      return (await import("./engines/rnnc.js")).interpreter;
    case "tfjs-cpu":
      return (await import("./engines/tfjs.js")).tfjs("cpu");
    case "tfjs-wasm":
      return (await import("./engines/tfjs.js")).tfjs("wasm");
    case "brainjs":
      return (await import("./engines/brain.js")).brain;
    case "onnxruntime":
      return (await import("./engines/onnx.js")).onnxruntime;
  }
}

/** The sum of some numbers: what a forward-only run returns, so that no engine can skip its outputs. */
export function checksum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}
