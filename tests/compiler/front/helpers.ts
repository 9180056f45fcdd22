/** Helpers shared by the front-end tests. */
import { canonicalNotation } from "../../../grammar/notation.js";
import { readdirSync, readFileSync } from "node:fs";
import type { ModelDecl, RnnFile } from "../../../grammar/ast.js";

/** A deep copy without source ranges (`range`, `shapeRange`, `offsetRange`, ...) or recovery marks: what was written, not where. */
export function withoutRanges<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "range" || key.endsWith("Range") || key === "recovered") continue;
    out[key] = strip(v);
  }
  return out;
}

/** The models of a file and the text of its comments, without positions. */
/** What a file means, as the front end reads it: its models in canonical notation (`h[t]` read as `h`, `σ` as sigmoid), without ranges, and its comments. */
export function shapeOfFile(file: RnnFile): { models: ModelDecl[]; comments: string[] } {
  return writtenShapeOfFile({ ...file, models: file.models.map((m) => canonicalNotation(m, [])) });
}

/** A file exactly as written, without ranges. */
export function writtenShapeOfFile(file: RnnFile): { models: ModelDecl[]; comments: string[] } {
  return { models: withoutRanges(file.models), comments: file.comments.map((c) => c.text) };
}

export interface Source {
  path: string;
  text: string;
}

/** Every `.rnn` file of a directory. */
export function rnnFiles(dir: string): Source[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".rnn"))
    .sort()
    .map((f) => ({ path: `${dir}/${f}`, text: readFileSync(`${dir}/${f}`, "utf8") }));
}

export const examples = (): Source[] => rnnFiles("examples");
export const pytorchFixtures = (): Source[] => rnnFiles("tests/fixtures/pytorch");
