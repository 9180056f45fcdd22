/**
 * The one place training, evaluation, sampling, translation and analysis choose a backend by name:
 * `interp` (the interpreter) or `compiled` (a generated module, built and loaded on demand
 * by `engine/backend.ts`). A backend that cannot be made is a `BackendUnavailableError`
 * with a message for the user.
 */
import type { AwaitedGenerator } from "../onnxruntime-decoding.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import {
  createBackend as makeBackend,
  createGenerator as makeGenerator,
  type BackendOptions,
  type Precision,
} from "../backend.js";
import type { Generator } from "../interpret/generate.js";
import type { BackendKind, ForwardBackend, ModelBackend } from "../model-backend.js";

export type { BackendKind };
export const backendKinds: readonly BackendKind[] = ["interp", "compiled"];
export const precisions: readonly Precision[] = ["f64", "f32"];
/** The backends that run a model forward (run, eval, sample): also ONNX Runtime, when installed beside rnnc. */
export type ForwardBackendKind = BackendKind | "onnxruntime";
export const forwardBackendKinds: readonly ForwardBackendKind[] = [...backendKinds, "onnxruntime"];

export class BackendUnavailableError extends Error {}

/** A backend to run the model forward; onnxruntime only when onnxruntime-node can be loaded (else the message says how to add it). */
export async function createForwardBackend(
  ir: IrModel,
  kind: ForwardBackendKind,
  options: BackendOptions = {},
): Promise<ForwardBackend> {
  if (kind !== "onnxruntime") return createBackend(ir, kind, options);
  const { loadOnnxRuntime, onnxruntimeBackend, onnxStreamingRefusal, OnnxRuntimeMissingError } =
    await import("../onnxruntime-backend.js");
  const refused = onnxStreamingRefusal(ir);
  if (refused) throw new BackendUnavailableError(refused);
  try {
    return onnxruntimeBackend(ir, loadOnnxRuntime());
  } catch (e) {
    if (e instanceof OnnxRuntimeMissingError) throw new BackendUnavailableError(e.message);
    throw e;
  }
}

export async function createBackend(
  ir: IrModel,
  kind: BackendKind,
  options: BackendOptions = {},
): Promise<ModelBackend> {
  return explained(ir, kind, () => makeBackend(ir, kind, options));
}

/** ONNX Runtime's decoding of an encoder-decoder (rnnc translate --backend onnxruntime), when onnxruntime-node can be loaded. */
export async function createOnnxGenerator(ir: IrModel): Promise<AwaitedGenerator> {
  const { loadOnnxRuntime, OnnxRuntimeMissingError } = await import("../onnxruntime-backend.js");
  const { onnxruntimeGenerator } = await import("../onnxruntime-decoding.js");
  try {
    return onnxruntimeGenerator(ir, loadOnnxRuntime());
  } catch (e) {
    if (e instanceof OnnxRuntimeMissingError) throw new BackendUnavailableError(e.message);
    throw e;
  }
}

/** How an encoder-decoder's outputs are generated on the backend `kind` (rnnc translate, rnnc eval). */
export async function createGenerator(
  ir: IrModel,
  kind: BackendKind,
  options: BackendOptions = {},
): Promise<Generator> {
  return explained(ir, kind, () => makeGenerator(ir, kind, options));
}

/** `make`, with an unknown backend or a compiled one that cannot be built said for the user. */
async function explained<T>(ir: IrModel, kind: BackendKind, make: () => Promise<T>): Promise<T> {
  if (!backendKinds.includes(kind))
    throw new BackendUnavailableError(`unknown backend '${String(kind)}'; use interp or compiled`);
  try {
    return await make();
  } catch (e) {
    if (kind === "compiled")
      throw new BackendUnavailableError(
        `the compiled backend could not be built for ${ir.name}: ${(e as Error).message}; --backend interp runs the interpreter`,
      );
    throw e;
  }
}
