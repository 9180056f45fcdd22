/**
 * `rnnc compile` as a function: IR → a formatted TypeScript (or JavaScript) module.
 * The same input gives the same bytes: no dates, no paths beyond the source's name.
 *
 * Prettier and TypeScript take about half a second each to load, so they are imported on
 * first use: every other `rnnc` command starts without them.
 */
import type { IrModel } from "../ir/ir.js";
import { validateIr } from "../ir/validate.js";
import { emitModule } from "./emit-module.js";
import { inlineRuntime, runtimeIndex } from "./runtime-source.js";
import { version } from "../version.js";
import { defaultKernels, type KernelTier } from "./kernel-tier.js";

export interface CompileOptions {
  emit: "ts" | "js";
  dtype: "f64" | "f32";
  standalone: boolean;
  /** Default: defaultKernels(standalone). */
  kernels?: KernelTier;
  unrollSteps?: number;
  sourceName: string;
  /** Run prettier over the output (on for files people read; off for modules loaded in-process). */
  format?: boolean;
  /** Where a standalone module's runtime sources are read (default: the installation's runtime/). */
  runtimeDirectory?: string;
}

export async function compileModule(ir: IrModel, options: CompileOptions): Promise<string> {
  validateIr(ir);
  const kernels = options.kernels ?? defaultKernels(options.standalone);
  const index = options.standalone ? await runtimeIndex(options.runtimeDirectory) : undefined;
  const source = emitModule(ir, {
    dtype: options.dtype,
    kernels,
    ...(options.unrollSteps !== undefined ? { unrollSteps: options.unrollSteps } : {}),
    runtime: index
      ? { kind: "inline", source: (names) => inlineRuntime(index, names) }
      : { kind: "import", from: "rnnc/runtime" },
    sourceName: options.sourceName,
    version,
  });
  const pretty = options.format ?? true;
  const typescript = pretty ? await prettierFormat(source, "typescript") : source;
  if (options.emit === "ts") return typescript;
  const javascript = await transpile(typescript);
  return pretty ? prettierFormat(javascript, "babel") : javascript;
}

async function prettierFormat(code: string, parser: "typescript" | "babel"): Promise<string> {
  const { format } = await import("prettier");
  return format(code, { parser, printWidth: 120 });
}

/** TypeScript → JavaScript with TypeScript's own transpiler (types erased, nothing else changed). */
export async function transpile(typescript: string): Promise<string> {
  const { default: ts } = await import("typescript");
  return ts.transpileModule(typescript, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}
