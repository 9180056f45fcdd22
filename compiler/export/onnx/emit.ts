/**
 * `rnnc export --to onnx`: the forward pass as ONNX models with the weights inside.
 *
 * The sequence form runs a batch, time-major as rnnc's data: inputs named as the model's
 * ([T, B] ids of a one-hot input, [T, B, D] values of a dense one; a target the model reads as
 * `y[t-1]` likewise, teacher forcing) and each sequence's lengths [B] (`lengths`; in a model of
 * several sequences `lengths:s` for each); each loop over time (compiler/export/loops.ts) is a
 * Scan (not unrolled, so T and B are free) whose state is what the step reads through delays,
 * backwards for a state read ahead (which the forward one reads at its step, or shifted for
 * `h[t+k]`), in rnnc's order. Outputs are named as the model's
 * quantities [T, B, n] ([T, B * S, n], example by example, for a value over the steps of
 * another sequence). A sequence that has ended keeps its last values, as in rnnc. It also
 * outputs what a loss fused with its activation scores (`scored:K`, the softmax's input) and,
 * in a model of one sequence that runs forwards, the state after the last step (`next:h[t-1]`).
 *
 * The step form computes one step of the last sequence, for streaming and decoding: its inputs
 * at this step ([B], [B, D]) and the state (`h[t-1]`, `y[t-1]`, ... as the step reads it) in;
 * the quantities at this step and the next state (`next:h[t-1]`, ...; not `next:y[t-1]`, the
 * previous target, which the caller chooses) out. It is not written for a last sequence that
 * runs backwards. In a model of several sequences it also reads what the sequences before
 * compute (`last:e` [B, n], `steps:e` [B, S, n] and `lengths:s`), which the encoder form
 * computes from their inputs and lengths, with the state before the last sequence's first step
 * (`next:d[t-1]`, ...). For one sequence the sequence form's `next:` outputs start the step form.
 *
 * Each carries what rnnc needs to use it (compiler/export/onnx/metadata.ts) in its metadata.
 */
import type { IrModel, IrNode } from "../../ir/ir.js";
import { version } from "../../version.js";
import { ExportError } from "../forms.js";
import { delayedSources, previousTargets, scoredNode, type DelayedSource } from "../ir-view.js";
import { timeLoops, type TimeLoop } from "../loops.js";
import type { ExportSource } from "../model-spec.js";
import { GraphBuilder, TensorTable, type FloatType, type GraphWeights } from "./graph.js";
import {
  onnxMetadata,
  pastName,
  nextName,
  scoredName,
  lastName,
  stepsName,
  lengthsName,
  type OnnxForm,
} from "./metadata.js";
import { DataType, encodeModel, type Dim, type ValueInfo } from "./proto.js";
import { outerGraph, runSequence, extentOf, initialValue } from "./scan.js";
import {
  BATCH,
  emitStep,
  fusedLosses,
  quantityNode,
  loopQuantities,
  previousTargetSpecs,
  rowsDim,
  timeDim,
  inputInfo,
  targetInfo,
  pastInfo,
  batchShape,
  rowsOf,
} from "./step.js";

/** The opset the graphs are written for (Scan, Softmax on one axis, Unsqueeze with axes as an input). */
export const OPSET = 17;

export interface OnnxExport {
  sequence: Uint8Array;
  /** The step form of the last sequence; absent when it runs backwards (a state read ahead). */
  step?: Uint8Array;
  /** In a model of several sequences, the encoder form: what the step form reads of the sequences before the last. */
  encoder?: Uint8Array;
}

export function exportOnnx(ir: IrModel, source: ExportSource, weights: GraphWeights, dtype: FloatType): OnnxExport {
  const loops = timeLoops(ir);
  const reserved = new Set(loops.map((l) => lengthsName(l.sequence)));
  const taken = [...ir.inputs, ...ir.targets, ...ir.params, ...ir.quantities].find((x) => reserved.has(x.name));
  if (taken)
    throw new ExportError(
      `the ONNX model takes the sequences' lengths as an input named '${taken.name}', and the model has its own '${taken.name}'; rename it`,
    );
  const model = (form: OnnxForm, graph: ReturnType<GraphBuilder["graph"]>) =>
    encodeModel({
      graph,
      opset: OPSET,
      producer: "rnnc",
      producerVersion: version,
      doc: `${ir.name} from ${source.file}, ${form} form (rnnc export --to onnx)`,
      metadata: onnxMetadata(ir, loops, source, form, dtype),
    });
  const last = loops.at(-1)!;
  const several = loops.some((l) => l.part !== last.part);
  const backward = loops.some((l) => l.part === last.part && l.backward);
  return {
    sequence: model("sequence", sequenceGraph(ir, loops, weights, dtype)),
    ...(backward ? {} : { step: model("step", stepGraph(ir, last, weights, dtype)) }),
    ...(several ? { encoder: model("encoder", encoderGraph(ir, loops, weights, dtype)) } : {}),
  };
}

/** The outputs of the sequence form's quantities and scored values: [T, B, n] of each sequence's. */
function seriesInfos(ir: IrModel, loops: readonly TimeLoop[], table: TensorTable): ValueInfo[] {
  return loops.flatMap((loop) => {
    const time = timeDim(loop.sequence);
    return [
      ...loopQuantities(loop).map((q) => {
        const n = quantityNode(loop.part, q);
        return { name: q, type: table.floatType, shape: [time, rowsDim(n.over), n.size] };
      }),
      ...fusedLosses(ir, loop).map(({ k, own }) => ({
        name: scoredName(k),
        type: table.floatType,
        shape: [time, BATCH, loop.part.nodes[scoredNode(loop.part.losses[own]!)]!.size],
      })),
    ];
  });
}

/** The inputs of the sequences of `loops`: inputs and previous targets [T, B], and lengths [B]. */
function sequenceInputs(loops: readonly TimeLoop[], table: TensorTable): ValueInfo[] {
  return bySequence(loops).flatMap(([loop]) => {
    const outer = [timeDim(loop!.sequence), BATCH];
    return [
      ...loop!.part.inputs.map((i) => inputInfo(i, table, i.name, outer)),
      ...previousTargetSpecs(loop!.part).map((y) => targetInfo(y, table, y.name, outer)),
      { name: lengthsName(loop!.sequence), type: DataType.INT64, shape: [BATCH] },
    ];
  });
}

/** The loops of each sequence, in order. */
function bySequence(loops: readonly TimeLoop[]): TimeLoop[][] {
  const parts = [...new Set(loops.map((l) => l.part))];
  return parts.map((part) => loops.filter((l) => l.part === part));
}

function sequenceGraph(ir: IrModel, loops: readonly TimeLoop[], weights: GraphWeights, dtype: FloatType) {
  const o = outerGraph(ir, loops, weights, dtype);
  let finals = new Map<string, string>();
  for (const own of bySequence(loops)) finals = runSequence(o, own);
  // Only a model of one sequence that runs forwards continues a stream from its state after the last step.
  const continues = loops.length === 1;
  const delayed = delayedSources(loops[0]!.part);
  if (continues) for (const [name, value] of finals) o.g.op("Identity", [value], undefined, name);
  return o.g.graph(
    ir.name,
    sequenceInputs(loops, o.table),
    [
      ...seriesInfos(ir, loops, o.table),
      ...(continues
        ? delayed.flatMap((s) =>
            Array.from({ length: s.depth }, (_, j) => pastInfo(o.table, s, nextName(s.name, j + 1))),
          )
        : []),
    ],
    o.table.tensors,
  );
}

/** What the last sequence reads of those before: states at their last step (`last` leaves) and quantities at every step. */
function readsOfEarlier(part: IrModel): { last: string[]; steps: string[]; axes: string[] } {
  const last = [...new Set(part.nodes.flatMap((n) => (n.op === "last" ? [n.source] : [])))];
  const steps = [...new Set(part.nodes.flatMap((n) => (n.op === "steps" ? [n.source] : [])))];
  const axes = [...new Set(part.nodes.flatMap((n) => (n.op === "apply" && n.axis !== undefined ? [n.axis] : [])))];
  return { last, steps, axes };
}

/** The size of a quantity of the whole model. */
function sizeOf(ir: IrModel, quantity: string): number {
  return ir.nodes[ir.quantities.find((q) => q.name === quantity)!.node]!.size;
}

/** The sequence a quantity of the whole model is computed over. */
function sequenceOf(ir: IrModel, quantity: string): string {
  return ir.nodes[ir.quantities.find((q) => q.name === quantity)!.node]!.sequence!;
}

function encoderGraph(ir: IrModel, loops: readonly TimeLoop[], weights: GraphWeights, dtype: FloatType) {
  const o = outerGraph(ir, loops, weights, dtype);
  const sequences = bySequence(loops);
  const before = sequences.slice(0, -1).flat();
  for (const own of sequences.slice(0, -1)) runSequence(o, own);
  const part = loops.at(-1)!.part;
  const reads = readsOfEarlier(part);
  const delayed = delayedSources(part);
  for (const s of delayed) {
    const value = initialValue(ir, o.g, o.table, s, o.shape, o.earlier);
    for (let k = 1; k <= s.depth; k++) o.g.op("Identity", [value], undefined, nextName(s.name, k));
  }
  for (const name of reads.last) o.g.op("Identity", [o.earlier.last.get(name)!], undefined, lastName(name));
  const floats = (name: string, shape: Dim[]): ValueInfo => ({ name, type: o.table.floatType, shape });
  return o.g.graph(
    `${ir.name} encoder`,
    sequenceInputs(before, o.table),
    [
      ...delayed.flatMap((s) =>
        Array.from({ length: s.depth }, (_, j) => pastInfo(o.table, s, nextName(s.name, j + 1))),
      ),
      ...reads.last.map((name) => floats(lastName(name), [BATCH, sizeOf(ir, name)])),
      ...reads.steps.map((name) => floats(stepsName(name), [BATCH, timeDim(sequenceOf(ir, name)), sizeOf(ir, name)])),
    ],
    o.table.tensors,
  );
}

function stepGraph(ir: IrModel, loop: TimeLoop, weights: GraphWeights, dtype: FloatType) {
  const part = loop.part;
  const table = new TensorTable(dtype, weights);
  const g = new GraphBuilder(table, "");
  const delayed = delayedSources(part);
  const reads = readsOfEarlier(part);
  const targets = new Set(previousTargets(part));
  const batchInput = part.inputs[0]?.name ?? (delayed[0] ? pastName(delayed[0].name, 1) : lastName(reads.last[0]!));
  const shape = batchShape(g, batchInput, 0);
  const steps = new Map(
    reads.steps.map((name) => [name, g.op("Reshape", [stepsName(name), g.ints([-1, sizeOf(ir, name)])])]),
  );
  const extents = new Map(
    reads.axes.map((axis) => {
      const of = reads.steps.find((name) => sequenceOf(ir, name) === axis)!;
      const count = g.op("Slice", [g.op("Shape", [stepsName(of)]), g.ints([1]), g.ints([2])]);
      return [axis, extentOf(g, table, lengthsName(axis), count)];
    }),
  );
  const settled = emitStep(part, false, {
    g,
    input: (name) => name,
    past: pastName,
    ahead: () => {
      throw new Error("internal error: a step form of a sequence that runs backwards");
    },
    rows: rowsOf(g, table, ir, shape),
    last: lastName,
    steps: (name) => steps.get(name)!,
    extent: (axis) => extents.get(axis)!,
    other: () => {
      throw new Error("internal error: a step form of a sequence that runs backwards");
    },
    settle: (q, value) => g.op("Identity", [value], undefined, q),
  });
  const fused = fusedLosses(ir, loop);
  for (const { k, own } of fused) g.op("Identity", [settled.scored.get(own)!], undefined, scoredName(k));
  // The next state, but for the previous target, which the caller gives (the target, or the model's own choice).
  const nexts = (s: DelayedSource) =>
    Array.from({ length: s.depth }, (_, j) => j + 1).filter((k) => !(targets.has(s.name) && k === 1));
  for (const s of delayed)
    for (const k of nexts(s))
      g.op(
        "Identity",
        [k === 1 ? (settled.quantities.get(s.name) ?? s.name) : pastName(s.name, k - 1)],
        undefined,
        nextName(s.name, k),
      );
  const rowInfo = (name: string, n: IrNode): ValueInfo => ({
    name,
    type: table.floatType,
    shape: [rowsDim(n.over), n.size],
  });
  const floats = (name: string, shape: Dim[]): ValueInfo => ({ name, type: table.floatType, shape });
  return g.graph(
    `${ir.name} step`,
    [
      ...part.inputs.map((i) => inputInfo(i, table, i.name, [BATCH])),
      ...delayed.flatMap((s) => Array.from({ length: s.depth }, (_, j) => pastInfo(table, s, pastName(s.name, j + 1)))),
      ...reads.last.map((name) => floats(lastName(name), [BATCH, sizeOf(ir, name)])),
      ...reads.steps.map((name) => floats(stepsName(name), [BATCH, timeDim(sequenceOf(ir, name)), sizeOf(ir, name)])),
      ...reads.axes.map((axis) => ({ name: lengthsName(axis), type: DataType.INT64, shape: [BATCH] })),
    ],
    [
      ...part.quantities.map((q) => rowInfo(q.name, part.nodes[q.node]!)),
      ...fused.map(({ k, own }) => rowInfo(scoredName(k), part.nodes[scoredNode(part.losses[own]!)]!)),
      ...delayed.flatMap((s) => nexts(s).map((k) => pastInfo(table, s, nextName(s.name, k)))),
    ],
    table.tensors,
  );
}
