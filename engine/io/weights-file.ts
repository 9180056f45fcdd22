/**
 * Weights files by format: the normative JSON, or safetensors (F32/F64, as PyTorch writes
 * them). The format is told by the file's first bytes, not its name.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Weights } from "../interpret/batch.js";
import { DataError, jsonErrorText } from "./data-error.js";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "../../runtime/io/safetensors.js";
import { validateWeights, weightsFromJson, weightsToJson } from "./weights-json.js";
import { namedRecord } from "../../runtime/records.js";

export function parseWeights(ir: IrModel, bytes: Uint8Array): Weights {
  if (!looksBinary(bytes)) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new DataError(`not valid JSON: ${jsonErrorText(e)}`);
    }
    return weightsFromJson(ir, json);
  }
  const { tensors } = readSafetensors(bytes);
  const weights: Weights = namedRecord();
  for (const p of ir.params) {
    const t = tensors[p.name];
    if (!t) continue;
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new DataError(
        `parameter '${p.name}' has shape [${t.shape.join(", ")}] in the file, but the model declares [${p.shape.join(", ")}]`,
      );
    }
    weights[p.name] = t.data;
  }
  for (const name of Object.keys(tensors))
    if (!(name in weights) && !ir.params.some((p) => p.name === name)) weights[name] = tensors[name]!.data;
  validateWeights(ir, weights);
  return weights;
}

export function serializeWeights(
  ir: IrModel,
  weights: Weights,
  format: "json" | "safetensors-f32" | "safetensors-f64",
): Uint8Array {
  if (format === "json") return new TextEncoder().encode(JSON.stringify(weightsToJson(ir, weights)) + "\n");
  const tensors = namedRecord(ir.params.map((p) => [p.name, { shape: p.shape, data: weights[p.name]! }]));
  return encodeSafetensors(tensors, format === "safetensors-f32" ? "F32" : "F64");
}

/**
 * A control byte among the first eight, which JSON text never has (outside a string only
 * tab, line feed and carriage return; inside one they are escaped): a binary file, read as
 * safetensors. A safetensors file begins with its header length as a little-endian u64, whose
 * high bytes are 0 for any length a header can have; a damaged length is still reported as
 * what it is rather than as bad JSON.
 */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 8).some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
}

export function readSafetensors(bytes: Uint8Array): ReturnType<typeof decodeSafetensors> {
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new DataError(`not a valid safetensors file: ${e.reason}`);
    throw e;
  }
}
