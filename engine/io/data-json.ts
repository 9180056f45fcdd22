/**
 * The normative data format, time-major like PyTorch: per input `[T][B][D]` numbers (dense)
 * or `[T][B]` ids (one-hot); per target `[B]` class ids for a loss at last, `[T][B]` for one at
 * each, `[B][K]` / `[T][B][K]` for real targets; optional `"lengths": [B]`. A model of several
 * sequences (a source and a target) gives each input and target over its own sequence's steps,
 * and `"lengths"` as an object of each sequence's `[B]` lengths, `{"s": [...], "t": [...]}`.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { stepsOf, type Batch, type InputData, type SequenceExtent, type TargetData } from "../interpret/batch.js";
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
  if (ir.sequences) return sequencesFromJson(ir, record, options);
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

  const targets = readTargets(ir, record, options, (name) =>
    ir.losses.some((l) => l.target === name && l.at === "each") ? [T, B] : [B],
  );
  return { T, B, inputs, targets, lengths };
}

/** Each target given, `[B]` or `[T][B]` (`outer`) class ids or real vectors; one a loss scores is required. */
function readTargets(
  ir: IrModel,
  record: Record<string, unknown>,
  options: DataOptions,
  outerOf: (target: string) => number[],
): Record<string, TargetData> {
  const targets = namedRecord<TargetData>();
  for (const target of ir.targets) {
    if (!Object.hasOwn(record, target.name)) {
      if (options.requireTargets && ir.losses.some((l) => l.target === target.name))
        throw new DataError(`missing target '${target.name}', which the loss scores`);
      continue;
    }
    const outer = outerOf(target.name);
    targets[target.name] =
      target.kind === "class"
        ? { kind: "class", ids: readIds(record[target.name], outer, target.name, target.size) }
        : { kind: "real", values: readReals(record[target.name], [...outer, target.size], target.name) };
  }
  return targets;
}

/**
 * A model of several sequences: each input and target has the steps of its own sequence,
 * and `"lengths"` is an object with each sequence's `[B]` lengths by its step variable.
 */
function sequencesFromJson(ir: IrModel, record: Record<string, unknown>, options: DataOptions): Batch {
  const sequences = ir.sequences!;
  const scoredAtEach = (name: string) => ir.losses.some((l) => l.target === name && l.at === "each");
  const perStep = [
    ...ir.inputs.map((i) => ({ name: i.name, sequence: i.sequence! })),
    ...ir.targets.filter((t) => scoredAtEach(t.name)).map((t) => ({ name: t.name, sequence: t.sequence! })),
  ].filter((d) => Object.hasOwn(record, d.name));
  const extents = namedRecord<SequenceExtent>();
  let B: number | undefined;
  for (const sequence of sequences) {
    const first = perStep.find((d) => d.sequence === sequence);
    if (!first) throw new DataError(`no data over sequence ${sequence}: give its inputs or targets`);
    const [T, batch] = outerShape(record[first.name], 2);
    if (!T) throw new DataError(`'${first.name}' is empty: sequence ${sequence} needs at least one step`);
    if (!batch) throw new DataError(`'${first.name}' has no sequences: a batch needs at least one`);
    if (B !== undefined && batch !== B)
      throw new DataError(`'${first.name}' has ${batch} examples, but the other sequences have ${B}`);
    B = batch;
    extents[sequence] = { T, lengths: new Int32Array(batch).fill(T) };
  }
  const lengths = record["lengths"];
  if (lengths !== undefined) {
    if (lengths === null || typeof lengths !== "object" || Array.isArray(lengths))
      throw new DataError(
        `lengths of a model of several sequences is an object of each sequence's lengths, {${sequences.map((s) => `"${s}": [B]`).join(", ")}}`,
      );
    for (const [sequence, value] of Object.entries(lengths)) {
      const extent = extents[sequence];
      if (!extent) throw new DataError(`lengths of '${sequence}': the model's sequences are ${sequences.join(", ")}`);
      flattenNested(
        value,
        [B!],
        `lengths.${sequence}`,
        (x, path) => {
          if (!Number.isInteger(x) || x < 1 || x > extent.T)
            throw new DataError(`${path} is ${x}; a length is a whole number from 1 to ${extent.T}`);
        },
        extent.lengths,
      );
    }
  }
  const stepsOf = (sequence: string | undefined) => extents[sequence!]!.T;
  const inputs = namedRecord<InputData>();
  for (const input of ir.inputs) {
    if (!Object.hasOwn(record, input.name)) throw new DataError(`missing input '${input.name}'`);
    const outer = [stepsOf(input.sequence), B!];
    inputs[input.name] =
      input.encoding === "onehot"
        ? { kind: "onehot", ids: readIds(record[input.name], outer, input.name, input.size) }
        : { kind: "dense", values: readReals(record[input.name], [...outer, input.size], input.name) };
  }
  const targets = readTargets(ir, record, options, (name) =>
    scoredAtEach(name) ? [stepsOf(ir.targets.find((t) => t.name === name)!.sequence), B!] : [B!],
  );
  const last = extents[sequences.at(-1)!]!;
  return { T: last.T, B: B!, inputs, targets, lengths: last.lengths, sequences: extents };
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
  const { B } = batch;
  const out = namedRecord<unknown>();
  for (const input of ir.inputs) {
    const d = batch.inputs[input.name]!;
    const T = stepsOf(batch, input.sequence);
    out[input.name] = d.kind === "onehot" ? nest(d.ids, [T, B]) : nest(d.values, [T, B, input.size]);
  }
  for (const target of ir.targets) {
    const d = batch.targets[target.name];
    if (!d) continue;
    const atEach = ir.losses.some((l) => l.target === target.name && l.at === "each");
    const outer = atEach ? [stepsOf(batch, target.sequence), B] : [B];
    out[target.name] = d.kind === "class" ? nest(d.ids, outer) : nest(d.values, [...outer, target.size]);
  }
  out["lengths"] = batch.sequences
    ? Object.fromEntries(Object.entries(batch.sequences).map(([s, e]) => [s, Array.from(e.lengths)]))
    : Array.from(batch.lengths);
  return out;
}
