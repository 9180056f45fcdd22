/**
 * Weights files by format: the normative JSON, or safetensors (F32/F64, as PyTorch writes
 * them). The format is told by the file's first bytes, not its name.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Weights } from "../interpret/batch.js";
import { DataError } from "./data-error.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/io/safetensors.js";
import { validateWeights, weightsFromJson, weightsToJson } from "./weights-json.js";
import { namedRecord } from "../../runtime/records.js";

export function parseWeights(ir: IrModel, bytes: Uint8Array): Weights {
  if (!looksLikeSafetensors(bytes)) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new DataError(`not valid JSON: ${(e as Error).message}`);
    }
    return weightsFromJson(ir, json);
  }
  const { tensors } = decodeSafetensors(bytes);
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

/** An 8-byte little-endian header length that fits the file, then the JSON header's '{'. Text JSON never passes: its bytes 1–7 make an enormous length. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  return headerLength + 8n <= BigInt(bytes.length) && bytes[8] === 0x7b;
}
