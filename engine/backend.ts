/**
 * The backends of `ModelBackend` (model-backend.ts): the interpreter here, or a generated
 * module (`compiled`, loaded on demand); and the same two for generating (decoding).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import { defaultKernelTier, type KernelTier } from "../compiler/codegen/kernel-tier.js";
import type { ModuleDtype } from "../runtime/module/memory.js";
import type { BackendKind, ModelBackend } from "./model-backend.js";
import { interpreterBackend } from "./interpreter-backend.js";
import { generate, type Generator } from "./interpret/generate.js";

/** What a backend computes in: float64 (every backend) or float32 (the compiled one: `rnnc train --precision`). */
export type Precision = ModuleDtype;

export interface BackendOptions {
  /** The compiled backend's kernel tier (`rnnc compile --kernels`); its default is the compiler's. */
  kernels?: KernelTier;
  /** The compiled module's float type (default f64); weights and gradients cross it as float64 either way. */
  precision?: Precision;
}

/** The backend a command asked for; the compiled one generates and loads a module for the model. */
export async function createBackend(
  ir: IrModel,
  kind: BackendKind,
  options: BackendOptions = {},
): Promise<ModelBackend> {
  if (kind === "interp") {
    if (options.precision === "f32") throw new Error("the interpreter computes in float64 only");
    return interpreterBackend(ir);
  }
  // Loaded on demand: only the compiled backend needs the code generator (and TypeScript).
  const { loadCompiledModule } = await import("./module-cache.js");
  const { compiledBackend } = await import("./compiled-backend.js");
  const kernels = options.kernels ?? defaultKernelTier;
  return compiledBackend(ir, await loadCompiledModule(ir, options.precision ?? "f64", undefined, kernels), kernels);
}

/**
 * How a backend generates an encoder-decoder's outputs (`rnnc translate`, `rnnc eval`): the
 * interpreter a step at a time, or the generated module's decoding steps (the same outputs).
 */
export async function createGenerator(
  ir: IrModel,
  kind: BackendKind,
  options: BackendOptions = {},
): Promise<Generator> {
  if (kind === "interp") return (weights, batch, o) => generate(ir, weights, batch, o);
  const { loadCompiledModule } = await import("./module-cache.js");
  const { compiledGenerator } = await import("./compiled-decoding.js");
  const module = await loadCompiledModule(
    ir,
    options.precision ?? "f64",
    undefined,
    options.kernels ?? defaultKernelTier,
  );
  return compiledGenerator(ir, module);
}
