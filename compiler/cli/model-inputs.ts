/**
 * Reading the files a run needs (weights, data) for a model, turning format and
 * validation problems into one-line user errors that name the file.
 */
import { readFileSync } from "node:fs";
import type { IrModel } from "../ir/ir.js";
import type { Batch, Weights } from "../../engine/interpret/batch.js";
import { DataError, jsonErrorText } from "../../engine/io/data-error.js";
import { batchFromJson, type DataOptions } from "../../engine/io/data-json.js";
import { parseWeights } from "../../engine/io/weights-file.js";
import { initialWeights } from "../../engine/init-weights.js";
import { UserError } from "./io.js";
import { readText } from "./io.js";

export function loadWeights(ir: IrModel, path: string | undefined, seed: number): Weights {
  if (path === undefined) return initialWeights(ir, seed);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    readText(path, "weights file"); // throws the descriptive error
    throw new UserError(`cannot read weights file '${path}'`);
  }
  return withFileName(path, () => parseWeights(ir, bytes));
}

export function loadBatch(ir: IrModel, path: string, options?: DataOptions): Batch {
  const text = readText(path, "data file");
  return withFileName(path, () => batchFromJson(ir, parseJson(text), options));
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`not valid JSON: ${jsonErrorText(e)}`);
  }
}

function withFileName<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof DataError) throw new UserError(`${path}: ${e.message}`);
    throw e;
  }
}

export function parsePositiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`${option} must be a positive integer, not '${value}'`);
  return n;
}
