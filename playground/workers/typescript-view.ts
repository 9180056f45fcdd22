/**
 * The TypeScript module as `rnnc compile` writes it, formatted by Prettier as the command
 * formats it: a file of its own (Prettier is the largest part of the page) that the model
 * worker loads when the TypeScript tab is first shown.
 */
import * as prettier from "prettier/standalone";
import * as estree from "prettier/plugins/estree";
import * as typescript from "prettier/plugins/typescript";
import type { IrModel } from "../../compiler/ir/ir.js";
import { emitModule } from "../../compiler/codegen/emit-module.js";
import { defaultKernelTier } from "../../compiler/codegen/kernel-tier.js";
import { rnncVersion } from "./model-source.js";

export async function compiledTypeScript(ir: IrModel): Promise<string> {
  const module = emitModule(ir, {
    dtype: "f64",
    kernels: defaultKernelTier,
    runtime: { kind: "import", from: "rnnc/runtime" },
    sourceName: "model.rnn",
    version: rnncVersion,
  });
  return prettier.format(module, { parser: "typescript", plugins: [estree, typescript], printWidth: 120 });
}
