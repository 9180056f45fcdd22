/** `rnnc ir FILE`: print the lowered step template. */
import type { Command } from "commander";
import { lower } from "../../ir/lower.js";
import { printIr } from "../../ir/print.js";
import { validateIr } from "../../ir/validate.js";
import { requireModel } from "../load.js";
import type { Output } from "../io.js";
import { collectDims } from "./options.js";

export function registerIr(program: Command, io: Output): void {
  program
    .command("ir")
    .description("print the IR: one time step as a dataflow graph with delay edges")
    .argument("<file>", ".rnn file")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .action((file: string, opts: { dim: string[] }) => {
      const { model } = requireModel(file, opts.dim, io);
      const ir = lower(model);
      validateIr(ir);
      io.out(printIr(ir));
    });
}
