/**
 * `rnnc sample FILE [--checkpoint DIR | --weights FILE.safetensors]`: text from a trained
 * language model (a checkpoint of rnnc train, or weights the playground wrote with the
 * vocabulary in their metadata), one character (or word) at a time, as engine/sample.ts
 * draws it.
 */
import { constants } from "node:buffer";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { decodeChars, encodeChars, type Vocabulary } from "../../../engine/data/vocabulary.js";
import { decodeWords, encodeWords } from "../../../engine/data/words.js";
import { Rng } from "../../../runtime/rng.js";
import { sampledQuantity, sampleIds } from "../../../engine/sample.js";

import { forwardBackendKinds, type ForwardBackendKind } from "../../../engine/train/backend-choice.js";
import { DataError } from "../../../engine/io/data-error.js";
import { UserError, type Output } from "../io.js";
import { asUserError, dimSpecsToRecord, loadTrained } from "../model-data.js";
import { fitDims } from "../../../engine/data/fit-dims.js";
import { textNeeds } from "../../../engine/data/needs.js";
import { dataRoles } from "../../../engine/data/roles.js";
import { loadWeights } from "../model-inputs.js";
import { lowerModel, requireModel } from "../load.js";
import type { IrModel } from "../../ir/ir.js";
import type { Weights } from "../../../engine/interpret/batch.js";
import { looksBinary, readSafetensors } from "../../../engine/io/weights-file.js";
import { VOCABULARY_METADATA, vocabularyFromMetadata } from "../../../engine/io/weights-metadata.js";
import { collectDims, kernelsHelp, openForwardBackend } from "./options.js";
import { wholeSequencesOnly } from "./train-setup.js";
import { choice, defaultSeed, nonNegativeInt, seedValue } from "./train-options.js";
import { kernelTiers, type KernelTier } from "../../codegen/kernel-tier.js";

interface SampleOptions {
  kernels?: KernelTier;
  checkpoint?: string;
  weights?: string;
  length: number;
  temperature: number;
  prime?: string;
  seed: number;
  backend: ForwardBackendKind;
  dim: string[];
}

export function registerSample(program: Command, io: Output): void {
  program
    .command("sample")
    .description("generate text from a language model trained on a text corpus (of characters or words)")
    .argument("<file>", ".rnn file")
    .option(
      "--checkpoint <dir>",
      "checkpoint directory written by rnnc train (default: runs/<model file name>, where rnnc train writes)",
    )
    .option(
      "--weights <file>",
      "weights in safetensors with the vocabulary in their metadata, as the playground's download (instead of --checkpoint)",
    )
    .option("--length <n>", "characters (or words and line ends, for a word model) to generate", nonNegativeInt, 200)
    .option(
      "--temperature <t>",
      "sampling temperature: 1 as trained, lower is more conservative, 0 always takes the most likely",
      temperature,
      1,
    )
    .option(
      "--prime <text>",
      "text to start from, in characters or words as trained (default: the start of a line: a newline, or <eos> for words)",
    )
    .option("--seed <n>", "seed for sampling", seedValue, defaultSeed)
    .option(
      "--backend <name>",
      "compiled, interp or onnxruntime (when onnxruntime-node is installed beside rnnc)",
      choice(forwardBackendKinds),
      "compiled",
    )
    .option("--kernels <tier>", kernelsHelp, choice(kernelTiers))
    .option("--dim <NAME=VALUE>", "override a dim (must agree with the checkpoint)", collectDims, [])
    .action(async (file: string, opts: SampleOptions) => {
      // Decoded, every character may take two UTF-16 units of the one string printed.
      if (opts.length > constants.MAX_STRING_LENGTH / 2)
        throw new UserError(
          `--length ${opts.length} is more characters than one string can hold (at most ${Math.floor(constants.MAX_STRING_LENGTH / 2).toLocaleString("en-US")})`,
        );
      const { ir, weights, vocabulary } =
        opts.weights === undefined ? fromCheckpoint(file, opts, io) : fromWeightsFile(file, opts.weights, opts, io);
      if (!sampledQuantity(ir))
        throw new UserError(
          `the loss of ${ir.name} scores an expression that is not a named quantity; name it (o = softmax(...)) to sample from it`,
        );
      const backend = await openForwardBackend(ir, opts);
      const rng = new Rng(opts.seed);
      const prime = opts.prime ?? "";
      const generated = await sampleIds(backend, weights, {
        prime: primeOf(prime, vocabulary, rng),
        length: opts.length,
        temperature: opts.temperature,
        rng,
        vocabularySize: vocabulary.entries.length,
      });
      const text =
        vocabulary.kind === "words"
          ? decodeWords(generated, vocabulary, prime === "" || /\s$/.test(prime))
          : decodeChars(generated, vocabulary);
      io.out(prime + text + "\n");
    });
}

interface LanguageModel {
  ir: IrModel;
  weights: Weights;
  vocabulary: Vocabulary;
}

function fromCheckpoint(file: string, opts: SampleOptions, io: Output): LanguageModel {
  const { prepared, weights, meta, dir } = loadTrained(file, opts.checkpoint, opts.dim, io);
  refuseReadingAhead(prepared.ir);
  const vocabulary = meta.data.codebook.vocabulary;
  if (meta.data.codebook.format !== "text" || !vocabulary)
    throw new UserError(
      `the checkpoint in ${dir} was not trained on a text corpus (its data is ${meta.data.codebook.format}), so it has no characters or words to sample`,
    );
  return { ir: prepared.ir, weights, vocabulary };
}

/** Before reading anything more: a model reading ahead cannot be sampled. */
function refuseReadingAhead(ir: IrModel): void {
  wholeSequencesOnly(ir, "sampling (one step after another, each from the steps before)");
}

/**
 * The weights and the vocabulary from a safetensors file, and the model with the dims that
 * vocabulary sets (the one-hot input's and the class target's, as the playground and rnnc train
 * set them from a text) unless --dim gives them.
 */
function fromWeightsFile(file: string, path: string, opts: SampleOptions, io: Output): LanguageModel {
  if (opts.checkpoint !== undefined) throw new UserError("give --checkpoint or --weights, not both", 2);
  const vocabulary = vocabularyOf(path);
  const { model } = requireModel(file, opts.dim, io, { deferWarnings: true });
  const explicit = new Set(Object.keys(dimSpecsToRecord(opts.dim)));
  const fitted = asUserError(() =>
    fitDims(model, textNeeds(vocabulary, dataRoles(model, "text")!), explicit, path, []),
  );
  const dims = [...opts.dim, ...Object.entries(fitted).map(([name, value]) => `${name}=${value}`)];
  const sized = requireModel(file, dims, io);
  const ir = lowerModel(sized.loaded, sized.model, io);
  refuseReadingAhead(ir);
  return { ir, weights: loadWeights(ir, path, 0), vocabulary };
}

/** The vocabulary a safetensors file carries in its metadata (the playground writes it). */
function vocabularyOf(path: string): Vocabulary {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UserError(`cannot read weights file '${path}'`);
  }
  let vocabulary: Vocabulary | undefined;
  try {
    vocabulary = looksBinary(bytes) ? vocabularyFromMetadata(readSafetensors(bytes).metadata) : undefined;
  } catch (e) {
    if (e instanceof DataError) throw new UserError(`${path}: ${e.message}`);
    throw e;
  }
  if (!vocabulary)
    throw new UserError(
      `${path} carries no vocabulary (${VOCABULARY_METADATA} in its metadata), so its ids cannot be turned into text: sample from a checkpoint of rnnc train with --checkpoint DIR, or from weights the playground trained on a text`,
    );
  return vocabulary;
}

/** The ids the model reads first: the prime's, or the start of a line (a newline or <eos>; a random id if it has neither). */
function primeOf(prime: string, vocabulary: Vocabulary, rng: Rng): Int32Array {
  const words = vocabulary.kind === "words";
  try {
    const ids =
      prime === ""
        ? new Int32Array(0)
        : words
          ? encodeWords(prime, vocabulary)
          : encodeChars(prime, vocabulary, "--prime");
    if (ids.length > 0) return ids;
  } catch (e) {
    if (e instanceof DataError) throw new UserError(e.message);
    throw e;
  }
  const lineStart = words ? vocabulary.endOfLine : vocabulary.entries.indexOf("\n");
  return Int32Array.of(lineStart !== undefined && lineStart >= 0 ? lineStart : rng.int(vocabulary.entries.length));
}

function temperature(value: string): number {
  const t = Number(value);
  if (value.trim() === "" || !Number.isFinite(t) || t < 0)
    throw new UserError(`--temperature must be a number ≥ 0, not '${value}'`);
  return t;
}
