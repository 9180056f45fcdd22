/**
 * rnnc's engine as a library (`import ... from "rnnc/engine"`): what runs a lowered model
 * (`lower` of `rnnc`): the interpreter and the compiled backend behind one interface, with
 * the seeded initial weights and random batches the command line uses.
 */
export { createBackend } from "./backend.js";
export { interpreterBackend } from "./interpreter-backend.js";
export type { ModelBackend } from "./model-backend.js";
export { initialWeights } from "./init-weights.js";
export { randomBatch } from "./random-batch.js";
