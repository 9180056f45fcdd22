/**
 * The rnnc numeric runtime, shared by the interpreter and by generated code:
 * seeded random numbers, parameter initialisers, batched kernels over typed
 * arrays, gradient clipping, safetensors checkpoint I/O, and what every generated
 * module shares (the `Model` behind its facade, argument checks, the workspace).
 */

export type { FloatArray } from "./floatArray.js";
export * from "./rng.js";
export * from "./qr.js";
export * from "./init.js";
export * from "./kernels/index.js";
export * from "./clip.js";
export * from "./io/halfFloat.js";
export * from "./io/safetensors.js";
export * from "./module/index.js";
