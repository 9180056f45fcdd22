/**
 * What the label of a JSONL record means, which is the model's to say: its one target and
 * the loss that scores it. A class target scored at the last step takes `"label"` (a class
 * name or id); a real target at the last step takes `"label"` (a number, for size 1) or
 * `"target"` (a vector); a target scored at each step takes `"tags"`, one a token (classes,
 * numbers or vectors). Every error names the record's line.
 */
import { DataError } from "../io/data-error.js";
import { describe } from "../io/nested.js";
import { isWholeNumber, type JsonlRecord, type ScoreField } from "./jsonl.js";
import { plural } from "../../compiler/plural.js";

/** The target a JSONL file fills and how the model scores it. */
export interface TargetRole {
  name: string;
  kind: "class" | "real";
  at: "last" | "each";
  /** The loss that scores it (a loss of compiler/ops/losses.ts). */
  fn: string;
}

/** Labels as class ids: integers are ids already; strings are numbered in sorted order. */
export interface LabelSet {
  kind: "ids" | "names";
  /** For names: entry i is class i. */
  names: string[];
  /** Number of classes the data needs. */
  count: number;
}

/** What the records give the target: the classes, or the size of a real target's vectors. */
export type TargetNeed = { kind: "class"; labels: LabelSet } | { kind: "real"; width: number };

type Value = string | number | number[];

/** The record's values for the target: its one label or target (at last), or its tags (at each). */
function recordValues(r: JsonlRecord, role: TargetRole, file: string): { field: ScoreField; values: Value[] } {
  const field: ScoreField = r.tags ? "tags" : r.target ? "target" : "label";
  const wanted: ScoreField[] = role.at === "each" ? ["tags"] : role.kind === "class" ? ["label"] : ["label", "target"];
  if (!wanted.includes(field))
    throw new DataError(
      `${file}:${r.line}: target ${role.name} is ${role.kind === "class" ? "a class" : "real"} scored ${role.at === "each" ? "at each step" : "at the last step"}, so a record gives ${expected(role)}; this one gives "${field}"`,
    );
  return { field, values: field === "tags" ? [...r.tags!] : [field === "target" ? r.target! : r.label!] };
}

function expected(role: TargetRole): string {
  if (role.kind === "class")
    return role.at === "last" ? `"label" (a class name or id)` : `"tags" (a class name or id for each token)`;
  return role.at === "last"
    ? `"label" (a number) or "target" (an array of numbers)`
    : `"tags" (a number or an array of numbers for each token)`;
}

/** What the records need of the model's target; every record is checked against the role. */
export function targetNeed(records: readonly JsonlRecord[], role: TargetRole, file = "data"): TargetNeed {
  if (role.kind === "class") {
    const names = new Set<string>();
    let maxId = -1;
    for (const r of records)
      for (const v of classValues(r, role, file)) {
        if (typeof v === "string") names.add(v);
        else maxId = Math.max(maxId, v);
      }
    if (maxId >= 0) return { kind: "class", labels: { kind: "ids", names: [], count: maxId + 1 } };
    const sorted = [...names].sort();
    return { kind: "class", labels: { kind: "names", names: sorted, count: sorted.length } };
  }
  let first: { width: number; line: number; field: ScoreField } | undefined;
  for (const r of records) {
    const { field, width } = realValues(r, role, file);
    first ??= { width, line: r.line, field };
    if (width !== first.width)
      throw new DataError(
        `${file}:${r.line}: ${describeWidth(field, width)} here but ${describeWidth(first.field, first.width)} on line ${first.line}; target ${role.name} has one size`,
      );
  }
  return { kind: "real", width: first!.width };
}

const describeWidth = (field: ScoreField, width: number) =>
  width === 1 && field !== "target"
    ? `the ${field === "tags" ? "tags are numbers" : "label is a number"}`
    : `${field === "tags" ? "each tag" : `"${field}"`} has ${width} ${plural(width, "number")}`;

function classValues(r: JsonlRecord, role: TargetRole, file: string): (string | number)[] {
  const { field, values } = recordValues(r, role, file);
  for (const v of values)
    if (typeof v !== "string" && !isWholeNumber(v))
      throw new DataError(
        `${file}:${r.line}: "${field}" must be ${field === "tags" ? "class names or whole numbers ≥ 0" : "a string or a whole number ≥ 0"} for class target ${role.name}, not ${describe(v)}`,
      );
  return values as (string | number)[];
}

function realValues(
  r: JsonlRecord,
  role: TargetRole,
  file: string,
): { field: ScoreField; width: number; values: number[][] } {
  const { field, values } = recordValues(r, role, file);
  const vectors = values.map((v) => {
    if (typeof v === "string")
      throw new DataError(
        `${file}:${r.line}: ${field === "tags" ? "the tags are names" : `the label ${JSON.stringify(v)} is a name`}, but target ${role.name} is real; give ${field === "tags" ? "a number for each token" : "a number"} (e.g. 1 and 0 for two classes)`,
      );
    return typeof v === "number" ? [v] : v;
  });
  if (role.fn === "binary_cross_entropy")
    for (const vector of vectors)
      for (const y of vector)
        if (!(y >= 0 && y <= 1))
          throw new DataError(
            `${file}:${r.line}: ${y} is not a probability; binary_cross_entropy scores target ${role.name} against values from 0 to 1`,
          );
  return { field, width: vectors[0]!.length, values: vectors };
}

/** The need a saved label set and this data have together (ids may go beyond the saved ones; the model's size decides). */
export function mergedNeed(saved: LabelSet, data: TargetNeed): TargetNeed {
  if (data.kind !== "class" || saved.kind !== "ids" || data.labels.kind !== "ids")
    return { kind: "class", labels: saved };
  return { kind: "class", labels: { ...saved, count: Math.max(saved.count, data.labels.count) } };
}

/**
 * A record's target as the example holds it: class ids [1] / [L] or values [K] / [L][K]
 * (at last / at each).
 */
export function encodeTarget(
  r: JsonlRecord,
  role: TargetRole,
  labels: LabelSet | undefined,
  file = "data",
): Int32Array | Float64Array {
  if (role.kind === "real") return Float64Array.from(realValues(r, role, file).values.flat());
  return Int32Array.from(classValues(r, role, file), (v) => classId(v, labels!, `${file}:${r.line}`));
}

function classId(v: string | number, labels: LabelSet, here: string): number {
  if (typeof v === "number") {
    if (labels.kind === "ids") return v;
    throw new DataError(
      `${here}: label ${v} is a class id, but the model was trained with names (${labels.names.join(", ")})`,
    );
  }
  if (labels.kind === "ids")
    throw new DataError(`${here}: label ${JSON.stringify(v)} is a name, but the model was trained with class ids`);
  const id = labels.names.indexOf(v);
  if (id < 0)
    throw new DataError(
      `${here}: label ${JSON.stringify(v)} is not one of the ${labels.count} labels the model was trained with (${labels.names.join(", ")})`,
    );
  return id;
}
