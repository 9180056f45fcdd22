/**
 * Sentence pairs for a model of several sequences (an encoder-decoder): tab-separated lines
 * `source<TAB>target` (`.tsv`, the format of common translation corpora) or JSONL records
 * `{"source": "...", "target": "..."}`, each side cut into characters or into words (split on
 * white space, as a word corpus is: engine/data/words.ts). Each side has a vocabulary of its
 * own, built as a text's is (engine/data/vocabulary.ts); the target's ends with `<eos>`,
 * which rnnc appends to every target, so a decoder learns where an output ends and a
 * generating one stops there. (The start needs no token: before its first step the decoder's
 * `y[t-1]` reads no class.) A bad line is an error that says file and line.
 */
import { DataError, jsonErrorText } from "../io/data-error.js";
import { describe } from "../io/nested.js";
import type { Example } from "./dataset.js";
import type { TextTokens } from "./text-file.js";
import { rankedVocabulary, showChar, vocabularyIndex, type Vocabulary } from "./vocabulary.js";

export interface Pair {
  /** 1-based line of the file. */
  line: number;
  source: string[];
  target: string[];
}

export type PairFormat = "tsv" | "jsonl";

export function pairFormatOf(path: string): PairFormat {
  return /\.(jsonl|ndjson)$/i.test(path) ? "jsonl" : "tsv";
}

/** The pairs of a file, each side cut into `tokens`; blank lines are skipped. */
export function parsePairs(text: string, file: string, format: PairFormat, tokens: TextTokens): Pair[] {
  const pairs: Pair[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const here = `${file}:${line}`;
    const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (content.trim() === "") return;
    const [source, target] = format === "tsv" ? tabSeparated(content, here) : jsonPair(content, here);
    const cut = (side: string, which: string) => {
      const parts = cutSide(side, tokens);
      if (parts.length === 0) throw new DataError(`${here}: the ${which} is empty: a pair needs both sides`);
      return parts;
    };
    pairs.push({ line, source: cut(source, "source"), target: cut(target, "target") });
  });
  if (pairs.length === 0)
    throw new DataError(
      `${file}: no pairs (${format === "tsv" ? "a line is source<TAB>target" : 'a line is {"source": ..., "target": ...}'})`,
    );
  return pairs;
}

/** One side of a pair cut into its tokens: characters, or words split on white space. */
export function cutSide(side: string, tokens: TextTokens): string[] {
  return tokens === "chars" ? [...side] : side.split(/\s+/).filter((w) => w !== "");
}

function tabSeparated(content: string, here: string): [string, string] {
  const parts = content.split("\t");
  if (parts.length < 2) throw new DataError(`${here}: no tab: a line is source<TAB>target`);
  if (parts.length > 2)
    throw new DataError(`${here}: ${parts.length - 1} tabs: a line is source<TAB>target, one tab between them`);
  return [parts[0]!, parts[1]!];
}

function jsonPair(content: string, here: string): [string, string] {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (e) {
    throw new DataError(`${here}: not valid JSON (${jsonErrorText(e)})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new DataError(
      `${here}: a pair is a JSON object like {"source": "...", "target": "..."}, not ${describe(json)}`,
    );
  const r = json as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => k !== "source" && k !== "target");
  if (unknown.length > 0)
    throw new DataError(
      `${here}: unknown key ${unknown.map((k) => `"${k}"`).join(", ")}; a pair has "source" and "target"`,
    );
  for (const side of ["source", "target"]) {
    if (!(side in r)) throw new DataError(`${here}: the pair has no "${side}"`);
    if (typeof r[side] !== "string")
      throw new DataError(`${here}: "${side}" must be a string, not ${describe(r[side])}`);
  }
  return [r["source"] as string, r["target"] as string];
}

/** The two vocabularies a pair corpus is read with; saved with a checkpoint. */
export interface PairVocabularies {
  tokens: TextTokens;
  source: Vocabulary;
  /** With `<eos>` (`endOfLine`), the class that ends every target. */
  target: Vocabulary;
}

/** Each side's vocabulary from the pairs: every token (the most frequent with `cap`, then `<unk>` too). */
export function pairVocabularies(pairs: readonly Pair[], tokens: TextTokens, cap?: number): PairVocabularies {
  const counts = (side: "source" | "target") => {
    const out = new Map<string, number>();
    for (const p of pairs) for (const t of p[side]) out.set(t, (out.get(t) ?? 0) + 1);
    return out;
  };
  const capped = cap === undefined ? {} : { cap };
  return {
    tokens,
    source: rankedVocabulary(tokens, counts("source"), capped),
    target: rankedVocabulary(tokens, counts("target"), { ...capped, endOfLine: true }),
  };
}

/** Where a pair corpus goes in the model: the source's one-hot input and the target it generates. */
export interface PairRoles {
  source: { input: string; sequence: string };
  target: { name: string; sequence: string; fn: string };
}

/** The shape of a model as far as pairs go (a checked model and an IR both have it). */
export interface PairShape {
  name: string;
  inputs: readonly { name: string; encoding: "onehot" | "dense"; sequence?: string }[];
  targets: readonly { name: string; kind: "class" | "real"; sequence?: string }[];
  losses: readonly { target: string; at: "last" | "each"; fn: string }[];
  sequences?: readonly string[];
}

/** A model of two sequences with one one-hot input (the source) and one class target scored at each step. */
export function pairRoles(model: PairShape): PairRoles {
  const input = model.inputs.length === 1 && model.inputs[0]!.encoding === "onehot" ? model.inputs[0]! : undefined;
  const target = model.targets.length === 1 && model.targets[0]!.kind === "class" ? model.targets[0]! : undefined;
  const loss = target && model.losses.find((l) => l.target === target.name && l.at === "each");
  if ((model.sequences?.length ?? 1) !== 2 || !input || !target || !loss || input.sequence === target.sequence)
    throw new DataError(
      `sentence pairs train a model of two sequences, a one-hot input over the source's (input x[s] : onehot[V]) and a class target scored at each step of the target's; model ${model.name} has ${describeShape(model)}`,
    );
  return {
    source: { input: input.name, sequence: input.sequence! },
    target: { name: target.name, sequence: target.sequence!, fn: loss.fn },
  };
}

function describeShape(model: PairShape): string {
  const sequences = model.sequences?.length ?? 1;
  const io = [
    ...model.inputs.map((i) => `input ${i.name} (${i.encoding})`),
    ...model.targets.map((t) => `target ${t.name} (${t.kind})`),
  ];
  return `${sequences === 1 ? "one sequence" : `${sequences} sequences`}: ${io.join(", ") || "no inputs or targets"}`;
}

/** Whether a JSONL file holds pairs: its first record has a "source". */
export function looksLikePairs(text: string): boolean {
  const first = text.split("\n").find((line) => line.trim() !== "");
  if (first === undefined) return false;
  try {
    const json: unknown = JSON.parse(first);
    return json !== null && typeof json === "object" && "source" in json;
  } catch {
    return false;
  }
}

/**
 * Ids of one side's tokens in its vocabulary (`<unk>` for a token outside it when the
 * vocabulary has one); a token it cannot encode is an error at `where` (file:line).
 */
export function sideEncoder(
  vocabularies: PairVocabularies,
  which: "source" | "target",
): (tokens: readonly string[], where: string) => Int32Array {
  const vocabulary = vocabularies[which];
  const index = vocabularyIndex(vocabulary);
  return (tokens, where) =>
    Int32Array.from(tokens, (t) => {
      const id = index.get(t) ?? vocabulary.unknown;
      if (id === undefined)
        throw new DataError(
          `${where}: ${vocabularies.tokens === "chars" ? showChar(t) : `'${t}'`} is not in the ${which} vocabulary the model was trained with`,
        );
      return id;
    });
}

/** The pairs as examples: source ids, target ids then `<eos>`, each over its own sequence. */
export function pairExamples(
  pairs: readonly Pair[],
  vocabularies: PairVocabularies,
  roles: PairRoles,
  file: string,
): Example[] {
  const source = sideEncoder(vocabularies, "source");
  const target = sideEncoder(vocabularies, "target");
  const eos = vocabularies.target.endOfLine!;
  return pairs.map((p) => {
    const ids = source(p.source, `${file}:${p.line}`);
    const classes = Int32Array.from([...target(p.target, `${file}:${p.line}`), eos]);
    return {
      length: classes.length,
      lengths: { [roles.source.sequence]: ids.length, [roles.target.sequence]: classes.length },
      inputs: { [roles.source.input]: ids },
      targets: { [roles.target.name]: classes },
    };
  });
}
