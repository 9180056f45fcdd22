/**
 * Translation with an encoder-decoder trained on sentence pairs (engine/data/pairs.ts): the
 * sources, as ids of the source vocabulary, decoded in batches by free running
 * (engine/interpret/generate.ts: greedy, or a beam search of `beam` hypotheses; on the
 * interpreter, a generated module or ONNX Runtime) up to `<eos>` or `maxLength` tokens, and the ids turned back into target tokens. `rnnc translate`
 * prints them (and with --attention-plot draws where a model with attention looked); `rnnc eval`
 * scores them (exact match, BLEU).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import { sequenceBatch, type Example } from "./data/dataset.js";
import { pairRoles, type PairVocabularies } from "./data/pairs.js";
import type { TextTokens } from "./data/text-file.js";
import type { Batch, Weights } from "./interpret/batch.js";
import { generateAttending, interpreterGenerator, type GenerateOptions, type Generator } from "./interpret/generate.js";
import type { AwaitedGenerator } from "./onnxruntime-decoding.js";

export interface PairModel {
  ir: IrModel;
  weights: Weights;
  vocabularies: PairVocabularies;
}

export interface TranslateOptions {
  /** The most tokens of an output (its `<eos>` not counted). */
  maxLength: number;
  /** Hypotheses of a beam search; greedy without. */
  beam?: number;
  /** Sources decoded together. */
  batch?: number;
  /** How a batch is decoded: the interpreter's (the default) or a generated module's (engine/backend.ts createGenerator). */
  generator?: Generator;
}

/** Sources decoded together by default: enough rows to keep each step's products large. */
const DEFAULT_BATCH = 64;

/** For each source (ids of the source vocabulary), the target tokens the model generates. */
export function translateIds(model: PairModel, sources: readonly Int32Array[], options: TranslateOptions): string[][] {
  const generator = options.generator ?? interpreterGenerator(model.ir);
  return decodingBatches(model, sources, options).flatMap(({ batch, generateOptions }) =>
    generator(model.weights, batch, generateOptions).map((ids) => tokensOf(model, ids)),
  );
}

/** translateIds with a generator whose outputs come later (ONNX Runtime's: engine/onnxruntime-decoding.ts). */
export async function translateIdsAwaited(
  model: PairModel,
  sources: readonly Int32Array[],
  options: TranslateOptions,
  generator: AwaitedGenerator,
): Promise<string[][]> {
  const out: string[][] = [];
  for (const { batch, generateOptions } of decodingBatches(model, sources, options))
    out.push(...(await generator(model.weights, batch, generateOptions)).map((ids) => tokensOf(model, ids)));
  return out;
}

/** A translation with where the model looked: the attention weights of each step that produced it. */
export interface AttendedTranslation {
  tokens: string[];
  /** What each step produced: the tokens, and `<eos>` last when the output ended with it. */
  steps: string[];
  /** At each step, its weights over the source's steps (the source's length of them). */
  weights: Float64Array[];
}

/** translateIds, with the attention weights of the decoding itself (a model with attention), on the interpreter, which keeps them. */
export function translateAttending(
  model: PairModel,
  sources: readonly Int32Array[],
  options: TranslateOptions,
): AttendedTranslation[] {
  const target = model.vocabularies.target;
  let offset = 0;
  return decodingBatches(model, sources, options).flatMap(({ batch, generateOptions }) => {
    const { outputs, attention } = generateAttending(model.ir, model.weights, batch, generateOptions);
    const translations = outputs.map((ids, b) => {
      const tokens = tokensOf(model, ids);
      const weights = attention[b]!.map((row) => row.slice(0, sources[offset + b]!.length));
      const steps = weights.length > tokens.length ? [...tokens, target.entries[target.endOfLine!]!] : tokens;
      return { tokens, steps, weights };
    });
    offset += outputs.length;
    return translations;
  });
}

/** The sources as batches of `options.batch` to decode in order, each with how. */
function decodingBatches(
  model: PairModel,
  sources: readonly Int32Array[],
  options: TranslateOptions,
): { batch: Batch; generateOptions: GenerateOptions }[] {
  const roles = pairRoles(model.ir);
  const target = model.vocabularies.target;
  const examples: Example[] = sources.map((ids) => ({
    length: 1,
    lengths: { [roles.source.sequence]: ids.length, [roles.target.sequence]: 1 },
    inputs: { [roles.source.input]: ids },
    targets: {},
  }));
  const size = options.batch ?? DEFAULT_BATCH;
  const generateOptions: GenerateOptions = {
    maxLength: options.maxLength,
    stop: target.endOfLine!,
    classes: target.entries.length,
    ...(options.beam === undefined ? {} : { beam: options.beam }),
  };
  const out = [];
  for (let start = 0; start < examples.length; start += size) {
    const indices = Array.from({ length: Math.min(size, examples.length - start) }, (_, i) => start + i);
    out.push({ batch: sequenceBatch(model.ir, examples, indices), generateOptions });
  }
  return out;
}

function tokensOf(model: PairModel, ids: Int32Array): string[] {
  return Array.from(ids, (id) => model.vocabularies.target.entries[id]!);
}

/** Tokens as text: characters joined, words separated by a space. */
export function joinTokens(tokens: readonly string[], kind: TextTokens): string {
  return tokens.join(kind === "chars" ? "" : " ");
}
