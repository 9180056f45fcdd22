/** `rnnc ir FILE [--grad]`: print the lowered step template, and with --grad the backward step the gradient pass derives from it. */
import type { Command } from "commander";
import { differentiate } from "../../grad/differentiate.js";
import { printGradIr } from "../../grad/print.js";
import { lower } from "../../ir/lower.js";
import { printIr } from "../../ir/print.js";
import { sequenceModels } from "../../ir/sequences.js";
import { validateIr } from "../../ir/validate.js";
import { requireModel } from "../load.js";
import { UserError, type Output } from "../io.js";
import { collectDims } from "./options.js";

export function registerIr(program: Command, io: Output): void {
  program
    .command("ir")
    .description("print the IR: one time step as a dataflow graph with delay edges (--grad: and its backward step)")
    .argument("<file>", ".rnn file")
    .option("--grad", "also print the backward IR of one step: the adjoints and the gradients, as BPTT computes them")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .addHelpText(
      "after",
      `
The forward IR is one time step: %n = op operands : type, headed by the equation each
group of nodes computes; a delay node reads a value k steps back.

With --grad, the backward step follows, derived from the forward one by the gradient pass:
run for t = T-1 down to 0, it reads %n (forward node n's value at step t), builds d%n (its
adjoint, the sum of what its readers send it) and backward nodes %bN, and d%n[t+k] is what a
delay read k steps later sent back. Then what each step adds to the parameters' gradients.

Examples:
  rnnc ir examples/elman.rnn
  rnnc ir --grad examples/elman.rnn
`,
    )
    .action((file: string, opts: { dim: string[]; grad?: boolean }) => {
      const { model } = requireModel(file, opts.dim, io);
      const ir = lower(model);
      validateIr(ir);
      if (opts.grad && ir.losses.length === 0)
        throw new UserError(`${file}: model ${ir.name} has no loss, so there is no gradient to print`);
      if (!opts.grad) return io.out(printIr(ir));
      // Each sequence has a backward step of its own: its model, then that step.
      const parts = sequenceModels(ir);
      io.out(
        parts
          .map(({ sequence, ir: part }) => {
            const heading = parts.length > 1 ? `// sequence ${sequence}\n` : "";
            return heading + printIr(part) + "\n" + printGradIr(differentiate(part));
          })
          .join("\n"),
      );
    });
}
