/**
 * The backends of `ModelBackend` (model-backend.ts): the interpreter here, or a generated
 * module (`compiled`, loaded on demand); and the same two for generating (decoding).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import { defaultKernelTier, type KernelTier } from "../compiler/codegen/kernel-tier.js";
import type { ModuleDtype } from "../runtime/module/memory.js";
import type { BackendKind, ModelBackend } from "./model-backend.js";
import { interpreterBackend } from "./interpreter-backend.js";
import { interpreterGenerator, type Generator } from "./interpret/generate.js";
import type { GeneratedModule } from "../runtime/generated-module.js";

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
  const { compiledBackend } = await import("./compiled-backend.js");
  const kernels = options.kernels ?? defaultKernelTier;
  return compiledBackend(ir, await compiledModule(ir, options), kernels);
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
  if (kind === "interp") return interpreterGenerator(ir);
  const { compiledGenerator } = await import("./compiled-decoding.js");
  return compiledGenerator(ir, await compiledModule(ir, options));
}

/** The model's generated module; loaded on demand: only the compiled backend needs the code generator (and TypeScript). */
async function compiledModule(ir: IrModel, options: BackendOptions): Promise<GeneratedModule> {
  const { loadCompiledModule } = await import("./module-cache.js");
  return loadCompiledModule(ir, options.precision ?? "f64", undefined, options.kernels ?? defaultKernelTier);
}
