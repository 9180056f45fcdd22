/**
 * How well an encoder-decoder translates a pair corpus, as `rnnc eval` reports it beside the
 * loss: each source decoded as `rnnc translate` decodes it (engine/translate.ts), the output
 * compared with the pair's target: the share of outputs that are the target token for token
 * (exact match), and corpus BLEU over the outputs and targets as text (engine/train/bleu.ts,
 * sacrebleu's default).
 */
import { sideEncoder, type Pair } from "../data/pairs.js";
import { joinTokens, translateIds, type PairModel, type TranslateOptions } from "../translate.js";
import { corpusBleu, type BleuScore } from "./bleu.js";

export interface TranslationScores {
  /** Share of outputs equal to their target, token for token. */
  exactMatch: number;
  bleu: BleuScore;
  /** Pairs translated. */
  pairs: number;
}

export function translationScores(
  model: PairModel,
  pairs: readonly Pair[],
  file: string,
  options: TranslateOptions,
): TranslationScores {
  const encode = sideEncoder(model.vocabularies, "source");
  const outputs = translateIds(
    model,
    pairs.map((p) => encode(p.source, `${file}:${p.line}`)),
    options,
  );
  const same = outputs.filter(
    (o, i) => o.length === pairs[i]!.target.length && o.every((t, k) => t === pairs[i]!.target[k]),
  );
  const text = (tokens: readonly string[]) => joinTokens(tokens, model.vocabularies.tokens);
  return {
    exactMatch: same.length / pairs.length,
    bleu: corpusBleu(outputs.map(text), [pairs.map((p) => text(p.target))]),
    pairs: pairs.length,
  };
}
