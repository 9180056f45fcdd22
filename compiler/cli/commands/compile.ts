/**
 * `rnnc compile FILE -o OUT.ts`: a TypeScript (or JavaScript) module with the model's
 * forward pass and symbolic BPTT gradients, importing the runtime's kernels or standalone.
 */
import type { Command } from "commander";
import { extname } from "node:path";
import { compileModule } from "../../codegen/compile.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";
import { lower } from "../../ir/lower.js";
import { requireModel } from "../load.js";
import { UserError, writeFileReported, type Output } from "../io.js";
import { parsePositiveInt } from "../model-inputs.js";
import { collectDims } from "./options.js";

interface CompileCliOptions {
  output?: string;
  emit?: string;
  dtype: string;
  standalone?: boolean;
  kernels?: string;
  unroll?: string;
  dim: string[];
}

export function registerCompile(program: Command, io: Output): void {
  program
    .command("compile")
    .description("generate a TypeScript module with the forward pass and symbolic BPTT gradients")
    .argument("<file>", ".rnn file")
    .option("-o, --output <file>", "where to write the module (.ts or .js); stdout when omitted")
    .option("--emit <kind>", "ts or js (default: from the output's extension, else ts)")
    .option("--dtype <dtype>", "f64 or f32 storage", "f64")
    .option("--standalone", "inline the kernels: a module with no imports at all")
    .option(
      "--kernels <tier>",
      "matrix products in js, wasm (WebAssembly SIMD), relaxed (SIMD with fused multiply-adds where the engine has relaxed SIMD, else wasm) or auto (relaxed, wasm or js, the fastest the engine runs; default, but js with --standalone)",
    )
    .option("--unroll <T>", "straight-line code for exactly T steps instead of a loop over time")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .action(async (file: string, opts: CompileCliOptions) => {
      const emit = opts.emit ?? (opts.output && extname(opts.output) === ".js" ? "js" : "ts");
      if (emit !== "ts" && emit !== "js") throw new UserError(`--emit is ts or js, not '${emit}'`);
      if (opts.dtype !== "f64" && opts.dtype !== "f32")
        throw new UserError(`--dtype is f64 or f32, not '${opts.dtype}'`);
      if (opts.kernels !== undefined && !kernelTiers.includes(opts.kernels as KernelTier))
        throw new UserError(`--kernels is js, wasm, relaxed or auto, not '${opts.kernels}'`);
      const unrollSteps = opts.unroll === undefined ? undefined : parsePositiveInt(opts.unroll, "--unroll");
      if (unrollSteps !== undefined && unrollSteps > 1000)
        throw new UserError(
          `--unroll ${unrollSteps} would write ${unrollSteps} copies of the step; use the loop (no --unroll) for long sequences`,
        );
      const { model } = requireModel(file, opts.dim, io);
      const text = await compileModule(lower(model), {
        emit,
        dtype: opts.dtype,
        standalone: Boolean(opts.standalone),
        ...(opts.kernels !== undefined ? { kernels: opts.kernels as KernelTier } : {}),
        ...(unrollSteps !== undefined ? { unrollSteps } : {}),
        sourceName: file.split(/[\\/]/).pop()!,
      });
      if (opts.output)
        writeFileReported(
          io,
          opts.output,
          text,
          `${emit === "ts" ? "TypeScript" : "JavaScript"} module of ${model.name}${opts.standalone ? ", standalone" : ""}`,
        );
      else io.out(text);
    });
}
