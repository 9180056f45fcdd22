/**
 * The rnnc numeric runtime, shared by the interpreter and by generated code:
 * seeded random numbers, parameter initialisers, batched kernels over typed
 * arrays, gradient clipping and safetensors checkpoint I/O.
 */

export type { FloatArray } from "./floatArray.js";
export * from "./rng.js";
export * from "./qr.js";
export * from "./init.js";
export * from "./kernels/index.js";
export * from "./clip.js";
export * from "./io/halfFloat.js";
export * from "./io/safetensors.js";
