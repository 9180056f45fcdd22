/**
 * The normative data format, time-major like PyTorch: per input `[T][B][D]` numbers (dense)
 * or `[T][B]` ids (one-hot); per target `[B]` class ids for a loss at last, `[T][B]` for one at
 * each, `[B][K]` / `[T][B][K]` for real targets; optional `"lengths": [B]`.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Batch, InputData, TargetData } from "../interpret/batch.js";
import { DataError } from "./data-error.js";
import { describe, finite, flattenNested, nest, outerShape } from "./nested.js";
import { namedRecord } from "../../runtime/records.js";

export interface DataOptions {
  /** Without targets only the forward pass can run; by default they are required when the model has a loss. */
  requireTargets: boolean;
}

export function batchFromJson(ir: IrModel, json: unknown, options: DataOptions = { requireTargets: true }): Batch {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new DataError(`data must be a JSON object with keys ${expectedKeys(ir)}, not ${describe(json)}`);
  const record = json as Record<string, unknown>;
  const known = new Set([...ir.inputs.map((i) => i.name), ...ir.targets.map((t) => t.name), "lengths"]);
  const unknown = Object.keys(record).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new DataError(
      `unknown data key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; expected ${expectedKeys(ir)}`,
    );
  if (ir.inputs.length === 0) throw new DataError("the model has no input");

  const first = ir.inputs[0]!;
  if (!Object.hasOwn(record, first.name)) throw new DataError(`missing input '${first.name}'`);
  const [T, B] = outerShape(record[first.name], 2);
  if (!T) throw new DataError(`input '${first.name}' is empty: a batch needs at least one step`);
  if (!B) throw new DataError(`input '${first.name}' has no sequences: a batch needs at least one`);

  const inputs = namedRecord<InputData>();
  for (const input of ir.inputs) {
    if (!Object.hasOwn(record, input.name)) throw new DataError(`missing input '${input.name}'`);
    if (input.encoding === "onehot")
      inputs[input.name] = { kind: "onehot", ids: readIds(record[input.name], [T, B], input.name, input.size) };
    else inputs[input.name] = { kind: "dense", values: readReals(record[input.name], [T, B, input.size], input.name) };
  }

  const lengths = new Int32Array(B).fill(T);
  if (Object.hasOwn(record, "lengths")) {
    flattenNested(
      record["lengths"],
      [B],
      "lengths",
      (x, path) => {
        if (!Number.isInteger(x) || x < 1 || x > T)
          throw new DataError(`${path} is ${x}; a length is a whole number from 1 to T = ${T}`);
      },
      lengths,
    );
  }

  const targets = namedRecord<TargetData>();
  for (const target of ir.targets) {
    if (!Object.hasOwn(record, target.name)) {
      if (options.requireTargets && ir.losses.some((l) => l.target === target.name))
        throw new DataError(`missing target '${target.name}', which the loss scores`);
      continue;
    }
    const atEach = ir.losses.some((l) => l.target === target.name && l.at === "each");
    const outer = atEach ? [T, B] : [B];
    targets[target.name] =
      target.kind === "class"
        ? { kind: "class", ids: readIds(record[target.name], outer, target.name, target.size) }
        : { kind: "real", values: readReals(record[target.name], [...outer, target.size], target.name) };
  }
  return { T, B, inputs, targets, lengths };
}

function readIds(value: unknown, shape: number[], name: string, classes: number): Int32Array {
  const out = new Int32Array(shape.reduce((a, b) => a * b, 1));
  flattenNested(
    value,
    shape,
    name,
    (x, path) => {
      if (!Number.isInteger(x) || x < 0 || x >= classes)
        throw new DataError(`${path} is ${x}; ids of '${name}' are whole numbers from 0 to ${classes - 1}`);
    },
    out,
  );
  return out;
}

function readReals(value: unknown, shape: number[], name: string): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  flattenNested(value, shape, name, finite, out);
  return out;
}

function expectedKeys(ir: IrModel): string {
  return [...ir.inputs.map((i) => `'${i.name}'`), ...ir.targets.map((t) => `'${t.name}'`), "'lengths' (optional)"].join(
    ", ",
  );
}

/** A batch back to the normative JSON (for generated data sets and round trips). */
export function batchToJson(ir: IrModel, batch: Batch): Record<string, unknown> {
  const { T, B } = batch;
  const out = namedRecord<unknown>();
  for (const input of ir.inputs) {
    const d = batch.inputs[input.name]!;
    out[input.name] = d.kind === "onehot" ? nest(d.ids, [T, B]) : nest(d.values, [T, B, input.size]);
  }
  for (const target of ir.targets) {
    const d = batch.targets[target.name];
    if (!d) continue;
    const outer = ir.losses.some((l) => l.target === target.name && l.at === "each") ? [T, B] : [B];
    out[target.name] = d.kind === "class" ? nest(d.ids, outer) : nest(d.values, [...outer, target.size]);
  }
  out["lengths"] = Array.from(batch.lengths);
  return out;
}
