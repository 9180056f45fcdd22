/**
 * The sequences of a model as Scans in one graph (the sequence and encoder forms): each loop
 * over time a Scan in rnnc's order (compiler/export/loops.ts), backwards for the backward loop,
 * and what each sequence leaves for those after it (states at their last real step, quantities
 * at every step, the extent attention's ops run over), as engine/interpret/sequences.ts does.
 */
import type { IrModel } from "../../ir/ir.js";
import { operands } from "../../ir/ir.js";
import type { OnnxExtent } from "../../ops/export.js";
import { ExportError } from "../forms.js";
import {
  aheadSources,
  appliedOp,
  delayedSources,
  previousTargets,
  scoredNode,
  type DelayedSource,
} from "../ir-view.js";
import type { TimeLoop } from "../loops.js";
import { GraphBuilder, TensorTable, type FloatType, type GraphWeights } from "./graph.js";
import { pastName, nextName, scoredName, stepsName, lengthsName } from "./metadata.js";
import { DataType, type ValueInfo } from "./proto.js";
import {
  BATCH,
  emitStep,
  fusedLosses,
  quantityNode,
  loopQuantities,
  previousTargetSpecs,
  rowsDim,
  inputInfo,
  targetInfo,
  pastInfo,
  batchShape,
  rowsOf,
} from "./step.js";

/** The steps of a sequence as its ops read them, and the number of rows [B * S] of a value over them. */
export interface Extent extends OnnxExtent {
  rows: string;
}

/** What the sequences computed so far leave in a graph for those after (engine/interpret/sequences.ts). */
export interface Earlier {
  /** States at each example's last real step, [B, n]. */
  last: Map<string, string>;
  /** Quantities at every step, [B * S, n], example by example. */
  steps: Map<string, string>;
  extents: Map<string, Extent>;
}

/** A sequence's extent from its lengths [B] and its number of steps S (int64 [1]). */
export function extentOf(g: GraphBuilder, table: TensorTable, lengths: string, steps: string): Extent {
  const s = g.op("Range", [table.int(0), g.op("Squeeze", [steps, g.ints([0])]), table.int(1)]);
  const real = g.op("Less", [g.op("Unsqueeze", [s, g.ints([0])]), g.op("Unsqueeze", [lengths, g.ints([1])])]);
  const b = g.op("Slice", [g.op("Shape", [lengths]), g.ints([0]), g.ints([1])]);
  return { steps, real, rows: g.op("Mul", [b, steps]) };
}

/** The value before the first step of a state (its initial value) or input (zero; one-hot: no id). */
export function initialValue(
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
export interface Outer {
  ir: IrModel;
  g: GraphBuilder;
  table: TensorTable;
  shape: (n?: number) => string;
  rows: (param: string) => string;
  earlier: Earlier;
}

export function outerGraph(ir: IrModel, loops: readonly TimeLoop[], weights: GraphWeights, dtype: FloatType): Outer {
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
export function runSequence(o: Outer, loops: readonly TimeLoop[]): Map<string, string> {
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
