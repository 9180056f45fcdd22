/**
 * Sequence-classification records, one JSON object a line:
 *   {"text": "the film was not good", "label": "neg"}   (text split on whitespace)
 *   {"tokens": ["not", "good"], "label": 0}              (tokens as strings, or integer ids)
 * Blank lines are skipped. Every error names the line it is on.
 */
import { DataError, jsonErrorText } from "../io/data-error.js";
import { describe } from "../io/nested.js";
import { tokenVocabulary, vocabularyIndex, type Vocabulary } from "./vocabulary.js";

export interface ClassificationRecord {
  line: number;
  /** Token strings, or ids when the file gives integer tokens. */
  tokens: string[] | number[];
  label: string | number;
}

export function parseJsonl(text: string, file = "data"): ClassificationRecord[] {
  const records: ClassificationRecord[] = [];
  let tokenKind: { kind: "string" | "number"; line: number } | undefined;
  let labelKind: { kind: "string" | "number"; line: number } | undefined;
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
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
    const unknownKeys = Object.keys(r).filter((k) => k !== "text" && k !== "tokens" && k !== "label");
    if (unknownKeys.length > 0)
      throw new DataError(
        `${here}: unknown key${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.map((k) => `"${k}"`).join(", ")}; a record has "text" or "tokens", and "label"`,
      );
    if ("text" in r && "tokens" in r) throw new DataError(`${here}: give "text" or "tokens", not both`);
    let tokens: string[] | number[];
    if ("text" in r) {
      if (typeof r["text"] !== "string")
        throw new DataError(`${here}: "text" must be a string, not ${describe(r["text"])}`);
      tokens = r["text"].split(/\s+/).filter((t) => t !== "");
      if (tokens.length === 0) throw new DataError(`${here}: "text" has no tokens (it is empty or blank)`);
    } else if ("tokens" in r) {
      const t = r["tokens"];
      if (!Array.isArray(t) || t.length === 0)
        throw new DataError(`${here}: "tokens" must be a non-empty array, not ${describe(t)}`);
      const kind = typeof t[0] === "number" ? "number" : "string";
      t.forEach((x, j) => {
        if (kind === "number" ? !(typeof x === "number" && Number.isInteger(x) && x >= 0) : typeof x !== "string") {
          throw new DataError(
            `${here}: tokens[${j}] is ${describe(x)}; tokens are all strings or all whole numbers ≥ 0`,
          );
        }
      });
      tokenKind ??= { kind, line };
      if (tokenKind.kind !== kind)
        throw new DataError(
          `${here}: tokens are ${kind}s here but ${tokenKind.kind}s on line ${tokenKind.line}; use one kind in a file`,
        );
      tokens = t as string[] | number[];
    } else throw new DataError(`${here}: the record needs "text" (a string) or "tokens" (an array)`);
    if ("text" in r) {
      tokenKind ??= { kind: "string", line };
      if (tokenKind.kind !== "string")
        throw new DataError(
          `${here}: "text" gives string tokens but line ${tokenKind.line} gives integer ids; use one kind in a file`,
        );
    }
    if (!("label" in r)) throw new DataError(`${here}: the record has no "label"`);
    const label = r["label"];
    const kind =
      typeof label === "number" && Number.isInteger(label) && label >= 0
        ? "number"
        : typeof label === "string"
          ? "string"
          : undefined;
    if (!kind) throw new DataError(`${here}: "label" must be a string or a whole number ≥ 0, not ${describe(label)}`);
    labelKind ??= { kind, line };
    if (labelKind.kind !== kind)
      throw new DataError(
        `${here}: the label is a ${kind} here but a ${labelKind.kind} on line ${labelKind.line}; use one kind in a file`,
      );
    records.push({ line, tokens, label: label as string | number });
  });
  if (records.length === 0) throw new DataError(`${file}: no records (a JSONL file has one JSON object a line)`);
  return records;
}

/** Labels as class ids: integers are ids already; strings are numbered in sorted order. */
export interface LabelSet {
  kind: "ids" | "names";
  /** For names: entry i is class i. */
  names: string[];
  /** Number of classes the data needs. */
  count: number;
}

export function labelSet(records: readonly ClassificationRecord[]): LabelSet {
  if (typeof records[0]!.label === "number")
    return { kind: "ids", names: [], count: records.reduce((m, r) => Math.max(m, r.label as number), 0) + 1 };
  const names = [...new Set(records.map((r) => r.label as string))].sort();
  return { kind: "names", names, count: names.length };
}

export function recordsVocabulary(records: readonly ClassificationRecord[]): Vocabulary | undefined {
  if (typeof records[0]!.tokens[0] === "number") return undefined;
  return tokenVocabulary(records.flatMap((r) => r.tokens as string[]));
}

/** Ids of the tokens needed: for a vocabulary, its size; for integer tokens, the largest id + 1. */
export function tokenCount(records: readonly ClassificationRecord[], vocabulary: Vocabulary | undefined): number {
  // A loop, not Math.max(...ids): spread arguments overflow the stack past about 100,000 values.
  let largest = -1;
  for (const r of records) for (const id of r.tokens as number[]) largest = Math.max(largest, id);
  return vocabulary ? vocabulary.entries.length : largest + 1;
}

export function encodeRecord(
  r: ClassificationRecord,
  vocabulary: Vocabulary | undefined,
  labels: LabelSet,
  file = "data",
): { ids: Int32Array; label: number } {
  let ids: Int32Array;
  if (vocabulary) {
    const index = vocabularyIndex(vocabulary);
    const unknown = (r.tokens as string[]).filter((t) => !index.has(t));
    if (unknown.length > 0)
      throw new DataError(
        `${file}:${r.line}: token${unknown.length > 1 ? "s" : ""} ${[...new Set(unknown)]
          .slice(0, 5)
          .map((t) => JSON.stringify(t))
          .join(", ")} not in the vocabulary of ${vocabulary.entries.length} tokens the model was trained with`,
      );
    ids = Int32Array.from(r.tokens as string[], (t) => index.get(t)!);
  } else ids = Int32Array.from(r.tokens as number[]);
  let label: number;
  if (labels.kind === "ids") label = r.label as number;
  else {
    label = labels.names.indexOf(String(r.label));
    if (label < 0)
      throw new DataError(
        `${file}:${r.line}: label ${JSON.stringify(r.label)} is not one of the ${labels.count} labels the model was trained with (${labels.names.join(", ")})`,
      );
  }
  return { ids, label };
}
