/** The engines of the workload benchmark, each loaded on demand by its id. */
import type { Prepare } from "./runner.js";

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

/**
 * The peers' engines import the bench package's dependencies (bench/peers.ts), which rnnc's
 * own install and typecheck (tsconfig.json) leave out: they are loaded by URL, so that only
 * tsconfig.bench.json, which `npm run bench` compiles once they are installed, reads them.
 */
interface PeerEngines {
  "tfjs.js": { tfjs(backend: "cpu" | "wasm"): Prepare };
  "brain.js": { brain: Prepare };
  "onnx.js": { onnxruntime: Prepare };
}

async function peerEngine<F extends keyof PeerEngines>(file: F): Promise<PeerEngines[F]> {
  return (await import(new URL(`./engines/${file}`, import.meta.url).href)) as PeerEngines[F];
}

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
      return (await peerEngine("tfjs.js")).tfjs("cpu");
    case "tfjs-wasm":
      return (await peerEngine("tfjs.js")).tfjs("wasm");
    case "brainjs":
      return (await peerEngine("brain.js")).brain;
    case "onnxruntime":
      return (await peerEngine("onnx.js")).onnxruntime;
  }
}
