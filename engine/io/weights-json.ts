/**
 * The normative weights format: `{ "W": [[...], ...], "b": [...] }`, one key per parameter
 * (shorthand parameters by dotted name), nested arrays in the declared shape, row-major.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Weights } from "../interpret/batch.js";
import { DataError } from "./data-error.js";
import { describe, finite, flattenNested, nest } from "./nested.js";
import { namedRecord, ownValue } from "../../runtime/records.js";

export function weightsFromJson(ir: IrModel, json: unknown): Weights {
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new DataError(`weights must be a JSON object with one key per parameter, not ${describe(json)}`);
  const record = json as Record<string, unknown>;
  const declared = new Set(ir.params.map((p) => p.name));
  const unknown = Object.keys(record).filter((k) => !declared.has(k));
  if (unknown.length > 0)
    throw new DataError(
      `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}; the model's parameters are ${[...declared].join(", ")}`,
    );
  const weights: Weights = namedRecord();
  for (const p of ir.params) {
    if (!Object.hasOwn(record, p.name))
      throw new DataError(`missing parameter '${p.name}' (shape [${p.shape.join(", ")}])`);
    const flat = new Float64Array(p.shape.reduce((a, b) => a * b, 1));
    flattenNested(record[p.name], p.shape, p.name, finite, flat);
    weights[p.name] = flat;
  }
  return weights;
}

export function weightsToJson(ir: IrModel, weights: Weights): Record<string, unknown> {
  return namedRecord(ir.params.map((p) => [p.name, nest(weights[p.name]!, p.shape)]));
}

/** Checks a weights record against the model (used for safetensors and programmatic weights too). */
export function validateWeights(ir: IrModel, weights: Weights): void {
  for (const p of ir.params) {
    const w = ownValue(weights, p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!w) throw new DataError(`missing parameter '${p.name}' (shape [${p.shape.join(", ")}])`);
    if (w.length !== size)
      throw new DataError(
        `parameter '${p.name}' has ${w.length} values, expected ${size} (shape [${p.shape.join(", ")}])`,
      );
    const bad = w.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0)
      throw new DataError(`parameter '${p.name}' holds ${w[bad]} at flat index ${bad}; weights must be finite`);
  }
  const unknown = Object.keys(weights).filter((k) => !ir.params.some((p) => p.name === k));
  if (unknown.length > 0)
    throw new DataError(`unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}`);
}
