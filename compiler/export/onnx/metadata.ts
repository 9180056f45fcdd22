/**
 * The names an exported ONNX model gives what is not one of the model's own names, and the
 * metadata rnnc reads back to run it (`--backend onnxruntime`, `rnnc translate`): which
 * sequences, inputs, quantities and losses it has, what each loss scores, and what the state
 * holds.
 */
import type { IrModel } from "../../ir/ir.js";
import { defaultOutputs } from "../../ir/outputs.js";
import { delayedSources, previousTargets, type DelayedSource } from "../ir-view.js";
import type { TimeLoop } from "../loops.js";
import type { ExportSource } from "../model-spec.js";
import type { FloatType } from "./graph.js";

/** The sequence form's input of each sequence's lengths in a model of one sequence. */
export const LENGTHS = "lengths";
/** The input of a sequence's lengths: `lengths`, or in a model of several `lengths:s` for sequence s. */
export const lengthsName = (sequence: string | undefined) =>
  sequence === undefined ? LENGTHS : `${LENGTHS}:${sequence}`;
/** A state of an earlier sequence at each example's last real step (`e[last]`), [B, n]. */
export const lastName = (source: string) => `last:${source}`;
/** A quantity of an earlier sequence at its every step (attention's `e[s]`), [B, S, n]. */
export const stepsName = (source: string) => `steps:${source}`;

/** The forms of an exported model: the whole batch; one step of the last sequence; the sequences before it. */
export type OnnxForm = "sequence" | "step" | "encoder";

/** The state a step reads: `h[t-1]`, `x[t-2]`. */
export const pastName = (source: string, k: number) => `${source}[t-${k}]`;
/** What the next step reads as `pastName(source, k)`. */
export const nextName = (source: string, k: number) => `next:${pastName(source, k)}`;
/** What loss k scores when it is fused with the activation of its prediction (that activation's input). */
export const scoredName = (k: number) => `scored:${k}`;

/** The metadata key holding {@link OnnxModelInfo} as JSON. */
export const METADATA_KEY = "rnnc";

export interface OnnxModelInfo {
  form: OnnxForm;
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
  /** What the step form reads through delays: the last sequence's states and inputs (and previous targets). */
  delayed: DelayedSource[];
  /** The sequences in the order they are computed (one, unnamed, in a model of one): their inputs, previous targets and lengths' input. */
  sequences: { name: string | null; inputs: string[]; previousTargets: string[]; lengths: string; backward: boolean }[];
}

export function modelInfo(
  ir: IrModel,
  loops: readonly TimeLoop[],
  source: ExportSource,
  form: OnnxForm,
  dtype: FloatType,
): OnnxModelInfo {
  const parts = loops.filter((l) => !l.backward);
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
    delayed: delayedSources(parts.at(-1)!.part),
    sequences: parts.map((l) => ({
      name: l.sequence ?? null,
      inputs: l.part.inputs.map((i) => i.name),
      previousTargets: previousTargets(l.part),
      lengths: lengthsName(l.sequence),
      backward: loops.some((m) => m.part === l.part && m.backward),
    })),
  };
}

export function onnxMetadata(
  ir: IrModel,
  loops: readonly TimeLoop[],
  source: ExportSource,
  form: OnnxForm,
  dtype: FloatType,
): Record<string, string> {
  return { [METADATA_KEY]: JSON.stringify(modelInfo(ir, loops, source, form, dtype)), "rnnc.source": source.text };
}
