/**
 * Sequence records, one JSON object a line: the tokens, and what the sequence is scored against.
 *   {"text": "the film was not good", "label": "neg"}   (text split on whitespace; a class)
 *   {"tokens": ["not", "good"], "label": 0}              (tokens as strings, or integer ids)
 *   {"text": "the film was good", "label": 0.8}          (a number, for a real target of size 1)
 *   {"text": "...", "target": [0.1, 0.9]}                (a real vector)
 *   {"tokens": ["the", "dog"], "tags": ["DET", "NOUN"]}  (one label per token: classes, numbers or vectors)
 * What a label means is the model's to say (engine/data/record-targets.ts); here a record is
 * only read and checked for shape. Blank lines are skipped. Every error names the line it is on.
 */
import { DataError, jsonErrorText } from "../io/data-error.js";
import { describe } from "../io/nested.js";
import { tokenVocabulary, vocabularyIndex, type Vocabulary } from "./vocabulary.js";
import { plural } from "../../compiler/plural.js";

/** A record's `tags`: one per token, all names, all numbers, or all vectors. */
export type Tags = string[] | number[] | number[][];

export interface JsonlRecord {
  line: number;
  /** Token strings, or ids when the file gives integer tokens. */
  tokens: string[] | number[];
  /** Exactly one of `label`, `target` and `tags` is set, the same one on every line of a file. */
  label?: string | number;
  target?: number[];
  tags?: Tags;
}

export type ScoreField = "label" | "target" | "tags";
const scoreFields: readonly ScoreField[] = ["label", "target", "tags"];
const knownKeys = new Set(["text", "tokens", ...scoreFields]);

/** What a value is, for "one kind in a file" checks: a string, a number, or a vector. */
type ValueKind = "string" | "number" | "vector";

/** Remembers the first line's kind of something and refuses another kind later in the file ("the label is a string here but a number on line 1"). */
class OneKind<K extends string> {
  private first?: { kind: K; line: number };
  constructor(
    private readonly subject: string,
    private readonly noun: (kind: K) => string,
  ) {}
  check(kind: K, line: number, here: string): void {
    this.first ??= { kind, line };
    if (this.first.kind !== kind)
      throw new DataError(
        `${here}: ${this.subject} ${this.noun(kind)} here but ${this.noun(this.first.kind)} on line ${this.first.line}; use one kind in a file`,
      );
  }
}

export function parseJsonl(text: string, file = "data"): JsonlRecord[] {
  const records: JsonlRecord[] = [];
  const tokenKind = new OneKind<"string" | "number">("tokens are", (k) => (k === "string" ? "strings" : "integer ids"));
  const field = new OneKind<ScoreField>("the record gives", (f) => `"${f}"`);
  const labelKind = new OneKind<ValueKind>("the label is", (k) => `a ${k}`);
  const tagKind = new OneKind<ValueKind>("the tags are", (k) => `${k}s`);
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const here = `${file}:${line}`;
    if (raw.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new DataError(`${here}: not valid JSON (${jsonErrorText(e)})`);
    }
    if (json === null || typeof json !== "object" || Array.isArray(json))
      throw new DataError(
        `${here}: a record is a JSON object like {"text": "...", "label": ...}, not ${describe(json)}`,
      );
    const r = json as Record<string, unknown>;
    const unknownKeys = Object.keys(r).filter((k) => !knownKeys.has(k));
    if (unknownKeys.length > 0)
      throw new DataError(
        `${here}: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.map((k) => `"${k}"`).join(", ")}; a record has "text" or "tokens", and "label", "target" or "tags"`,
      );
    const tokens = readTokens(r, here);
    tokenKind.check(typeof tokens[0] === "number" ? "number" : "string", line, here);
    const given = scoreFields.filter((f) => f in r);
    if (given.length === 0) throw new DataError(`${here}: the record has no "label" (or "target", or "tags")`);
    if (given.length > 1)
      throw new DataError(`${here}: give one of ${given.map((f) => `"${f}"`).join(", ")}, not ${given.length}`);
    const score = given[0]!;
    field.check(score, line, here);
    const record: JsonlRecord = { line, tokens };
    if (score === "label") {
      const label = r["label"];
      if (typeof label !== "string" && !isFiniteNumber(label))
        throw new DataError(`${here}: "label" must be a string or a number, not ${describe(label)}`);
      labelKind.check(typeof label === "string" ? "string" : "number", line, here);
      record.label = label;
    } else if (score === "target") {
      record.target = readVector(r["target"], `${here}: "target"`);
    } else {
      const tags = readTags(r["tags"], tokens.length, here);
      tagKind.check(valueKind(tags[0]!), line, here);
      record.tags = tags;
    }
    records.push(record);
  });
  if (records.length === 0) throw new DataError(`${file}: no records (a JSONL file has one JSON object a line)`);
  return records;
}

function readTokens(r: Record<string, unknown>, here: string): string[] | number[] {
  if ("text" in r && "tokens" in r) throw new DataError(`${here}: give "text" or "tokens", not both`);
  if ("text" in r) {
    if (typeof r["text"] !== "string")
      throw new DataError(`${here}: "text" must be a string, not ${describe(r["text"])}`);
    const tokens = r["text"].split(/\s+/).filter((t) => t !== "");
    if (tokens.length === 0) throw new DataError(`${here}: "text" has no tokens (it is empty or blank)`);
    return tokens;
  }
  if (!("tokens" in r)) throw new DataError(`${here}: the record needs "text" (a string) or "tokens" (an array)`);
  const t = r["tokens"];
  if (!Array.isArray(t) || t.length === 0)
    throw new DataError(`${here}: "tokens" must be a non-empty array, not ${describe(t)}`);
  const kind = typeof t[0] === "number" ? "number" : "string";
  t.forEach((x, j) => {
    if (kind === "number" ? !isWholeNumber(x) : typeof x !== "string")
      throw new DataError(`${here}: tokens[${j}] is ${describe(x)}; tokens are all strings or all whole numbers ≥ 0`);
  });
  return t as string[] | number[];
}

function readVector(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new DataError(`${what} must be a non-empty array of numbers, not ${describe(v)}`);
  v.forEach((x, k) => {
    if (!isFiniteNumber(x)) throw new DataError(`${what}[${k}] must be a number, not ${describe(x)}`);
  });
  return v as number[];
}

function readTags(v: unknown, tokens: number, here: string): Tags {
  if (!Array.isArray(v)) throw new DataError(`${here}: "tags" must be an array (one tag a token), not ${describe(v)}`);
  if (v.length !== tokens)
    throw new DataError(
      `${here}: "tags" has ${v.length} ${plural(v.length, "entry", "entries")} for ${tokens} ${plural(tokens, "token")}; give one tag a token`,
    );
  const first = v[0];
  if (Array.isArray(first)) {
    const vectors = v.map((x, j) => readVector(x, `${here}: tags[${j}]`));
    vectors.forEach((x, j) => {
      if (x.length !== vectors[0]!.length)
        throw new DataError(`${here}: tags[${j}] has ${x.length} numbers but tags[0] has ${vectors[0]!.length}`);
    });
    return vectors;
  }
  const kind = typeof first === "string" ? "string" : "number";
  v.forEach((x, j) => {
    if (kind === "string" ? typeof x !== "string" : !isFiniteNumber(x))
      throw new DataError(
        `${here}: tags[${j}] is ${describe(x)}; tags are all strings, all numbers or all arrays of numbers`,
      );
  });
  return v as string[] | number[];
}

function valueKind(x: string | number | number[]): ValueKind {
  return typeof x === "string" ? "string" : typeof x === "number" ? "number" : "vector";
}

export function isWholeNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** The records' string tokens (with `cap`, the most frequent, and `<unk>`); integer tokens are ids already. */
export function recordsVocabulary(records: readonly JsonlRecord[], cap?: number): Vocabulary | undefined {
  if (typeof records[0]!.tokens[0] === "number") {
    if (cap !== undefined) throw new DataError(`--vocab-size caps a vocabulary of words; these records give token ids`);
    return undefined;
  }
  return tokenVocabulary(
    records.flatMap((r) => r.tokens as string[]),
    cap,
  );
}

/** Ids of the tokens needed: for a vocabulary, its size; for integer tokens, the largest id + 1. */
export function tokenCount(records: readonly JsonlRecord[], vocabulary: Vocabulary | undefined): number {
  if (vocabulary) return vocabulary.entries.length;
  // A loop, not Math.max(...ids): spread arguments overflow the stack past about 100,000 values.
  let largest = -1;
  for (const r of records) for (const id of r.tokens as number[]) largest = Math.max(largest, id);
  return largest + 1;
}

/** Reads records' tokens as ids of the vocabulary (or as given, for integer tokens); outside it, `<unk>` if it has one. */
export function tokenEncoder(vocabulary: Vocabulary | undefined, file = "data"): (r: JsonlRecord) => Int32Array {
  if (!vocabulary) return (r) => Int32Array.from(r.tokens as number[]);
  const index = vocabularyIndex(vocabulary);
  const unk = vocabulary.unknown;
  if (unk !== undefined) return (r) => Int32Array.from(r.tokens as string[], (t) => index.get(t) ?? unk);
  return (r) => {
    const unknown = (r.tokens as string[]).filter((t) => !index.has(t));
    if (unknown.length > 0)
      throw new DataError(
        `${file}:${r.line}: token${unknown.length > 1 ? "s" : ""} ${[...new Set(unknown)]
          .slice(0, 5)
          .map((t) => JSON.stringify(t))
          .join(", ")} not in the vocabulary of ${vocabulary.entries.length} tokens the model was trained with`,
      );
    return Int32Array.from(r.tokens as string[], (t) => index.get(t)!);
  };
}
