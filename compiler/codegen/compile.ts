/**
 * `rnnc compile` as a function: IR → a formatted TypeScript (or JavaScript) module.
 * The same input gives the same bytes: no dates, no paths beyond the source's name.
 */
import { format } from "prettier";
import ts from "typescript";
import type { IrModel } from "../ir/ir.js";
import { validateIr } from "../ir/validate.js";
import { emitModule } from "./emit-module.js";
import { inlineKernelSource } from "./kernel-source.js";
import { version } from "../version.js";

export interface CompileOptions {
  emit: "ts" | "js";
  dtype: "f64" | "f32";
  standalone: boolean;
  unrollSteps?: number;
  sourceName: string;
  /** Run prettier over the output (on for files people read; off for modules loaded in-process). */
  format?: boolean;
}

export async function compileModule(ir: IrModel, options: CompileOptions): Promise<string> {
  validateIr(ir);
  const source = emitModule(ir, {
    dtype: options.dtype,
    ...(options.unrollSteps !== undefined ? { unrollSteps: options.unrollSteps } : {}),
    kernels: options.standalone ? { kind: "inline", source: inlineKernelSource() } : { kind: "import", from: "rnnc/runtime" },
    sourceName: options.sourceName,
    version,
  });
  const pretty = options.format ?? true;
  const typescript = pretty ? await format(source, { parser: "typescript", printWidth: 120 }) : source;
  if (options.emit === "ts") return typescript;
  const javascript = transpile(typescript);
  return pretty ? format(javascript, { parser: "babel", printWidth: 120 }) : javascript;
}

/** TypeScript → JavaScript with TypeScript's own transpiler (types erased, nothing else changed). */
export function transpile(typescript: string): string {
  return ts.transpileModule(typescript, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}
