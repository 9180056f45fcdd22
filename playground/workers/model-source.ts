/** The model as both workers read it: checked and lowered (module-loader.ts compiles it into a module to run). */
import { analyze } from "../../compiler/frontend.js";
import { lower } from "../../compiler/ir/lower.js";
import { validateIr } from "../../compiler/ir/validate.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { CheckedModel } from "../../compiler/check/model.js";
import type { DimOverrides } from "../../compiler/check/dims.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { startOf } from "../../grammar/source-range.js";

/** The package's version, set by the bundler (tools/playground/build.mjs). */
declare const RNNC_VERSION: string;
export const rnncVersion: string = RNNC_VERSION;

/** The first error, as `rnnc check` would start its report: line:col: message. */
export function firstError(diagnostics: readonly Diagnostic[]): string {
  const d = diagnostics.find((x) => x.severity === "error") ?? diagnostics[0];
  if (!d) return "the model does not check";
  return `model.rnn:${startOf(d.range).line}:${startOf(d.range).column}: ${d.message}`;
}

/** The model, checked with the given dims, or an error that says where the source is wrong. */
export function checkedModel(source: string, dims: DimOverrides = {}): CheckedModel {
  const { model, diagnostics } = analyze(source, dims);
  if (!model) throw new Error(firstError(diagnostics));
  return model;
}

/** The model's IR, or an error that says where the source is wrong. */
export function checkedIr(source: string, dims: DimOverrides = {}): IrModel {
  const ir = lower(checkedModel(source, dims));
  validateIr(ir);
  return ir;
}
