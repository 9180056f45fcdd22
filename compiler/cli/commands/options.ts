/** Option parsers shared by several commands. */
import type { KernelTier } from "../../codegen/kernel-tier.js";
import type { BackendOptions, Precision } from "../../../engine/backend.js";
import type { IrModel } from "../../ir/ir.js";
import type { ForwardBackend, ModelBackend } from "../../../engine/model-backend.js";
import {
  BackendUnavailableError,
  createBackend,
  createForwardBackend,
  createGenerator,
  createOnnxGenerator,
  type BackendKind,
  type ForwardBackendKind,
} from "../../../engine/train/backend-choice.js";
import type { Generator } from "../../../engine/interpret/generate.js";
import type { AwaitedGenerator } from "../../../engine/onnxruntime-decoding.js";
import { UserError } from "../io.js";

/** `--kernels js|wasm|relaxed|auto` (parsed with `choice(kernelTiers)`): the compiled backend's matrix-product kernels (docs/kernels.md). */
export const kernelsHelp =
  "the compiled backend's matrix products: js, wasm (WebAssembly SIMD), relaxed (SIMD with fused multiply-adds, else wasm) or auto (the fastest the engine runs)";

/** Commander's collector for a repeatable `--dim NAME=VALUE`. */
export function collectDims(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A repeatable option of comma-separated names: `--freeze a,b --freeze c` gives [a, b, c]. */
export function collectNames(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  ];
}

/** The backend options a command's `--kernels` asks for (none given: the compiler's default). */
export function kernelsOf(opts: { kernels?: KernelTier }): BackendOptions {
  return opts.kernels ? { kernels: opts.kernels } : {};
}

/** The backend `--backend`, `--kernels` and `--precision` ask for; one that cannot be made is the user's error, with its reason. */
export function openBackend(
  ir: IrModel,
  opts: { backend: BackendKind; kernels?: KernelTier; precision?: Precision },
): Promise<ModelBackend> {
  const precision = opts.precision ? { precision: opts.precision } : {};
  return userFacing(() => createBackend(ir, opts.backend, { ...kernelsOf(opts), ...precision }));
}

/** The same for a command that only runs the model forward (run, eval, sample), which onnxruntime can too. */
export function openForwardBackend(
  ir: IrModel,
  opts: { backend: ForwardBackendKind; kernels?: KernelTier },
): Promise<ForwardBackend> {
  return userFacing(() => createForwardBackend(ir, opts.backend, kernelsOf(opts)));
}

/** How translate and eval generate an encoder-decoder's outputs; onnxruntime runs no decoder, so the compiled module does. */
export function openGenerator(
  ir: IrModel,
  opts: { backend: ForwardBackendKind; kernels?: KernelTier },
): Promise<Generator> {
  return userFacing(() => createGenerator(ir, opts.backend === "interp" ? "interp" : "compiled", kernelsOf(opts)));
}

/** ONNX Runtime's decoding of an encoder-decoder, or a message saying how to add onnxruntime-node. */
export function openOnnxGenerator(ir: IrModel): Promise<AwaitedGenerator> {
  return userFacing(() => createOnnxGenerator(ir));
}

async function userFacing<B>(make: () => Promise<B>): Promise<B> {
  try {
    return await make();
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new UserError(e.message);
    throw e;
  }
}
