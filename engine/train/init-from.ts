/**
 * Starting a run from given weights (`rnnc train --init-from`): a safetensors file (what
 * PyTorch's `safetensors.torch.save_file` writes, F32 or F64), the normative JSON weights, or
 * a checkpoint directory (its latest weights, and its vocabulary and labels, so the new data
 * is read with the ids the weights were trained on). Tensors are matched to the model's
 * parameters by name; a matched tensor must have the parameter's shape. Parameters the file
 * does not name keep their initialisers, and tensors the model does not declare are ignored;
 * the report says which are which.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Weights } from "../interpret/batch.js";
import type { DataCodebook } from "../data/load.js";
import { DataError } from "../io/data-error.js";
import { finite, flattenNested, outerShape } from "../io/nested.js";
import { looksBinary, readSafetensors } from "../io/weights-file.js";
import { namedRecord } from "../../runtime/records.js";
import { CHECKPOINT_FILE, readCheckpointMeta } from "./checkpoint.js";

export interface StartingTensor {
  shape: number[];
  /** Read when it is matched (JSON values are checked against the parameter's shape then). */
  values(shape: readonly number[]): Float64Array;
}

export interface StartingWeights {
  /** "checkpoint at step 400", "safetensors", "JSON weights". */
  kind: string;
  tensors: Record<string, StartingTensor>;
  /** A checkpoint's vocabulary and labels. */
  codebook?: DataCodebook;
}

export function readStartingWeights(path: string): StartingWeights {
  if (existsSync(path) && statSync(path).isDirectory()) {
    if (!existsSync(join(path, CHECKPOINT_FILE)))
      throw new DataError(`the directory holds no checkpoint (${CHECKPOINT_FILE} is missing)`);
    const meta = readCheckpointMeta(path);
    const file = fromFile(join(path, meta.files.weights));
    return { ...file, kind: `checkpoint at step ${meta.step}`, codebook: meta.data.codebook };
  }
  return fromFile(path);
}

function fromFile(path: string): StartingWeights {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DataError(`cannot be read: ${(e as Error).message}`);
  }
  if (looksBinary(bytes)) {
    const { tensors } = readSafetensors(bytes);
    return {
      kind: "safetensors",
      tensors: namedRecord(
        Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, values: () => Float64Array.from(t.data) }]),
      ),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new DataError(`is neither safetensors nor JSON weights: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new DataError("JSON weights are an object with one key per parameter");
  return {
    kind: "JSON weights",
    tensors: namedRecord(
      Object.entries(json as Record<string, unknown>).map(([name, value]) => [
        name,
        {
          shape: outerShape(value, 8),
          values: (shape: readonly number[]) => {
            const flat = new Float64Array(shape.reduce((a, b) => a * b, 1));
            flattenNested(value, shape, name, finite, flat);
            return flat;
          },
        },
      ]),
    ),
  };
}

export interface StartingReport {
  loaded: string[];
  /** Parameters the file does not name: left at their initialisers. */
  initialised: string[];
  /** Tensors that are not parameters of the model. */
  ignored: string[];
}

/** Sets the parameters `start` names in `weights`; every matched tensor must have the parameter's shape. */
export function applyStartingWeights(ir: IrModel, weights: Weights, start: StartingWeights): StartingReport {
  const declared = new Set(ir.params.map((p) => p.name));
  const mismatched = ir.params
    .filter((p) => start.tensors[p.name] && !sameShape(start.tensors[p.name]!.shape, p.shape))
    .map(
      (p) =>
        `'${p.name}' is [${start.tensors[p.name]!.shape.join(", ")}] there but [${p.shape.join(", ")}] in the model`,
    );
  if (mismatched.length > 0)
    throw new DataError(`${mismatched.join("; ")} (a --dim different from the one the weights were trained with?)`);
  const report: StartingReport = { loaded: [], initialised: [], ignored: [] };
  for (const p of ir.params) {
    const t = start.tensors[p.name];
    if (!t) {
      report.initialised.push(p.name);
      continue;
    }
    weights[p.name] = t.values(p.shape);
    report.loaded.push(p.name);
  }
  report.ignored = Object.keys(start.tensors).filter((name) => !declared.has(name));
  if (report.loaded.length === 0)
    throw new DataError(
      `none of its ${Object.keys(start.tensors).length} tensors (${report.ignored.slice(0, 5).join(", ")}${report.ignored.length > 5 ? ", …" : ""}) is a parameter of model ${ir.name} (${ir.params.map((p) => p.name).join(", ")})`,
    );
  return report;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * `--freeze`'s names as parameters: a parameter's own name, or a cell's (every parameter
 * `cell.…` it expands to). An unknown name, or freezing everything, is an error.
 */
export function frozenParameters(ir: IrModel, names: readonly string[]): string[] {
  const params = ir.params.map((p) => p.name);
  const frozen = new Set<string>();
  for (const name of names) {
    const matched = params.filter((p) => p === name || p.startsWith(`${name}.`));
    if (matched.length === 0)
      throw new DataError(
        `'${name}' is not a parameter or cell of model ${ir.name} (its parameters: ${params.join(", ")})`,
      );
    matched.forEach((p) => frozen.add(p));
  }
  if (frozen.size === params.length) throw new DataError("it names every parameter, which leaves nothing to train");
  return params.filter((p) => frozen.has(p));
}
