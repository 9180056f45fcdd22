/**
 * `rnnc export MODEL --to pytorch [-o model.py]`: the model for another engine. PyTorch: one
 * self-contained Python file (an nn.Module and a command that runs and trains it as rnnc does,
 * under torchrun with DistributedDataParallel).
 */
import type { Command } from "commander";
import { ExportError } from "../../export/forms.js";
import { exportPyTorch } from "../../export/pytorch/emit.js";
import { readCheckpointMeta, CheckpointError } from "../../../engine/train/checkpoint.js";
import { UserError, type Output } from "../io.js";
import { writeAtomic } from "../../../engine/io/atomic-write.js";
import { prepareModel } from "../model-data.js";
import { collectDims } from "./options.js";
import { choice } from "./train-options.js";

const targets = ["pytorch"] as const;

interface ExportOptions {
  to: (typeof targets)[number];
  output?: string;
  dim: string[];
  checkpoint?: string;
}

export function registerExport(program: Command, io: Output): void {
  program
    .command("export")
    .description("write the model for PyTorch (a Python file that runs and trains it, also under torchrun)")
    .argument("<model>", ".rnn file")
    .requiredOption("--to <engine>", "pytorch", choice(targets))
    .option("-o, --output <file>", "where to write it; stdout when omitted")
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .option("--checkpoint <dir>", "take the dims (and vocabulary size) a checkpoint was trained with")
    .addHelpText(
      "after",
      `
Examples:
  rnnc export examples/char-lm.rnn --to pytorch -o char_lm.py
  python char_lm.py run --weights runs/lm/weights.safetensors --data batch.json
  torchrun --nproc_per_node 2 char_lm.py train --data corpus.txt --checkpoint runs/lm --resume
`,
    )
    .action((file: string, opts: ExportOptions) => {
      const fixed = opts.checkpoint ? checkpointDims(opts.checkpoint) : undefined;
      const prepared = prepareModel(file, opts.dim, io, fixed ? { fixed } : {});
      let text: string;
      try {
        text = exportPyTorch(prepared.ir, prepared.model, {
          file,
          text: prepared.loaded.text,
          sha256: prepared.sha256,
        });
      } catch (e) {
        if (e instanceof ExportError) throw new UserError(`${file}: ${e.message}`);
        throw e;
      }
      if (opts.output) writeAtomic(opts.output, text);
      else io.out(text);
    });
}

/** The dims a checkpoint fixed (as `--dim` would give them). */
function checkpointDims(dir: string): Record<string, number> {
  try {
    return readCheckpointMeta(dir).model.overrides;
  } catch (e) {
    if (e instanceof CheckpointError) throw new UserError(e.message);
    throw e;
  }
}
