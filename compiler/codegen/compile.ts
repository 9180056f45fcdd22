/**
 * `rnnc compile` as a function: IR → a formatted TypeScript (or JavaScript) module.
 * The same input gives the same bytes: no dates, no paths beyond the source's name.
 *
 * Prettier (an optional peer dependency: only this command needs it) and sucrase are
 * imported on first use, so every other `rnnc` command starts without them.
 */
import type { IrModel } from "../ir/ir.js";
import { validateIr } from "../ir/validate.js";
import { emitModule } from "./emit-module.js";
import { inlineRuntime, runtimeIndex } from "./runtime-source.js";
import { version } from "../version.js";
import { defaultKernels, type KernelTier } from "./kernel-tier.js";
import { importOptional } from "./optional-package.js";
import { transpile } from "./transpile.js";

export { transpile } from "./transpile.js";

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
  const { format } = await importOptional(
    "prettier",
    () => import("prettier"),
    "rnnc compile (which formats the module it writes)",
    "npm install --save-dev prettier@3 in the project that has rnnc (npm install --global prettier@3 beside a global rnnc)",
  );
  return format(code, { parser, printWidth: 120 });
}
