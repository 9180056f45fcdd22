/** `rnnc expand FILE`: the model with cell shorthand written out as core equations, as valid `.rnn`. */
import type { Command } from "commander";
import { formatFile } from "../../format/format.js";
import { requireModel } from "../load.js";
import type { Output } from "../io.js";
import { collectDims } from "./options.js";

export function registerExpand(program: Command, io: Output): void {
  program
    .command("expand")
    .description("print the model with cell shorthand expanded into core equations")
    .argument("<file>", ".rnn file")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .action((file: string, opts: { dim: string[] }) => {
      const { loaded } = requireModel(file, opts.dim, io);
      io.out(formatFile({ models: [loaded.result.expanded!], comments: loaded.result.file.comments }));
    });
}
