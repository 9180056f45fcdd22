/**
 * `rnnc eval FILE [--checkpoint DIR] --data PATH`: loss, accuracy and perplexity of a trained
 * model on data; for an encoder-decoder on sentence pairs also exact match and corpus BLEU of
 * its translations (greedy, or `--beam K`).
 */
import type { Command } from "commander";
import { buildDataset, describeDataset } from "../../../engine/data/load.js";
import { forwardBackendKinds, type ForwardBackendKind } from "../../../engine/train/backend-choice.js";
import { evaluate } from "../../../engine/train/evaluate.js";
import { pairFormatOf, parsePairs } from "../../../engine/data/pairs.js";
import { translationScores } from "../../../engine/train/translation-scores.js";
import { UserError, type Output } from "../io.js";
import { loadTrained, pairModel } from "../model-data.js";
import { DEFAULT_MAX_LENGTH } from "./translate.js";
import { collectDims, kernelsHelp, openForwardBackend, openGenerator } from "./options.js";
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
    .option("--beam <k>", "sentence pairs: translate by beam search with K hypotheses (default: greedy)", positiveInt)
    .option("--max-length <n>", "sentence pairs: the most tokens of a translation", positiveInt, DEFAULT_MAX_LENGTH)
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
          beam?: number;
          maxLength: number;
          format: "text" | "json";
        },
      ) => {
        const trained = loadTrained(file, opts.checkpoint, opts.dim, io, opts.data);
        const { prepared, meta, weights, dir, raw } = trained;
        if (opts.beam !== undefined && raw!.format !== "pairs")
          throw new UserError(
            `--beam searches translations of sentence pairs; ${raw!.path} is not a pair corpus (.tsv, or JSONL of {"source", "target"})`,
            2,
          );
        const dataset = buildDataset(raw!, prepared.ir, prepared.codebook!);
        const backend = await openForwardBackend(prepared.ir, opts);
        const result = await evaluate(backend, weights, dataset, {
          batch: opts.batch ?? meta.config.batch,
          seqLen: opts.seqLen ?? meta.config.seqLen,
        });
        const decoding = opts.beam === undefined ? "greedy" : `beam ${opts.beam}`;
        const translation =
          raw!.format === "pairs"
            ? translationScores(
                pairModel(trained),
                parsePairs(raw!.text, raw!.path, pairFormatOf(raw!.path), raw!.tokens),
                raw!.path,
                {
                  maxLength: opts.maxLength,
                  ...(opts.beam === undefined ? {} : { beam: opts.beam }),
                  generator: await openGenerator(prepared.ir, opts),
                },
              )
            : undefined;
        if (opts.format === "json") {
          io.out(
            JSON.stringify({
              model: prepared.ir.name,
              checkpoint: dir,
              step: meta.step,
              data: raw!.path,
              ...result,
              ...(translation
                ? {
                    decoding,
                    exactMatch: translation.exactMatch,
                    bleu: translation.bleu.score,
                    bleuDetail: translation.bleu,
                  }
                : {}),
            }) + "\n",
          );
          return;
        }
        io.out(
          `${prepared.ir.name} at step ${meta.step} (${dir}) on ${raw!.path} (${describeDataset(dataset)}, ${result.positions.toLocaleString("en-US")} scored positions):\n`,
        );
        io.out(`  ${describeEvaluation(result)}\n`);
        if (translation)
          io.out(
            `  translated (${decoding}): exact match ${(100 * translation.exactMatch).toFixed(1)}% of ${translation.pairs.toLocaleString("en-US")} pairs, BLEU ${translation.bleu.score.toFixed(2)}\n`,
          );
      },
    );
}
