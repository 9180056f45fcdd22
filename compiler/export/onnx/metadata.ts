/**
 * The names an exported ONNX model gives what is not one of the model's own names, and the
 * metadata rnnc reads back to run it (`--backend onnxruntime`): which inputs, quantities and
 * losses it has, what each loss scores, and what the state holds.
 */
import type { IrModel } from "../../ir/ir.js";
import { defaultOutputs } from "../../ir/outputs.js";
import { delayedSources, type DelayedSource } from "../ir-view.js";
import type { ExportSource } from "../model-spec.js";
import type { FloatType } from "./graph.js";

/** The sequence form's input of each sequence's length. */
export const LENGTHS = "lengths";

/** The state a step reads: `h[t-1]`, `x[t-2]`. */
export const pastName = (source: string, k: number) => `${source}[t-${k}]`;
/** What the next step reads as `pastName(source, k)`. */
export const nextName = (source: string, k: number) => `next:${pastName(source, k)}`;
/** What loss k scores when it is fused with the activation of its prediction (that activation's input). */
export const scoredName = (k: number) => `scored:${k}`;

/** The metadata key holding {@link OnnxModelInfo} as JSON. */
export const METADATA_KEY = "rnnc";

export interface OnnxModelInfo {
  form: "sequence" | "step";
  dtype: FloatType;
  name: string;
  file: string;
  sha256: string;
  dims: Record<string, number>;
  inputs: IrModel["inputs"];
  targets: IrModel["targets"];
  quantities: { name: string; size: number }[];
  outputs: string[];
  losses: {
    fn: string;
    prediction: string;
    target: string;
    at: "last" | "each";
    reduce: "mean" | "sum";
    /** The output a fused loss is computed from (`scored:K`), or null: from its prediction. */
    scored: string | null;
    /** The activation it is fused with. */
    fusedWith: string | null;
  }[];
  delayed: DelayedSource[];
}

export function modelInfo(
  ir: IrModel,
  source: ExportSource,
  form: "sequence" | "step",
  dtype: FloatType,
): OnnxModelInfo {
  return {
    form,
    dtype,
    name: ir.name,
    file: source.file,
    sha256: source.sha256,
    dims: ir.dims,
    inputs: ir.inputs,
    targets: ir.targets,
    quantities: ir.quantities.map((q) => ({ name: q.name, size: ir.nodes[q.node]!.size })),
    outputs: defaultOutputs(ir),
    losses: ir.losses.map((l, k) => ({
      fn: l.fn,
      prediction: ir.quantities.find((q) => q.node === l.prediction)!.name,
      target: l.target,
      at: l.at,
      reduce: l.reduce,
      scored: l.fusion ? scoredName(k) : null,
      fusedWith: l.fusion?.kind ?? null,
    })),
    delayed: delayedSources(ir),
  };
}

export function onnxMetadata(
  ir: IrModel,
  source: ExportSource,
  form: "sequence" | "step",
  dtype: FloatType,
): Record<string, string> {
  return { [METADATA_KEY]: JSON.stringify(modelInfo(ir, source, form, dtype)), "rnnc.source": source.text };
}
