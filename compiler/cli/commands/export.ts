/**
 * `rnnc export MODEL --to pytorch|onnx`: the model for another engine. PyTorch: one
 * self-contained Python file (an nn.Module and a command that runs and trains it as rnnc does,
 * under torchrun with DistributedDataParallel). ONNX: the forward pass with the weights, as a
 * sequence model (a Scan per loop over time), a step model (state in, state out) beside it and,
 * for a model of several sequences, an encoder model (what the step model reads of the source).
 */
import { closeSync, openSync, readSync, rmSync } from "node:fs";
import { basename, extname } from "node:path";
import type { Command } from "commander";
import { ExportError } from "../../export/forms.js";
import type { ExportSource } from "../../export/model-spec.js";
import { exportOnnx } from "../../export/onnx/emit.js";
import { writtenByRnnc } from "../../export/onnx/proto.js";
import { exportPyTorch } from "../../export/pytorch/emit.js";
import type { IrModel } from "../../ir/ir.js";
import { readCheckpointMeta, CheckpointError } from "../../../engine/train/checkpoint.js";
import { UserError, type Output } from "../io.js";
import { writeAtomic } from "../../../engine/io/atomic-write.js";
import { writingTo } from "../../../engine/io/file-error.js";
import { loadTrained, prepareModel, type PreparedModel } from "../model-data.js";
import { loadWeights } from "../model-inputs.js";
import { collectDims } from "./options.js";
import { choice, defaultSeed, seedValue } from "./train-options.js";

const targets = ["pytorch", "onnx"] as const;

interface ExportOptions {
  to: (typeof targets)[number];
  output?: string;
  dim: string[];
  checkpoint?: string;
  weights?: string;
  seed: number;
  dtype: "f32" | "f64";
}

export function registerExport(program: Command, io: Output): void {
  program
    .command("export")
    .description("write the model for PyTorch (a Python file that runs and trains it, also under torchrun) or ONNX")
    .argument("<model>", ".rnn file")
    .requiredOption("--to <engine>", "pytorch or onnx", choice(targets))
    .option(
      "-o, --output <file>",
      "where to write it (pytorch: stdout when omitted; onnx: MODEL.onnx, and beside it the step model MODEL.step.onnx and, for an encoder-decoder, the encoder MODEL.encoder.onnx)",
    )
    .option("--dim <NAME=VALUE>", "override a dim (repeatable)", collectDims, [])
    .option("--checkpoint <dir>", "take the dims a checkpoint was trained with (onnx: and its weights)")
    .option(
      "--weights <file>",
      "onnx: the weights (.json or .safetensors); without it or --checkpoint, drawn from --seed",
    )
    .option("--seed <n>", "onnx: seed for initial parameters when no weights are given", seedValue, defaultSeed)
    .option("--dtype <dtype>", "onnx: f32 or f64", choice(["f32", "f64"] as const), "f32")
    .addHelpText(
      "after",
      `
Examples:
  rnnc export examples/char-lm.rnn --to pytorch -o char_lm.py
  python char_lm.py run --weights runs/lm/weights.safetensors --data batch.json
  torchrun --nproc_per_node 2 char_lm.py train --data corpus.txt --checkpoint runs/lm --resume
  rnnc export examples/char-lm.rnn --to onnx --checkpoint runs/lm -o char_lm.onnx
`,
    )
    .action((file: string, opts: ExportOptions) => {
      if (opts.weights && opts.checkpoint) throw new UserError("give --weights or --checkpoint, not both");
      const exporting = (what: () => void) => {
        try {
          what();
        } catch (e) {
          if (e instanceof ExportError) throw new UserError(`${file}: ${e.message}`);
          throw e;
        }
      };
      if (opts.to === "pytorch") {
        if (opts.weights)
          throw new UserError("--weights is for --to onnx; the PyTorch file reads weights when it runs");
        const fixed = opts.checkpoint ? checkpointDims(opts.checkpoint) : undefined;
        const prepared = prepareModel(file, opts.dim, io, fixed ? { fixed } : {});
        exporting(() => {
          const text = exportPyTorch(prepared.ir, prepared.model, sourceOf(file, prepared));
          if (opts.output) writeAtomic(opts.output, text);
          else io.out(text);
        });
        return;
      }
      const { prepared, weights } = opts.checkpoint
        ? loadTrained(file, opts.checkpoint, opts.dim, io)
        : ((prepared: PreparedModel) => ({
            prepared,
            weights: loadWeights(prepared.ir, opts.weights, opts.seed),
          }))(prepareModel(file, opts.dim, io));
      const output = opts.output ?? `${basename(file, extname(file))}.onnx`;
      exporting(() => {
        const onnx = exportOnnx(prepared.ir, sourceOf(file, prepared), weightsOf(prepared.ir, weights), opts.dtype);
        writeAtomic(output, onnx.sequence);
        if (onnx.step) writeAtomic(formPath(output, "step"), onnx.step);
        else
          io.err(
            `${file}: no step model: ${prepared.ir.name} runs a loop backwards (a state read ahead), which is not computed a step at a time; ${output} is the sequence model\n`,
          );
        if (onnx.encoder) writeAtomic(formPath(output, "encoder"), onnx.encoder);
        for (const form of ["step", "encoder"] as const)
          if (!onnx[form] && removeOlderExport(formPath(output, form)))
            io.err(
              `${file}: removed ${formPath(output, form)}, an older export's ${form} model (${prepared.ir.name} has none)\n`,
            );
      });
    });
}

/** Where the step and encoder models go beside the sequence model: `m.onnx` → `m.step.onnx`, `m.encoder.onnx`. */
export function formPath(output: string, form: "step" | "encoder"): string {
  return output.endsWith(".onnx") ? `${output.slice(0, -".onnx".length)}.${form}.onnx` : `${output}.${form}.onnx`;
}

/** Removes the file at `path` if rnnc wrote it, so that no form of another model is left beside this one's. */
function removeOlderExport(path: string): boolean {
  const head = new Uint8Array(16);
  try {
    const fd = openSync(path, "r");
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  if (!writtenByRnnc(head)) return false;
  writingTo(path, () => rmSync(path));
  return true;
}

function sourceOf(file: string, prepared: PreparedModel): ExportSource {
  return { file, text: prepared.loaded.text, sha256: prepared.sha256 };
}

function weightsOf(ir: IrModel, values: Record<string, Float64Array>) {
  return { values, shapes: Object.fromEntries(ir.params.map((p) => [p.name, p.shape])) };
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
