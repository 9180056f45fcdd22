/**
 * `rnnc export --to onnx`: the forward pass as two ONNX models with the weights inside.
 *
 * The sequence form runs a batch, time-major as rnnc's data: inputs named as the model's
 * ([T, B] ids of a one-hot input, [T, B, D] values of a dense one) and `lengths` [B]; the
 * recurrence is a Scan over the time axis (not unrolled, so T and B are free) whose state is
 * what the step reads through delays; outputs named as the model's quantities [T, B, n]. A
 * sequence that has ended keeps its last values, as in rnnc. It also outputs what a loss
 * fused with its activation scores (`scored:K`, the softmax's input) and the state after the
 * last step (`next:h[t-1]`, ...).
 *
 * The step form computes one step for streaming: the inputs at this step ([B], [B, D]) and
 * the state (`h[t-1]`, `h[t-2]`, ... as the step reads it) in; the quantities at this step
 * and the next state (`next:h[t-1]`, ...) out. The sequence form's `next:` outputs start it.
 *
 * Both carry what rnnc needs to use them (compiler/export/onnx/metadata.ts) in their metadata.
 */
import type { IrModel, IrNode } from "../../ir/ir.js";
import { operands } from "../../ir/ir.js";
import { version } from "../../version.js";
import type { OnnxOperand } from "../../ops/export.js";
import { ExportError, onnxOpForm, requireOnnxForm } from "../forms.js";
import { appliedOp, delayedSources, scoredNode, type DelayedSource } from "../ir-view.js";
import type { ExportSource } from "../model-spec.js";
import { GraphBuilder, TensorTable, type FloatType, type GraphWeights } from "./graph.js";
import { onnxMetadata, pastName, nextName, scoredName, LENGTHS } from "./metadata.js";
import { DataType, encodeModel, type Dim, type ValueInfo } from "./proto.js";

/** The opset the graphs are written for (Scan, Softmax on one axis, Unsqueeze with axes as an input). */
export const OPSET = 17;

const BATCH = "batch";
const TIME = "time";

export interface OnnxExport {
  sequence: Uint8Array;
  step: Uint8Array;
}

export function exportOnnx(ir: IrModel, source: ExportSource, weights: GraphWeights, dtype: FloatType): OnnxExport {
  requireOnnxForm(ir);
  const taken = [...ir.inputs, ...ir.targets, ...ir.params, ...ir.quantities].find((x) => x.name === LENGTHS);
  if (taken)
    throw new ExportError(
      `the ONNX model takes the sequences' lengths as an input named '${LENGTHS}', and the model has its own '${LENGTHS}'; rename it`,
    );
  const model = (form: "sequence" | "step", graph: ReturnType<GraphBuilder["graph"]>) =>
    encodeModel({
      graph,
      opset: OPSET,
      producer: "rnnc",
      producerVersion: version,
      doc: `${ir.name} from ${source.file}, ${form} form (rnnc export --to onnx)`,
      metadata: onnxMetadata(ir, source, form, dtype),
    });
  return {
    sequence: model("sequence", sequenceGraph(ir, weights, dtype)),
    step: model("step", stepGraph(ir, weights, dtype)),
  };
}

/** How a step's leaves and settled quantities are found in the graph computing it. */
interface StepWiring {
  g: GraphBuilder;
  input(name: string): string;
  past(source: string, k: number): string;
  /** A vector parameter as one row per sequence. */
  rows(param: string): string;
  /** The value a quantity takes at this step, from the value its equation computes. */
  settle(quantity: string, value: string): string;
}

/** One step of the model: each node in order. Returns the value of each quantity and of what each loss scores. */
function emitStep(ir: IrModel, w: StepWiring): { quantities: Map<string, string>; scored: string[] } {
  const names: string[] = [];
  const quantityOf = new Map(ir.quantities.map((q) => [q.node, q.name]));
  const quantities = new Map<string, string>();
  for (const n of ir.nodes) {
    // A dropout's mask is no value of an exported model: dropout is exported as the identity, which does not read it.
    if (n.op === "mask") continue;
    let value = leafValue(n, w);
    if (value === undefined) {
      const args: OnnxOperand[] = operands(n).map((id) => {
        const m = ir.nodes[id]!;
        return { name: names[id]!, size: m.size, onehot: m.onehot, scalar: m.scalar };
      });
      value = onnxOpForm(appliedOp(n)!)(w.g, args, n.op === "apply" ? n.param : undefined);
    }
    const quantity = quantityOf.get(n.id);
    if (quantity !== undefined) {
      value = w.settle(quantity, value);
      quantities.set(quantity, value);
    }
    names[n.id] = value;
  }
  return { quantities, scored: ir.losses.map((l) => names[scoredNode(l)]!) };
}

function leafValue(n: IrNode, w: StepWiring): string | undefined {
  switch (n.op) {
    case "input":
      return w.input(n.input);
    case "delay":
      return w.past(n.source, n.steps);
    case "param":
      return w.rows(n.param);
    case "const":
      return w.g.scalar(n.value);
    default:
      return undefined;
  }
}

/** The losses scored from another value than their prediction (fused with its activation), by index. */
function fusedLosses(ir: IrModel): number[] {
  return ir.losses.flatMap((l, k) => (l.fusion ? [k] : []));
}

function sizeOf(ir: IrModel, quantity: string): number {
  return ir.nodes[ir.quantities.find((q) => q.name === quantity)!.node]!.size;
}

/** Value infos: a one-hot input's ids are int64, every other value is of the model's precision. */
function inputInfo(input: IrModel["inputs"][number], table: TensorTable, name: string, outer: Dim[]): ValueInfo {
  return input.encoding === "onehot"
    ? { name, type: DataType.INT64, shape: outer }
    : { name, type: table.floatType, shape: [...outer, input.size] };
}

function pastInfo(table: TensorTable, s: DelayedSource, name: string): ValueInfo {
  return s.onehot
    ? { name, type: DataType.INT64, shape: [BATCH] }
    : { name, type: table.floatType, shape: [BATCH, s.size] };
}

/** The batch size as a one-element int64 vector, and `[B, n]` shapes made from it. */
function batchShape(g: GraphBuilder, of: string, axis: number): (n?: number) => string {
  const shape = g.op("Shape", [of]);
  const b = g.op("Slice", [shape, g.ints([axis]), g.ints([axis + 1])]);
  return (n?: number) => (n === undefined ? b : g.op("Concat", [b, g.ints([n])], { axis: 0 }));
}

/** Vector parameters as rows, each expanded once where first read. */
function rowsOf(
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

/** The value before the first step of a state (its initial value) or input (zero; one-hot: no id). */
function initialValue(
  ir: IrModel,
  g: GraphBuilder,
  table: TensorTable,
  s: DelayedSource,
  shape: (n?: number) => string,
): string {
  if (s.onehot) return g.op("Expand", [table.ints([-1]), shape()]);
  const init = ir.states.find((x) => x.name === s.name)?.init ?? { kind: "zeros" as const };
  const value =
    init.kind === "learned" ? table.param(init.param) : table.scalar(init.kind === "constant" ? init.value : 0);
  return g.op("Expand", [value, shape(s.size)]);
}

function sequenceGraph(ir: IrModel, weights: GraphWeights, dtype: FloatType) {
  const table = new TensorTable(dtype, weights);
  const g = new GraphBuilder(table, "");
  const first = ir.inputs[0]!.name;
  const shape = batchShape(g, LENGTHS, 0);
  const steps = g.op("Squeeze", [g.op("Slice", [g.op("Shape", [first]), g.ints([0]), g.ints([1])]), g.ints([0])]);
  const t = g.op("Range", [table.int(0), steps, table.int(1)]);
  const live = g.op("Unsqueeze", [g.op("Less", [g.op("Unsqueeze", [t, g.ints([1])]), LENGTHS]), g.ints([2])]);
  const rows = rowsOf(g, table, ir, shape);

  const delayed = delayedSources(ir);
  const heldQuantities = ir.quantities.map((q) => q.name).filter((q) => !delayed.some((s) => s.name === q));
  const body = new GraphBuilder(table, "t:");
  const bodyPast = (s: string, k: number) => `t:${pastName(s, k)}`;
  const settled = emitStep(ir, {
    g: body,
    input: (name) => `t:${name}`,
    past: bodyPast,
    rows,
    settle: (q, value) => {
      const previous = delayed.some((s) => s.name === q) ? bodyPast(q, 1) : `t:prev:${q}`;
      return body.op("Where", ["t:live", value, previous], undefined, body.fresh(q));
    },
  });
  // The state after this step: what the next reads through delays, and each quantity's value (for sequences that end).
  const stateOut: string[] = [];
  for (const s of delayed)
    for (let k = 1; k <= s.depth; k++) {
      const now = k === 1 ? (settled.quantities.get(s.name) ?? `t:${s.name}`) : bodyPast(s.name, k - 1);
      stateOut.push(body.op("Identity", [now]));
    }
  for (const q of heldQuantities) stateOut.push(body.op("Identity", [settled.quantities.get(q)!]));
  const fused = fusedLosses(ir);

  const rowInfo = (name: string, n: number): ValueInfo => ({ name, type: table.floatType, shape: [BATCH, n] });
  const pastInfos = delayed.flatMap((s) =>
    Array.from({ length: s.depth }, (_, j) => pastInfo(table, s, bodyPast(s.name, j + 1))),
  );
  const bodyGraph = body.graph(
    `${ir.name} step`,
    [
      ...pastInfos,
      ...heldQuantities.map((q) => rowInfo(`t:prev:${q}`, sizeOf(ir, q))),
      ...ir.inputs.map((i) => inputInfo(i, table, `t:${i.name}`, [BATCH])),
      { name: "t:live", type: DataType.BOOL, shape: [BATCH, 1] },
    ],
    [
      ...stateOut.map((name, i) =>
        i < pastInfos.length
          ? { ...pastInfos[i]!, name }
          : rowInfo(name, sizeOf(ir, heldQuantities[i - pastInfos.length]!)),
      ),
      ...ir.quantities.map((q) => rowInfo(settled.quantities.get(q.name)!, sizeOf(ir, q.name))),
      ...fused.map((k) => rowInfo(settled.scored[k]!, ir.nodes[scoredNode(ir.losses[k]!)]!.size)),
    ],
  );

  const initial = [
    ...delayed.flatMap((s) => Array.from({ length: s.depth }, () => initialValue(ir, g, table, s, shape))),
    ...heldQuantities.map((q) => g.op("Expand", [table.scalar(0), shape(sizeOf(ir, q))])),
  ];
  const finalNames = [
    ...delayed.flatMap((s) => Array.from({ length: s.depth }, (_, j) => nextName(s.name, j + 1))),
    ...heldQuantities.map((q) => g.fresh(`last ${q}`)),
  ];
  g.multi(
    "Scan",
    [...initial, ...ir.inputs.map((i) => i.name), live],
    [...finalNames, ...ir.quantities.map((q) => q.name), ...fused.map((k) => scoredName(k))],
    { body: bodyGraph, num_scan_inputs: ir.inputs.length + 1 },
  );
  const seqInfo = (name: string, n: number): ValueInfo => ({ name, type: table.floatType, shape: [TIME, BATCH, n] });
  return g.graph(
    ir.name,
    [
      ...ir.inputs.map((i) => inputInfo(i, table, i.name, [TIME, BATCH])),
      { name: LENGTHS, type: DataType.INT64, shape: [BATCH] },
    ],
    [
      ...ir.quantities.map((q) => seqInfo(q.name, sizeOf(ir, q.name))),
      ...fused.map((k) => seqInfo(scoredName(k), ir.nodes[scoredNode(ir.losses[k]!)]!.size)),
      ...delayed.flatMap((s) => Array.from({ length: s.depth }, (_, j) => pastInfo(table, s, nextName(s.name, j + 1)))),
    ],
    table.tensors,
  );
}

function stepGraph(ir: IrModel, weights: GraphWeights, dtype: FloatType) {
  const table = new TensorTable(dtype, weights);
  const g = new GraphBuilder(table, "");
  const shape = batchShape(g, ir.inputs[0]!.name, 0);
  const rows = rowsOf(g, table, ir, shape);
  const delayed = delayedSources(ir);
  const settled = emitStep(ir, {
    g,
    input: (name) => name,
    past: pastName,
    rows,
    settle: (q, value) => g.op("Identity", [value], undefined, q),
  });
  const fused = fusedLosses(ir);
  for (const k of fused) g.op("Identity", [settled.scored[k]!], undefined, scoredName(k));
  for (const s of delayed)
    for (let k = 1; k <= s.depth; k++)
      g.op(
        "Identity",
        [k === 1 ? (settled.quantities.get(s.name) ?? s.name) : pastName(s.name, k - 1)],
        undefined,
        nextName(s.name, k),
      );
  const rowInfo = (name: string, n: number): ValueInfo => ({ name, type: table.floatType, shape: [BATCH, n] });
  const pasts = (name: (s: string, k: number) => string) =>
    delayed.flatMap((s) => Array.from({ length: s.depth }, (_, j) => pastInfo(table, s, name(s.name, j + 1))));
  return g.graph(
    `${ir.name} step`,
    [...ir.inputs.map((i) => inputInfo(i, table, i.name, [BATCH])), ...pasts(pastName)],
    [
      ...ir.quantities.map((q) => rowInfo(q.name, sizeOf(ir, q.name))),
      ...fused.map((k) => rowInfo(scoredName(k), ir.nodes[scoredNode(ir.losses[k]!)]!.size)),
      ...pasts(nextName),
    ],
    table.tensors,
  );
}
