/**
 * Data files by kind, told by the extension: `.jsonl` / `.ndjson` records of tokens and labels,
 * `.json` the normative batch format, anything else a plain-text corpus for a character
 * language model. Loading is in two steps because a character model's dims come from the
 * data: first what the data needs (vocabulary, labels), then, once the model's IR exists,
 * the dataset itself.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { IrModel } from "../../compiler/ir/ir.js";
import { DataError, jsonErrorText } from "../io/data-error.js";
import { batchFromJson } from "../io/data-json.js";
import { examplesFromBatch, type Dataset, type Example } from "./dataset.js";
import { parseJsonl, recordsVocabulary, tokenCount, tokenEncoder } from "./jsonl.js";
import { encodeTarget, mergedNeed, targetNeed, type LabelSet } from "./record-targets.js";
import {
  cannotRead,
  encodeTextFile,
  readTextFile,
  textVocabulary,
  type TextCensus,
  type TextTokens,
} from "./text-file.js";
import { type Vocabulary } from "./vocabulary.js";
import { describeVocabulary, textNeeds, type DataNeeds } from "./needs.js";
import {
  looksLikePairs,
  pairExamples,
  pairFormatOf,
  pairRoles,
  pairVocabularies,
  parsePairs,
  type PairShape,
} from "./pairs.js";

import { dataRoles, type DataFormat, type RoleShape } from "./roles.js";
import { plural } from "../../compiler/plural.js";

export { dataRoles, type DataFormat, type DataRoles, type RoleShape } from "./roles.js";

/**
 * What the model must offer: ids 0..tokens−1 on its one-hot input, and on its target classes
 * 0..classes−1 (a class target) or vectors of exactly `width` numbers (a real one).
 */

/**
 * A data file as read: records and JSON whole, as text; a text corpus only counted (its
 * characters or words are read again into ids by `buildDataset`, so a text of any size
 * fits). `vocabSize` caps the vocabulary a new model takes from it.
 */
export type RawData = { path: string; sha256: string; vocabSize?: number } & (
  | { format: "text"; census: TextCensus }
  | { format: "jsonl" | "json"; text: string }
  /** Sentence pairs, each side cut into `tokens`. */
  | { format: "pairs"; text: string; tokens: TextTokens }
);

/** How to read a data file: a text's tokens (characters by default), and a cap on the vocabulary. */
export interface ReadOptions {
  tokens?: TextTokens;
  vocabSize?: number;
}

/** By the extension; a JSONL file of pairs is told by its first record (readData). */
export function dataFormatOf(path: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".tsv") return "pairs";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  if (ext === ".json") return "json";
  return "text";
}

export function readData(path: string, options: ReadOptions = {}): RawData {
  const format = dataFormatOf(path);
  if (format === "json" && options.vocabSize !== undefined)
    throw new DataError(
      `--vocab-size caps the vocabulary of a text or of JSONL tokens; ${path} is JSON, whose ids are given`,
    );
  const vocabSize = options.vocabSize === undefined ? {} : { vocabSize: options.vocabSize };
  if (format === "text") {
    const census = readTextFile(path, options.tokens);
    return { path, format, census, sha256: census.sha256, ...vocabSize };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw cannotRead(path, e);
  }
  const text = bytes.toString("utf8");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (format === "pairs" || (format === "jsonl" && looksLikePairs(text)))
    return { path, format: "pairs", text, tokens: options.tokens ?? "chars", sha256, ...vocabSize };
  if (options.tokens !== undefined)
    throw new DataError(
      `--tokens ${options.tokens} reads a text corpus (.txt) or sentence pairs (.tsv); ${path} is ${format.toUpperCase()}`,
    );
  return { path, format: format as "jsonl" | "json", text, sha256, ...vocabSize };
}

/** What a trained model remembers about its data: the token ids and the class names. Saved in the checkpoint. */
export interface DataCodebook {
  format: DataFormat;
  /** The tokens of a text or JSONL records; a pair corpus's sources. */
  vocabulary?: Vocabulary;
  labels?: LabelSet;
  /** A pair corpus's targets (with `<eos>`). */
  targetVocabulary?: Vocabulary;
}

/**
 * Reads what the data needs from the model. With a saved codebook (evaluation, sampling,
 * resuming), the ids are the ones training used; without, the vocabulary and labels are
 * built from this data.
 */
export function dataNeeds(
  raw: RawData,
  model: RoleShape,
  saved?: DataCodebook,
): { codebook: DataCodebook; needs: DataNeeds } {
  if (raw.format === "pairs") return pairNeeds(raw, model, saved);
  const roles = dataRoles(model, raw.format);
  if (raw.format === "json") return { codebook: { format: "json" }, needs: {} };
  if (raw.format === "text") {
    const vocabulary = saved?.vocabulary ?? textVocabulary(raw.census, raw.vocabSize);
    return {
      codebook: { format: "text", vocabulary },
      needs: textNeeds(vocabulary, roles!, raw.census.counts.size),
    };
  }
  const records = parseJsonl(raw.text, raw.path);
  const vocabulary = saved ? saved.vocabulary : recordsVocabulary(records, raw.vocabSize);
  const fromData = targetNeed(records, roles!.target, raw.path);
  const target = saved?.labels ? mergedNeed(saved.labels, fromData) : fromData;
  const tokens = tokenCount(records, vocabulary);
  const needs: DataNeeds = {
    roles: roles!,
    tokens,
    tokensWhat: vocabulary
      ? describeVocabulary(vocabulary, new Set(records.flatMap((r) => r.tokens as string[])).size)
      : `token ids up to ${tokens - 1}`,
  };
  if (target.kind === "real") {
    needs.width = target.width;
    needs.widthWhat = `target vectors of ${target.width} ${plural(target.width, "number")}`;
    return { codebook: { format: "jsonl", ...(vocabulary ? { vocabulary } : {}) }, needs };
  }
  const { labels } = target;
  needs.classes = labels.count;
  needs.classesWhat =
    labels.kind === "names"
      ? `${labels.count} labels (${labels.names.join(", ")})`
      : `labels up to ${labels.count - 1}`;
  return { codebook: { format: "jsonl", ...(vocabulary ? { vocabulary } : {}), labels }, needs };
}

/** A pair corpus: the source's vocabulary sizes the one-hot input, the target's (with <eos>) the class target. */
function pairNeeds(
  raw: Extract<RawData, { format: "pairs" }>,
  model: RoleShape & PairShape,
  saved?: DataCodebook,
): { codebook: DataCodebook; needs: DataNeeds } {
  const roles = pairRoles(model);
  const pairs = parsePairs(raw.text, raw.path, pairFormatOf(raw.path), raw.tokens);
  const built = pairVocabularies(pairs, raw.tokens, raw.vocabSize);
  const source = saved?.vocabulary ?? built.source;
  const target = saved?.targetVocabulary ?? built.target;
  const noun = raw.tokens === "chars" ? "characters" : "words";
  return {
    codebook: { format: "pairs", vocabulary: source, targetVocabulary: target },
    needs: {
      roles: {
        input: roles.source.input,
        target: { name: roles.target.name, kind: "class", at: "each", fn: roles.target.fn },
      },
      tokens: source.entries.length,
      classes: target.entries.length,
      tokensWhat: `${describeVocabulary(source)} of the sources`,
      classesWhat: `${target.entries.length - 1} target ${noun} and <eos>`,
    },
  };
}

/** The data as a dataset for the model (whose dims now fit it). */
export function buildDataset(raw: RawData, ir: IrModel, codebook: DataCodebook): Dataset {
  if (raw.format === "pairs") {
    const pairs = parsePairs(raw.text, raw.path, pairFormatOf(raw.path), raw.tokens);
    const vocabularies = { tokens: raw.tokens, source: codebook.vocabulary!, target: codebook.targetVocabulary! };
    return { kind: "sequences", examples: pairExamples(pairs, vocabularies, pairRoles(ir), raw.path) };
  }
  if (raw.format === "json") {
    let json: unknown;
    try {
      json = JSON.parse(raw.text);
    } catch (e) {
      throw new DataError(`${raw.path}: not valid JSON (${jsonErrorText(e)})`);
    }
    try {
      return { kind: "sequences", examples: examplesFromBatch(ir, batchFromJson(ir, json)) };
    } catch (e) {
      if (e instanceof DataError) throw new DataError(`${raw.path}: ${e.message}`);
      throw e;
    }
  }
  const roles = dataRoles(ir, raw.format)!;
  if (raw.format === "text") {
    const { ids, unknown } = encodeTextFile(raw.path, raw.census, codebook.vocabulary!);
    return {
      kind: "stream",
      ids,
      input: roles.input,
      target: roles.target.name,
      ...(raw.census.tokens === "words" ? { unit: "tokens" as const } : {}),
      ...(unknown > 0 ? { unknown } : {}),
    };
  }
  const tokens = tokenEncoder(codebook.vocabulary, raw.path);
  const examples: Example[] = parseJsonl(raw.text, raw.path).map((r) => {
    const ids = tokens(r);
    const target = encodeTarget(r, roles.target, codebook.labels, raw.path);
    return { length: ids.length, inputs: { [roles.input]: ids }, targets: { [roles.target.name]: target } };
  });
  return { kind: "sequences", examples };
}

/** A one-line description for the training report. */
export function describeDataset(d: Dataset): string {
  if (d.kind === "stream")
    return `${d.ids.length.toLocaleString("en-US")} ${d.unit ?? "characters"}${
      d.unknown ? `, ${d.unknown.toLocaleString("en-US")} of them outside the vocabulary, read as <unk>` : ""
    }`;
  const min = d.examples.reduce((m, e) => Math.min(m, e.length), Infinity);
  const max = d.examples.reduce((m, e) => Math.max(m, e.length), 0);
  const n = d.examples.length;
  return `${n.toLocaleString("en-US")} ${plural(n, "sequence")} of ${min === max ? `${min} ${plural(min, "step")}` : `${min}–${max} steps`}`;
}
