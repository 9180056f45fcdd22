/** `rnnc eval FILE [--checkpoint DIR] --data PATH`: loss, accuracy and perplexity of a trained model on data. */
import type { Command } from "commander";
import { buildDataset, describeDataset } from "../../../engine/data/load.js";
import { forwardBackendKinds, type ForwardBackendKind } from "../../../engine/train/backend-choice.js";
import { evaluate } from "../../../engine/train/evaluate.js";
import type { Output } from "../io.js";
import { loadTrained } from "../model-data.js";
import { collectDims, kernelsHelp, openForwardBackend } from "./options.js";
import { describeEvaluation } from "./train-report.js";
import { choice, positiveInt } from "./train-options.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";

export function registerEval(program: Command, io: Output): void {
  program
    .command("eval")
    .description("evaluate a trained model on data: loss, accuracy, perplexity")
    .argument("<file>", ".rnn file")
    .option(
      "--checkpoint <dir>",
      "checkpoint directory written by rnnc train (default: runs/<model file name>, where rnnc train writes)",
    )
    .requiredOption("--data <path>", "data to evaluate on (.txt, .jsonl or .json)")
    .option("--batch <n>", "sequences per batch (default: as trained)", positiveInt)
    .option("--seq-len <n>", "chunk length for a text (default: as trained)", positiveInt)
    .option(
      "--backend <name>",
      "compiled, interp or onnxruntime (when onnxruntime-node is installed beside rnnc)",
      choice(forwardBackendKinds),
      "compiled",
    )
    .option("--kernels <tier>", kernelsHelp, choice(kernelTiers))
    .option("--dim <NAME=VALUE>", "override a dim (must agree with the checkpoint)", collectDims, [])
    .option("--format <format>", "text or json", choice(["text", "json"] as const), "text")
    .action(
      async (
        file: string,
        opts: {
          checkpoint?: string;
          data: string;
          batch?: number;
          seqLen?: number;
          backend: ForwardBackendKind;
          kernels?: KernelTier;
          dim: string[];
          format: "text" | "json";
        },
      ) => {
        const { prepared, meta, weights, dir, raw } = loadTrained(file, opts.checkpoint, opts.dim, io, opts.data);
        const dataset = buildDataset(raw!, prepared.ir, prepared.codebook!);
        const backend = await openForwardBackend(prepared.ir, opts);
        const result = await evaluate(backend, weights, dataset, {
          batch: opts.batch ?? meta.config.batch,
          seqLen: opts.seqLen ?? meta.config.seqLen,
        });
        if (opts.format === "json") {
          io.out(
            JSON.stringify({
              model: prepared.ir.name,
              checkpoint: dir,
              step: meta.step,
              data: raw!.path,
              ...result,
            }) + "\n",
          );
          return;
        }
        io.out(
          `${prepared.ir.name} at step ${meta.step} (${dir}) on ${raw!.path} (${describeDataset(dataset)}, ${result.positions.toLocaleString("en-US")} scored positions):\n`,
        );
        io.out(`  ${describeEvaluation(result)}\n`);
      },
    );
}
