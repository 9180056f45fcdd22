/**
 * One step of a loop over time as ONNX nodes (each node by its op's ONNX form), wired by the
 * graph around it: a Scan's body or the step form. Also the value infos and rows the graphs
 * share.
 */
import type { IrModel, IrNode } from "../../ir/ir.js";
import { operands } from "../../ir/ir.js";
import type { OnnxExtent, OnnxOperand } from "../../ops/export.js";
import { onnxOpForm } from "../forms.js";
import { appliedOp, previousTargets, scoredNode, type DelayedSource } from "../ir-view.js";
import type { TimeLoop } from "../loops.js";
import { GraphBuilder, TensorTable } from "./graph.js";
import { DataType, type Dim, type ValueInfo } from "./proto.js";
/** The batch's dim in value infos. */
export const BATCH = "batch";

/** How a step's leaves and settled quantities are found in the graph computing it. */
export interface StepWiring {
  g: GraphBuilder;
  input(name: string): string;
  past(source: string, k: number): string;
  /** A state read k steps ahead (the backward loop). */
  ahead(source: string, k: number): string;
  /** A vector parameter as one row per sequence. */
  rows(param: string): string;
  /** A state of a sequence before at its last real step, [B, n]. */
  last(source: string): string;
  /** A quantity of a sequence before at its every step, [B * S, n]. */
  steps(source: string): string;
  /** The steps of sequence `axis`. */
  extent(axis: string): OnnxExtent;
  /** A quantity the other loop over this sequence computes (the backward one's, read by the forward one). */
  other(quantity: string): string;
  /** The value a quantity takes at this step, from the value its equation computes. */
  settle(quantity: string, value: string): string;
}

/**
 * One step of a loop: each node it computes, in order (a leaf when read). Returns the value of
 * each quantity it computes and of what each of its losses scores (by the part's loss index).
 */
export function emitStep(
  part: IrModel,
  backward: boolean,
  w: StepWiring,
): { quantities: Map<string, string>; scored: Map<number, string> } {
  const names: string[] = [];
  const quantityOf = new Map(part.quantities.map((q) => [q.node, q.name]));
  const quantities = new Map<string, string>();
  const value = (id: number): string => {
    if (names[id] === undefined) {
      const n = part.nodes[id]!;
      names[id] = appliedOp(n) === undefined ? leafValue(n, w) : w.other(quantityOf.get(id)!);
    }
    return names[id]!;
  };
  for (const n of part.nodes) {
    // Leaves are made where read; the other loop's values are read as quantities (lowering shares no other).
    if (appliedOp(n) === undefined || Boolean(n.backward) !== backward) continue;
    const args: OnnxOperand[] = operands(n).map((id) => {
      const m = part.nodes[id]!;
      return { name: value(id), size: m.size, onehot: m.onehot, scalar: m.scalar };
    });
    const axis = n.op === "apply" && n.axis !== undefined ? w.extent(n.axis) : undefined;
    let computed = onnxOpForm(appliedOp(n)!)(w.g, args, n.op === "apply" ? n.param : undefined, axis);
    const quantity = quantityOf.get(n.id);
    if (quantity !== undefined) {
      computed = w.settle(quantity, computed);
      quantities.set(quantity, computed);
    }
    names[n.id] = computed;
  }
  const scored = new Map(
    part.losses.flatMap((l, k) =>
      Boolean(part.nodes[l.prediction]!.backward) === backward ? [[k, value(scoredNode(l))] as const] : [],
    ),
  );
  return { quantities, scored };
}

function leafValue(n: IrNode, w: StepWiring): string {
  switch (n.op) {
    case "input":
      return w.input(n.input);
    case "delay":
      return n.ahead ? w.ahead(n.source, n.steps) : w.past(n.source, n.steps);
    case "param":
      return w.rows(n.param);
    case "const":
      return w.g.scalar(n.value);
    case "last":
      return w.last(n.source);
    case "steps":
      return w.steps(n.source);
    // Outside training a dropout's mask is all ones (and dropout's export form, the identity, does not read it).
    case "mask":
      return w.g.scalar(1);
    case "apply":
      throw new Error(`internal error: ${n.op} is not a leaf an exported step reads`);
  }
}

/** The losses of the whole model a loop scores from another value than their prediction (fused), with their index in its part. */
export function fusedLosses(ir: IrModel, loop: TimeLoop): { k: number; own: number }[] {
  const own = loop.part.losses.flatMap((l, i) =>
    Boolean(loop.part.nodes[l.prediction]!.backward) === loop.backward ? [i] : [],
  );
  return loop.losses.flatMap((k, i) => (ir.losses[k]!.fusion ? [{ k, own: own[i]! }] : []));
}

/** A quantity's node in its part. */
export function quantityNode(part: IrModel, quantity: string): IrNode {
  return part.nodes[part.quantities.find((q) => q.name === quantity)!.node]!;
}

/** The quantities a loop computes. */
export function loopQuantities(loop: TimeLoop): string[] {
  return loop.part.quantities
    .filter((q) => Boolean(loop.part.nodes[q.node]!.backward) === loop.backward)
    .map((q) => q.name);
}

/** The targets a sequence reads as its previous target (`y[t-1]`). */
export function previousTargetSpecs(part: IrModel): IrModel["targets"] {
  const read = new Set(previousTargets(part));
  return part.targets.filter((t) => read.has(t.name));
}

/** The dims of a value's rows: one per example, or one per example and step of sequence `over`. */
export function rowsDim(over: string | undefined): Dim {
  return over === undefined ? BATCH : `${BATCH}*${over}`;
}

export function timeDim(sequence: string | undefined): Dim {
  return sequence === undefined ? "time" : `time:${sequence}`;
}

/** Value infos: a one-hot input's ids are int64, every other value is of the model's precision. */
export function inputInfo(input: IrModel["inputs"][number], table: TensorTable, name: string, outer: Dim[]): ValueInfo {
  return input.encoding === "onehot"
    ? { name, type: DataType.INT64, shape: outer }
    : { name, type: table.floatType, shape: [...outer, input.size] };
}

/** A previous target: a class's ids, else real vectors. */
export function targetInfo(
  target: IrModel["targets"][number],
  table: TensorTable,
  name: string,
  outer: Dim[],
): ValueInfo {
  return target.kind === "class"
    ? { name, type: DataType.INT64, shape: outer }
    : { name, type: table.floatType, shape: [...outer, target.size] };
}

export function pastInfo(table: TensorTable, s: DelayedSource, name: string): ValueInfo {
  return s.onehot
    ? { name, type: DataType.INT64, shape: [BATCH] }
    : { name, type: table.floatType, shape: [BATCH, s.size] };
}

/** The batch size as a one-element int64 vector, and `[B, n]` shapes made from it. */
export function batchShape(g: GraphBuilder, of: string, axis: number): (n?: number) => string {
  const shape = g.op("Shape", [of]);
  const b = g.op("Slice", [shape, g.ints([axis]), g.ints([axis + 1])]);
  return (n?: number) => (n === undefined ? b : g.op("Concat", [b, g.ints([n])], { axis: 0 }));
}

/** Vector parameters as rows, each expanded once where first read. */
export function rowsOf(
  g: GraphBuilder,
  table: TensorTable,
  ir: IrModel,
  shape: (n?: number) => string,
): (param: string) => string {
  const made = new Map<string, string>();
  return (param) => {
    if (!made.has(param)) {
      const size = ir.params.find((p) => p.name === param)!.shape[0]!;
      made.set(param, g.op("Expand", [table.param(param), shape(size)]));
    }
    return made.get(param)!;
  };
}
