/**
 * The model as a module the training worker runs: compiled `--standalone` (its runtime inlined
 * from the index the build bundles), transpiled, and loaded from a blob.
 */
import { emitModule } from "../../compiler/codegen/emit-module.js";
import { inlineRuntime } from "../../compiler/codegen/runtime-inline.js";
import { transpile } from "../../compiler/codegen/transpile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { GeneratedModule } from "../../runtime/generated-module.js";
import runtimeIndex from "rnnc:runtime-index";
import { rnncVersion } from "./model-source.js";

/**
 * The model as a `--standalone` float64 module on the given kernels, loaded from a blob: it
 * carries its runtime inside, so nothing is fetched to run it.
 */
export async function loadModule(ir: IrModel, kernels: KernelTier): Promise<GeneratedModule> {
  const typescript = emitModule(ir, {
    dtype: "f64",
    kernels,
    runtime: { kind: "inline", source: (names) => inlineRuntime(runtimeIndex, names) },
    sourceName: "model.rnn",
    version: rnncVersion,
  });
  const url = URL.createObjectURL(new Blob([await transpile(typescript)], { type: "text/javascript" }));
  try {
    return (await import(/* @vite-ignore */ url)) as GeneratedModule;
  } finally {
    URL.revokeObjectURL(url);
  }
}
