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
import { operands } from "../../ir/ir.js";
import { version } from "../../version.js";
import type { OnnxExtent, OnnxOperand } from "../../ops/export.js";
import { ExportError, onnxOpForm } from "../forms.js";
import {
  aheadSources,
  appliedOp,
  delayedSources,
  previousTargets,
  scoredNode,
  type DelayedSource,
} from "../ir-view.js";
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

/** The opset the graphs are written for (Scan, Softmax on one axis, Unsqueeze with axes as an input). */
export const OPSET = 17;

const BATCH = "batch";

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

/** How a step's leaves and settled quantities are found in the graph computing it. */
interface StepWiring {
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
function emitStep(
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
function fusedLosses(ir: IrModel, loop: TimeLoop): { k: number; own: number }[] {
  const own = loop.part.losses.flatMap((l, i) =>
    Boolean(loop.part.nodes[l.prediction]!.backward) === loop.backward ? [i] : [],
  );
  return loop.losses.flatMap((k, i) => (ir.losses[k]!.fusion ? [{ k, own: own[i]! }] : []));
}

/** A quantity's node in its part. */
function quantityNode(part: IrModel, quantity: string): IrNode {
  return part.nodes[part.quantities.find((q) => q.name === quantity)!.node]!;
}

/** The quantities a loop computes. */
function loopQuantities(loop: TimeLoop): string[] {
  return loop.part.quantities
    .filter((q) => Boolean(loop.part.nodes[q.node]!.backward) === loop.backward)
    .map((q) => q.name);
}

/** The targets a sequence reads as its previous target (`y[t-1]`). */
function previousTargetSpecs(part: IrModel): IrModel["targets"] {
  const read = new Set(previousTargets(part));
  return part.targets.filter((t) => read.has(t.name));
}

/** The dims of a value's rows: one per example, or one per example and step of sequence `over`. */
function rowsDim(over: string | undefined): Dim {
  return over === undefined ? BATCH : `${BATCH}*${over}`;
}

function timeDim(sequence: string | undefined): Dim {
  return sequence === undefined ? "time" : `time:${sequence}`;
}

/** Value infos: a one-hot input's ids are int64, every other value is of the model's precision. */
function inputInfo(input: IrModel["inputs"][number], table: TensorTable, name: string, outer: Dim[]): ValueInfo {
  return input.encoding === "onehot"
    ? { name, type: DataType.INT64, shape: outer }
    : { name, type: table.floatType, shape: [...outer, input.size] };
}

/** A previous target: a class's ids, else real vectors. */
function targetInfo(target: IrModel["targets"][number], table: TensorTable, name: string, outer: Dim[]): ValueInfo {
  return target.kind === "class"
    ? { name, type: DataType.INT64, shape: outer }
    : { name, type: table.floatType, shape: [...outer, target.size] };
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

/** The steps of a sequence as its ops read them, and the number of rows [B * S] of a value over them. */
interface Extent extends OnnxExtent {
  rows: string;
}

/** What the sequences computed so far leave in a graph for those after (engine/interpret/sequences.ts). */
interface Earlier {
  /** States at each example's last real step, [B, n]. */
  last: Map<string, string>;
  /** Quantities at every step, [B * S, n], example by example. */
  steps: Map<string, string>;
  extents: Map<string, Extent>;
}

/** A sequence's extent from its lengths [B] and its number of steps S (int64 [1]). */
function extentOf(g: GraphBuilder, table: TensorTable, lengths: string, steps: string): Extent {
  const s = g.op("Range", [table.int(0), g.op("Squeeze", [steps, g.ints([0])]), table.int(1)]);
  const real = g.op("Less", [g.op("Unsqueeze", [s, g.ints([0])]), g.op("Unsqueeze", [lengths, g.ints([1])])]);
  const b = g.op("Slice", [g.op("Shape", [lengths]), g.ints([0]), g.ints([1])]);
  return { steps, real, rows: g.op("Mul", [b, steps]) };
}

/** The value before the first step of a state (its initial value) or input (zero; one-hot: no id). */
function initialValue(
  ir: IrModel,
  g: GraphBuilder,
  table: TensorTable,
  s: DelayedSource,
  shape: (n?: number) => string,
  earlier: Earlier,
): string {
  if (s.onehot) return g.op("Expand", [table.ints([-1]), shape()]);
  const init = ir.states.find((x) => x.name === s.name)?.init ?? { kind: "zeros" as const };
  if (init.kind === "last") return earlier.last.get(init.source)!;
  const value =
    init.kind === "learned" ? table.param(init.param) : table.scalar(init.kind === "constant" ? init.value : 0);
  return g.op("Expand", [value, shape(s.size)]);
}

/** The graph around the Scans: its builder, tensors, rows of the batch, and what earlier sequences left. */
interface Outer {
  ir: IrModel;
  g: GraphBuilder;
  table: TensorTable;
  shape: (n?: number) => string;
  rows: (param: string) => string;
  earlier: Earlier;
}

function outerGraph(ir: IrModel, loops: readonly TimeLoop[], weights: GraphWeights, dtype: FloatType): Outer {
  const table = new TensorTable(dtype, weights);
  const g = new GraphBuilder(table, "");
  const shape = batchShape(g, lengthsName(loops[0]!.sequence), 0);
  const earlier: Earlier = { last: new Map(), steps: new Map(), extents: new Map() };
  return { ir, g, table, shape, rows: rowsOf(g, table, ir, shape), earlier };
}

/**
 * The Scans of one sequence's loops (backward first), reading its inputs and previous targets
 * as the graph's inputs of the same names and its lengths; each quantity's values at every
 * step are the outer values of its name. Then what the later sequences read of it is kept in
 * `o.earlier`. Returns the state after the last step (of the forward loop) by `nextName`.
 */
function runSequence(o: Outer, loops: readonly TimeLoop[]): Map<string, string> {
  const { g, table } = o;
  const part = loops[0]!.part;
  const lengths = lengthsName(loops[0]!.sequence);
  const series = [...part.inputs.map((i) => i.name), ...previousTargets(part)];
  if (series.length === 0)
    throw new ExportError(
      `${o.ir.name}: an ONNX export takes the number of steps of a sequence from its inputs, and sequence ${loops[0]!.sequence ?? "t"} reads none`,
    );
  const steps = g.op("Slice", [g.op("Shape", [series[0]!]), g.ints([0]), g.ints([1])]);
  const t = g.op("Range", [table.int(0), g.op("Squeeze", [steps, g.ints([0])]), table.int(1)]);
  const live = g.op("Unsqueeze", [g.op("Less", [g.op("Unsqueeze", [t, g.ints([1])]), lengths]), g.ints([2])]);
  let finals = new Map<string, string>();
  for (const loop of loops) finals = scanLoop(o, loop, series, live);
  const sequence = loops[0]!.sequence;
  for (const name of part.readAtLast ?? []) {
    // Each example's value at its last real step: gathered at lengths − 1 along time.
    const at = g.op("Unsqueeze", [g.op("Sub", [lengths, table.int(1)]), g.ints([0, 2])]);
    const size = quantityNode(part, name).size;
    const index = g.op("Expand", [at, g.op("Concat", [g.ints([1]), o.shape(size)], { axis: 0 })]);
    o.earlier.last.set(name, g.op("Squeeze", [g.op("GatherElements", [name, index], { axis: 0 }), g.ints([0])]));
  }
  for (const name of part.readAtEveryStep ?? []) {
    const byExample = g.op("Transpose", [name], { perm: [1, 0, 2] }, stepsName(name));
    o.earlier.steps.set(name, g.op("Reshape", [byExample, g.ints([-1, quantityNode(part, name).size])]));
  }
  if (sequence !== undefined) o.earlier.extents.set(sequence, extentOf(g, table, lengths, steps));
  return finals;
}

/** One loop over a sequence's steps as a Scan (backwards for the backward loop). */
function scanLoop(o: Outer, loop: TimeLoop, series: readonly string[], live: string): Map<string, string> {
  const { ir, g, table, earlier } = o;
  const part = loop.part;
  const carried = loop.backward ? aheadSources(part) : delayedSources(part);
  const own = loopQuantities(loop);
  const held = own.filter((q) => !carried.some((s) => s.name === q));
  // The forward loop reads the backward loop's quantities at the same step, scanned from its outputs.
  const others = loop.backward ? [] : part.quantities.filter((q) => part.nodes[q.node]!.backward).map((q) => q.name);
  const prefix = `${loop.method}:`;
  const body = new GraphBuilder(table, prefix);
  const inBody = (name: string) => `${prefix}${name}`;
  const aheadName = (s: string, k: number) => inBody(`${s}[t+${k}]`);
  const carriedName = (s: string, k: number) => (loop.backward ? aheadName(s, k) : inBody(pastName(s, k)));
  const ahead = loop.backward ? [] : forwardReadsAhead(part);
  const liveRows = new Map<string, string>();
  /** Whether each row is live: [B, 1], or [B * S, 1] for a value over the steps of `over`. */
  const liveOf = (over: string | undefined) => {
    if (over === undefined) return inBody("live");
    if (!liveRows.has(over)) {
      const byStep = body.op("Expand", [
        body.op("Unsqueeze", [inBody("live"), body.ints([1])]),
        body.op("Concat", [body.ints([1]), earlier.extents.get(over)!.steps, body.ints([1])], { axis: 0 }),
      ]);
      liveRows.set(over, body.op("Reshape", [byStep, body.ints([-1, 1])]));
    }
    return liveRows.get(over)!;
  };
  const settled = emitStep(part, loop.backward, {
    g: body,
    input: inBody,
    past: carriedName,
    ahead: aheadName,
    rows: o.rows,
    last: (source) => earlier.last.get(source)!,
    steps: (source) => earlier.steps.get(source)!,
    extent: (axis) => earlier.extents.get(axis)!,
    other: inBody,
    settle: (q, value) => {
      const previous = carried.some((s) => s.name === q) ? carriedName(q, 1) : inBody(`prev:${q}`);
      return body.op("Where", [liveOf(quantityNode(part, q).over), value, previous], undefined, body.fresh(q));
    },
  });
  // The state after this step: what the next reads through delays, and each quantity's value (for sequences that end).
  const stateOut: string[] = [];
  for (const s of carried)
    for (let k = 1; k <= s.depth; k++) {
      const now = k === 1 ? (settled.quantities.get(s.name) ?? inBody(s.name)) : carriedName(s.name, k - 1);
      stateOut.push(body.op("Identity", [now]));
    }
  for (const q of held) stateOut.push(body.op("Identity", [settled.quantities.get(q)!]));
  const fused = fusedLosses(ir, loop);

  const rowInfo = (name: string, q: string): ValueInfo => {
    const n = quantityNode(part, q);
    return { name, type: table.floatType, shape: [rowsDim(n.over), n.size] };
  };
  const pastInfos = carried.flatMap((s) =>
    Array.from({ length: s.depth }, (_, j) => pastInfo(table, s, carriedName(s.name, j + 1))),
  );
  const targets = previousTargetSpecs(part);
  const bodyGraph = body.graph(
    `${ir.name} ${loop.method}`,
    [
      ...pastInfos,
      ...held.map((q) => rowInfo(inBody(`prev:${q}`), q)),
      ...part.inputs.map((i) => inputInfo(i, table, inBody(i.name), [BATCH])),
      ...targets.map((y) => targetInfo(y, table, inBody(y.name), [BATCH])),
      ...others.map((q) => rowInfo(inBody(q), q)),
      ...ahead.map((a) => rowInfo(aheadName(a.source, a.steps), a.source)),
      { name: inBody("live"), type: DataType.BOOL, shape: [BATCH, 1] },
    ],
    [
      ...stateOut.map((name, i) =>
        i < pastInfos.length ? { ...pastInfos[i]!, name } : rowInfo(name, held[i - pastInfos.length]!),
      ),
      ...own.map((q) => rowInfo(settled.quantities.get(q)!, q)),
      ...fused.map(({ own: i }) => ({
        name: settled.scored.get(i)!,
        type: table.floatType,
        shape: [BATCH, part.nodes[scoredNode(part.losses[i]!)]!.size],
      })),
    ],
  );

  const heldInitial = (q: string) => {
    const n = quantityNode(part, q);
    const rows =
      n.over === undefined
        ? o.shape(n.size)
        : g.op("Concat", [earlier.extents.get(n.over)!.rows, g.ints([n.size])], { axis: 0 });
    return g.op("Expand", [table.scalar(0), rows]);
  };
  const initial = [
    ...carried.flatMap((s) => Array.from({ length: s.depth }, () => initialValue(ir, g, table, s, o.shape, earlier))),
    ...held.map(heldInitial),
  ];
  const finals = new Map(
    carried.flatMap((s) =>
      Array.from({ length: s.depth }, (_, j) => [nextName(s.name, j + 1), g.fresh(nextName(s.name, j + 1))] as const),
    ),
  );
  const scanned = [...series, ...others, ...ahead.map((a) => shiftedSeries(o, part, a)), live];
  const outputs = [...own, ...fused.map(({ k }) => scoredName(k))];
  const reversed = (n: number) => Array.from({ length: n }, () => 1);
  g.multi(
    "Scan",
    [...initial, ...scanned],
    [...finals.values(), ...held.map((q) => g.fresh(`last ${q}`)), ...outputs],
    {
      body: bodyGraph,
      num_scan_inputs: scanned.length,
      ...(loop.backward
        ? { scan_input_directions: reversed(scanned.length), scan_output_directions: reversed(outputs.length) }
        : {}),
    },
  );
  return finals;
}

/** The states the forward loop's equations read ahead (`o = h[t+1] * 2`), with how far. */
function forwardReadsAhead(part: IrModel): { source: string; steps: number }[] {
  const reads = new Map<string, { source: string; steps: number }>();
  for (const n of part.nodes)
    if (appliedOp(n) !== undefined && !n.backward)
      for (const id of operands(n)) {
        const m = part.nodes[id]!;
        if (m.op === "delay" && m.ahead) reads.set(`${m.source}[t+${m.steps}]`, { source: m.source, steps: m.steps });
      }
  return [...reads.values()];
}

/**
 * A state of the backward loop k steps later, at every step [T, B, n]: its values from step k
 * on, then its initial value (what it holds past each example's last real step, as in rnnc).
 */
function shiftedSeries(o: Outer, part: IrModel, read: { source: string; steps: number }): string {
  const { g, table } = o;
  const size = quantityNode(part, read.source).size;
  const source = { name: read.source, size, depth: read.steps, onehot: false };
  const initial = g.op("Unsqueeze", [initialValue(o.ir, g, table, source, o.shape, o.earlier), g.ints([0])]);
  const padded = g.op("Concat", [read.source, ...Array.from({ length: read.steps }, () => initial)], { axis: 0 });
  return g.op("Slice", [padded, g.ints([read.steps]), g.ints([Number.MAX_SAFE_INTEGER]), g.ints([0])]);
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
