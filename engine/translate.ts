/**
 * Translation with an encoder-decoder trained on sentence pairs (engine/data/pairs.ts): the
 * sources, as ids of the source vocabulary, decoded in batches by the interpreter's free
 * running (engine/interpret/generate.ts: greedy, or a beam search of `beam` hypotheses) up to
 * `<eos>` or `maxLength` tokens, and the ids turned back into target tokens. `rnnc translate`
 * prints them; `rnnc eval` scores them (exact match, BLEU).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import { sequenceBatch, type Example } from "./data/dataset.js";
import { pairRoles, type PairVocabularies } from "./data/pairs.js";
import type { TextTokens } from "./data/text-file.js";
import type { Weights } from "./interpret/batch.js";
import { generate } from "./interpret/generate.js";

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
}

/** Sources decoded together by default: enough rows to keep each step's products large. */
const DEFAULT_BATCH = 64;

/** For each source (ids of the source vocabulary), the target tokens the model generates. */
export function translateIds(model: PairModel, sources: readonly Int32Array[], options: TranslateOptions): string[][] {
  const roles = pairRoles(model.ir);
  const target = model.vocabularies.target;
  const examples: Example[] = sources.map((ids) => ({
    length: 1,
    lengths: { [roles.source.sequence]: ids.length, [roles.target.sequence]: 1 },
    inputs: { [roles.source.input]: ids },
    targets: {},
  }));
  const size = options.batch ?? DEFAULT_BATCH;
  const out: string[][] = [];
  for (let start = 0; start < examples.length; start += size) {
    const indices = Array.from({ length: Math.min(size, examples.length - start) }, (_, i) => start + i);
    const generated = generate(model.ir, model.weights, sequenceBatch(model.ir, examples, indices), {
      maxLength: options.maxLength,
      stop: target.endOfLine!,
      classes: target.entries.length,
      ...(options.beam === undefined ? {} : { beam: options.beam }),
    });
    for (const ids of generated) out.push(Array.from(ids, (id) => target.entries[id]!));
  }
  return out;
}

/** Tokens as text: characters joined, words separated by a space. */
export function joinTokens(tokens: readonly string[], kind: TextTokens): string {
  return tokens.join(kind === "chars" ? "" : " ");
}
