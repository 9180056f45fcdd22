/**
 * `rnnc translate FILE [--checkpoint DIR] [--beam K] [--max-length N] [--input PATH]
 * [--backend compiled|interp|onnxruntime] [--attention-plot FILE.svg]`: one source a line (standard input
 * by default) translated by an encoder-decoder trained on sentence pairs, one output a line, each
 * cut into tokens as the checkpoint's training cut its pairs (characters or words, with its
 * vocabularies). The model's generated module decodes (or the interpreter, or ONNX Runtime on the
 * model's ONNX export: the same outputs).
 * Every line is read and encoded before anything is printed, so a bad line stops the run with
 * nothing written. A model with attention also draws, for the first lines, where each output
 * step looked in the source (engine/plot/heatmap.ts), decoding on the interpreter, which keeps
 * the attention weights of every step.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { cutSide, sideEncoder, type PairVocabularies } from "../../../engine/data/pairs.js";
import { DataError } from "../../../engine/io/data-error.js";
import { describeFileError } from "../../../engine/io/file-error.js";
import { attentionWeights } from "../../../engine/interpret/generate.js";
import { heatmapSvg } from "../../../engine/plot/heatmap.js";
import {
  joinTokens,
  translateAttending,
  translateIds,
  translateIdsAwaited,
  type PairModel,
} from "../../../engine/translate.js";
import { readText, UserError, writeFileReported, type Output } from "../io.js";
import { loadTrained, pairModel } from "../model-data.js";
import { collectDims, kernelsHelp, openGenerator, openOnnxGenerator } from "./options.js";
import { choice, positiveInt } from "./train-options.js";
import { forwardBackendKinds, type ForwardBackendKind } from "../../../engine/train/backend-choice.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";

/** The longest output by default, in tokens: more than any sentence of a corpus of short pairs. */
export const DEFAULT_MAX_LENGTH = 100;

/** The translations --attention-plot draws: the first lines', one panel each. */
export const ATTENTION_PANELS = 20;

interface TranslateCommandOptions {
  checkpoint?: string;
  beam?: number;
  maxLength: number;
  input?: string;
  batch?: number;
  dim: string[];
  backend: ForwardBackendKind;
  kernels?: KernelTier;
  attentionPlot?: string;
}

export function registerTranslate(program: Command, io: Output): void {
  program
    .command("translate")
    .description("translate one source a line with an encoder-decoder trained on sentence pairs")
    .argument("<file>", ".rnn file")
    .option(
      "--checkpoint <dir>",
      "checkpoint directory written by rnnc train (default: runs/<model file name>, where rnnc train writes)",
    )
    .option(
      "--beam <k>",
      "beam search with K hypotheses (default: greedy, the most probable token at each step)",
      positiveInt,
    )
    .option("--max-length <n>", "the most tokens of an output", positiveInt, DEFAULT_MAX_LENGTH)
    .option("--input <path>", "the sources, one a line (default: standard input)")
    .option("--batch <n>", "sources decoded together", positiveInt)
    .option("--dim <NAME=VALUE>", "override a dim (must agree with the checkpoint)", collectDims, [])
    .option(
      "--backend <name>",
      "compiled, interp or onnxruntime (the same translations; onnxruntime-node runs the ONNX export)",
      choice(forwardBackendKinds),
      "compiled",
    )
    .option("--kernels <tier>", kernelsHelp, choice(kernelTiers))
    .option(
      "--attention-plot <file.svg>",
      `a model with attention: draw where each output token looked in the source, a heatmap for each of the first ${ATTENTION_PANELS} lines`,
    )
    .action(async (file: string, opts: TranslateCommandOptions) => {
      const model = pairModel(loadTrained(file, opts.checkpoint, opts.dim, io));
      if (opts.attentionPlot !== undefined && !attentionWeights(model.ir))
        throw new UserError(
          `--attention-plot: ${file} has no attention (no softmax over the source's steps, as softmax(score, over = s, mask = x)): there is nothing to draw`,
        );
      const text = opts.input === undefined ? standardInput() : readText(opts.input, "input");
      const sources = encodeSources(text, model.vocabularies, opts.input);
      const options = {
        maxLength: opts.maxLength,
        ...(opts.beam === undefined ? {} : { beam: opts.beam }),
        ...(opts.batch === undefined ? {} : { batch: opts.batch }),
      };
      if (opts.attentionPlot === undefined) {
        const outputs =
          opts.backend === "onnxruntime"
            ? await translateIdsAwaited(model, sources, options, await openOnnxGenerator(model.ir))
            : translateIds(model, sources, { ...options, generator: await openGenerator(model.ir, opts) });
        io.out(outputs.map((tokens) => joinTokens(tokens, model.vocabularies.tokens) + "\n").join(""));
        return;
      }
      const translations = translateAttending(model, sources, options);
      io.out(translations.map((t) => joinTokens(t.tokens, model.vocabularies.tokens) + "\n").join(""));
      writeAttentionPlot(io, opts.attentionPlot, model, sources, translations);
    });
}

function writeAttentionPlot(
  io: Output,
  path: string,
  model: PairModel,
  sources: readonly Int32Array[],
  translations: ReturnType<typeof translateAttending>,
): void {
  const source = model.vocabularies.source;
  const kind = model.vocabularies.tokens;
  const drawn = translations.slice(0, ATTENTION_PANELS);
  const panels = drawn.map((t, i) => {
    const columns = Array.from(sources[i]!, (id) => source.entries[id]!);
    return {
      title: `${joinTokens(columns, kind)} → ${joinTokens(t.tokens, kind)}`,
      columns,
      rows: t.steps,
      weights: t.weights,
    };
  });
  const caption =
    drawn.length < translations.length
      ? `attention weights of the first ${drawn.length} of ${translations.length} translations (source across, output down)`
      : `attention weights (source across, output down)`;
  writeFileReported(
    io,
    path,
    heatmapSvg(panels, caption),
    `attention of ${drawn.length} of ${translations.length} translations`,
  );
}

function standardInput(): string {
  try {
    return readFileSync(0, "utf8");
  } catch (e) {
    throw new UserError(`cannot read standard input: ${describeFileError(e)}`);
  }
}

/** Each line's ids; an empty line or a token outside the source vocabulary is an error at its line. */
function encodeSources(text: string, vocabularies: PairVocabularies, path: string | undefined): Int32Array[] {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.at(-1) === "") lines.pop();
  const encode = sideEncoder(vocabularies, "source");
  return lines.map((line, i) => {
    const where = path === undefined ? `standard input:${i + 1}` : `${path}:${i + 1}`;
    // A line of white space only is empty too: a pair corpus has no such source.
    if (line.trim() === "") throw new UserError(`${where}: the line is empty: each line is a source to translate`);
    try {
      return encode(cutSide(line, vocabularies.tokens), where);
    } catch (e) {
      if (e instanceof DataError) throw new UserError(e.message);
      throw e;
    }
  });
}
