/** Test helpers: a `.rnn` file or text all the way to validated IR, failing loudly on any error. */
import { readFileSync } from "node:fs";
import { analyze } from "../../compiler/frontend.js";
import { lower } from "../../compiler/ir/lower.js";
import { validateIr } from "../../compiler/ir/validate.js";
import type { IrModel } from "../../compiler/ir/ir.js";

export function irFromText(text: string, dims: Record<string, number> = {}): IrModel {
  const result = analyze(text, dims);
  if (!result.model) throw new Error(`model does not check:\n${result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code} ${d.message}`).join("\n")}`);
  const ir = lower(result.model);
  validateIr(ir);
  return ir;
}

export function irFromFile(path: string, dims: Record<string, number> = {}): IrModel {
  return irFromText(readFileSync(path, "utf8"), dims);
}
