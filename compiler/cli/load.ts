/** Reading a model file through the front end, with its diagnostics rendered for the terminal. */
import type { CheckedModel } from "../check/model.js";
import { parseDimOverrides } from "../check/dims.js";
import { hasErrors, type Diagnostic } from "../../grammar/diagnostic.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import { analyze, type FrontEndResult } from "../frontend.js";
import { readText, UserError, type Output } from "./io.js";

export interface LoadedModel {
  path: string;
  text: string;
  result: FrontEndResult;
}

export function loadModel(path: string, dimSpecs: readonly string[] = []): LoadedModel {
  const text = readText(path, "model");
  const overrideDiagnostics: Diagnostic[] = [];
  const overrides = parseDimOverrides(dimSpecs, overrideDiagnostics);
  const result = analyze(text, overrides);
  result.diagnostics.unshift(...overrideDiagnostics);
  return { path, text, result };
}

export function printDiagnostics(loaded: LoadedModel, io: Output): void {
  const { diagnostics } = loaded.result;
  if (diagnostics.length > 0)
    io.err(renderDiagnostics(diagnostics, loaded.text, { fileName: loaded.path, color: io.color }));
}

/** For commands that need a checked model: diagnostics go to stderr and errors stop the command. */
export function requireModel(
  path: string,
  dimSpecs: readonly string[],
  io: Output,
): { loaded: LoadedModel; model: CheckedModel } {
  const loaded = loadModel(path, dimSpecs);
  printDiagnostics(loaded, io);
  const { model, diagnostics } = loaded.result;
  if (!model || hasErrors(diagnostics)) {
    const count = diagnostics.filter((d) => d.severity === "error").length;
    throw new UserError(`${path}: ${count} error${count === 1 ? "" : "s"}`);
  }
  return { loaded, model };
}
