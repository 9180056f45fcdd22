/**
 * The one place a backend is chosen by name. Training, evaluation, sampling and analysis are
 * written against `ModelBackend`; the compiled backend (generated modules) plugs in here.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { interpreterBackend, type ModelBackend } from "../backend.js";

export type BackendKind = "interp" | "compiled";
export const backendKinds: readonly BackendKind[] = ["interp", "compiled"];

export class BackendUnavailableError extends Error {}

export function createBackend(ir: IrModel, kind: BackendKind): ModelBackend {
  switch (kind) {
    case "interp":
      return interpreterBackend(ir);
    case "compiled":
      throw new BackendUnavailableError("the compiled backend is not available yet; use --backend interp (the interpreter)");
    default:
      throw new BackendUnavailableError(`unknown backend '${String(kind)}'; use interp or compiled`);
  }
}
