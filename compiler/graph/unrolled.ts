/**
 * The unrolled graph: T copies of the step, one cluster per step (`t = 1` … `t = T`), the
 * delay edges running from the copy at step t − k to the copy at step t, and the values
 * before the first step (a state's initial value, a delayed input's zero) as their own
 * nodes feeding the first steps; a read ahead (`h[t+1]`) runs from the copy at step t + k, or
 * from the value after the last step (the state's initial value) drawn right of it. It is the acyclic graph that BPTT differentiates, drawn at
 * the level of quantities; it is built from `unroll(ir, T)` itself, so it shows exactly the
 * edges the interpreter follows.
 */
import { operands, type IrModel, type NodeId } from "../ir/ir.js";
import { sequenceModels } from "../ir/sequences.js";
import { unroll } from "../unroll/unroll.js";
import { legend, predictionName } from "./folded.js";
import {
  delayText,
  indexedText,
  initialText,
  quantityDeps,
  sizeText,
  type Drawing,
  type GraphEdge,
  type GraphNode,
} from "./graph.js";
import { plural } from "../plural.js";

/** The most steps `rnnc graph --unroll` draws: beyond this no picture is readable and layout gets slow. */
export const MAX_UNROLL = 200;

export function unrolledGraph(ir: IrModel, T: number): Drawing {
  if (!Number.isInteger(T) || T < 1 || T > MAX_UNROLL)
    throw new Error(`cannot draw ${T} unrolled steps: T must be an integer from 1 to ${MAX_UNROLL}`);
  if (!ir.sequences) {
    const { drawing } = unrolledSequence(ir, T, "", "t");
    return { ...drawing, title: `model ${ir.name} unrolled over ${T} ${plural(T, "step")}` };
  }
  return unrolledSequences(ir, T);
}

/**
 * A model of several sequences: each drawn over T steps of its own, in the order they are computed (the encoder's
 * steps, then the decoder's), and the handover at [last]: an edge from a state at its sequence's last step to the
 * initial value it starts a later sequence from (`init = e[last]`), and to the value `e[last]` the later one reads.
 */
function unrolledSequences(ir: IrModel, T: number): Drawing {
  const parts = sequenceModels(ir).map(({ sequence, ir: part }, k) => ({
    sequence,
    ...unrolledSequence(part, T, `p${k}_`, sequence),
  }));
  const atStep = (source: string, s: number) => {
    const owner = parts.find((p) => p.drawing.nodes.some((n) => n.kind === "quantity" && n.name === source));
    return owner!.quantityId(source, s);
  };
  const nodes = parts.flatMap((p) => p.drawing.nodes);
  const edges = parts.flatMap((p) => p.drawing.edges);
  const handover = { kind: "delay" as const, label: "[last]" };
  for (const p of parts) {
    for (const n of p.drawing.nodes)
      if (n.kind === "initial" && n.steps! > 0 && p.startsFrom(n.name!) !== undefined)
        edges.push({ from: atStep(p.startsFrom(n.name!)!, T - 1), to: n.id, ...handover });
    for (const { source, at, id } of p.otherReads) {
      if (at === "last") edges.push({ from: atStep(source, T - 1), to: id, ...handover });
      // Attention reads the other sequence's quantity at every one of its steps.
      else
        for (let s = 0; s < T; s++) edges.push({ from: atStep(source, s), to: id, kind: "delay", constraint: false });
    }
  }
  return {
    kind: "unrolled",
    title: `model ${ir.name} unrolled over ${T} ${plural(T, "step")} of each of sequences ${ir.sequences!.join(", ")}`,
    subtitle: legend([
      "one box per time step of each sequence, the sequences in the order they are computed",
      "[last]: a state at its sequence's last step, read by a later sequence",
      parts.some((p) => p.otherReads.some((r) => r.at === "every"))
        ? "e[s], every s: a quantity at every step of its sequence, read by attention"
        : "",
      // The sequences' own legends, each said once.
      [...new Set(parts.flatMap((p) => p.drawing.subtitle))].join(" · "),
    ]),
    nodes,
    edges,
    clusters: parts.flatMap((p) => p.drawing.clusters),
    sameRank: parts.flatMap((p) => p.drawing.sameRank),
    leftToRight: parts.flatMap((p) => p.drawing.leftToRight),
  };
}

/**
 * One sequence over T steps, its ids prefixed with `prefix` and its steps named by its step variable. Returns the
 * drawing, where each quantity is at each step, which state starts from another sequence's at its last step, and the
 * nodes that stand for `e[last]` reads (by e), which a model of several sequences connects.
 */
function unrolledSequence(ir: IrModel, T: number, prefix: string, variable: string) {
  const graph = unroll(ir, T);
  const quantities = quantityDeps(ir);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const clusters = Array.from({ length: T }, (_, s) => ({
    id: `${prefix}step${s}`,
    label: `${variable} = ${s + 1}`,
    step: s,
  }));

  const inputIndex = new Map(ir.inputs.map((x, i) => [x.name, i]));
  const quantityIndex = new Map(quantities.map((q, i) => [q.name, i]));
  const inputId = (name: string, s: number) => `${prefix}input${inputIndex.get(name)}_s${s}`;
  const quantityId = (name: string, s: number) => `${prefix}q${quantityIndex.get(name)}_s${s}`;
  /** The drawn node of a delayed source at a step: the quantity of that name, the target (`y[t-1]`), or the input. */
  const targetIndex = new Map(ir.targets.map((x, i) => [x.name, i]));
  const sourceId = (name: string, s: number) =>
    quantityIndex.has(name)
      ? quantityId(name, s)
      : targetIndex.has(name)
        ? targetId(prefix, targetIndex.get(name)!, s)
        : inputId(name, s);

  const initialIds = new Map<string, string>();
  /** The value of a source `back` steps before the first step, or (negative) −back steps after the last. */
  const initialId = (source: string, back: number): string => {
    const key = `${source}\u0000${back}`;
    let id = initialIds.get(key);
    if (id === undefined) {
      id = `${prefix}init${initialIds.size}`;
      initialIds.set(key, id);
      const value = initialText(ir, source);
      const after = back < 0;
      const title = after ? `${source}[T+${-back}]` : indexedText(source, 1 - back);
      nodes.push({
        id,
        kind: "initial",
        name: source,
        steps: back,
        title,
        lines: [],
        note: `= ${value}`,
        tooltip: `${title}: the value of ${source} ${after ? "after the last step" : "before the first step"} (${value})`,
      });
    }
    return id;
  };

  for (let s = 0; s < T; s++) {
    const cluster = `${prefix}step${s}`;
    ir.inputs.forEach((x) => {
      nodes.push({
        id: inputId(x.name, s),
        kind: "input",
        name: x.name,
        step: s,
        cluster,
        title: x.name,
        lines: [],
        note: sizeText(x.size, x.encoding === "onehot"),
      });
    });
    for (const q of quantities) {
      const tags = [q.gate ? "gate" : "", sizeText(q.node.size)].filter(Boolean).join(" · ");
      nodes.push({
        id: quantityId(q.name, s),
        kind: "quantity",
        name: q.name,
        step: s,
        cluster,
        gate: q.gate,
        state: q.state,
        title: q.name,
        lines: [],
        note: tags,
        tooltip: q.tooltip,
      });
    }
  }

  // Edges: for each quantity at each step, what it reads. A delayed read follows the unrolled
  // graph to the step it comes from (or to the value before the first step); when several
  // equations of a step read it, one edge enters the step at a small purple point that
  // hands it on, instead of one long edge per reader.
  const carryRanks: string[][] = [];
  const sources = [
    ...new Set(quantities.flatMap((q) => q.deps.flatMap((d) => (d.kind === "delay" ? [d.source] : [])))),
  ];
  for (let s = 0; s < T; s++) {
    const readers = new Map<string, { source: string; steps: number; ahead: boolean; to: string[] }>();
    for (const q of quantities) {
      const to = quantityId(q.name, s);
      for (const d of q.deps) {
        if (d.kind === "quantity") edges.push({ from: quantityId(d.name, s), to, kind: "data" });
        else if (d.kind === "input") edges.push({ from: inputId(d.name, s), to, kind: "data" });
        else if (d.kind === "delay") {
          const key = `${d.source}\u0000${d.ahead ? -d.steps : d.steps}`;
          const entry = readers.get(key) ?? { source: d.source, steps: d.steps, ahead: d.ahead, to: [] };
          entry.to.push(to);
          readers.set(key, entry);
        }
      }
    }
    for (const { source, steps, ahead, to } of readers.values()) {
      const delayNode = ir.nodes.find(
        (n) => n.op === "delay" && n.source === source && n.steps === steps && (n.ahead === true) === ahead,
      );
      if (!delayNode) throw new Error(`internal error: no delay node for ${delayText(source, steps, ahead)}`);
      const from = graph.nodes[graph.at(s, delayNode.id)]!.delayFrom;
      if (!from) throw new Error(`internal error: the unrolled delay of ${source} has no source`);
      const origin =
        from.kind === "before"
          ? initialId(from.source, from.back)
          : from.kind === "after"
            ? initialId(from.source, -from.ahead)
            : sourceId(source, graph.nodes[from.id]!.step);
      const label = steps > 1 ? { label: ahead ? `t+${steps}` : `t\u2212${steps}` } : {};
      // An edge from a state must not rank (else each step would sit higher than the one
      // before); one from an input may, inputs being at the bottom anyway, and routes better.
      const rank = quantityIndex.has(source) ? { constraint: false } : {};
      if (to.length === 1) {
        edges.push({ from: origin, to: to[0]!, kind: "delay", ...rank, ...label });
        continue;
      }
      const carry = `${prefix}carry${sources.indexOf(source)}_${ahead ? "a" : ""}${steps}_s${s}`;
      nodes.push({
        id: carry,
        kind: "carry",
        name: source,
        steps,
        step: s,
        cluster: `${prefix}step${s}`,
        title: "",
        lines: [],
        tooltip: `${delayText(source, steps, ahead)} at t = ${s + 1}`,
      });
      edges.push({ from: origin, to: carry, kind: "delay", ...label });
      for (const reader of to) edges.push({ from: carry, to: reader, kind: "delay", constraint: false });
      // Level with where the value comes from, so it crosses to this step in a straight line.
      carryRanks.push([carry, origin]);
    }
  }

  const otherReads = addOtherSequenceReads(ir, quantities, T, prefix, quantityId, nodes, edges);
  addUnrolledLosses(ir, quantities, T, { prefix, variable }, quantityId, nodes, edges);

  // Layout: the steps side by side, left to right, at the same heights. Delay edges do not
  // rank (above); each step's first node is kept in time order; initial values sit level
  // with what they stand for.
  const first = (s: number) =>
    ir.inputs.length > 0
      ? inputId(ir.inputs[0]!.name, s)
      : quantities.length > 0
        ? quantityId(quantities[0]!.name, s)
        : undefined;
  const leftToRight: string[] = Array.from({ length: T }, (_, s) => first(s)).filter(
    (id): id is string => id !== undefined,
  );
  const sameRank: string[][] = [...carryRanks];
  const initials = nodes.filter((n) => n.kind === "initial");
  const before = initials.filter((n) => n.steps! > 0);
  const after = initials.filter((n) => n.steps! < 0);
  for (const n of before) sameRank.push([n.id, sourceId(n.name!, 0)]);
  for (const n of after) sameRank.push([n.id, sourceId(n.name!, T - 1)]);
  // The values before the first step go left of it, the earliest (h[−1]) first; those after the last right of it.
  before.sort((a, b) => b.steps! - a.steps!);
  after.sort((a, b) => b.steps! - a.steps!);
  leftToRight.unshift(...before.map((n) => n.id), ...otherReads.map((r) => r.id));
  leftToRight.push(...after.map((n) => n.id));

  const drawing: Drawing = {
    kind: "unrolled",
    title: "",
    subtitle: legend([
      sources.length > 0 ? "one box per time step · purple: a value sent to a later step" : "one box per time step",
      before.length > 0 ? "dashed: the values before the first step" : "",
      after.length > 0 ? "dashed, right: the values after the last step (read ahead)" : "",
      quantities.some((q) => q.gate) ? "yellow: gates" : "",
    ]),
    nodes,
    edges,
    clusters,
    sameRank,
    leftToRight,
  };
  const startsFrom = (state: string) => {
    const init = ir.states.find((x) => x.name === state)?.init;
    return init?.kind === "last" ? init.source : undefined;
  };
  return { drawing, quantityId, startsFrom, otherReads };
}

/** What a sequence reads of another: a state at its last step (`e[last]`), or a quantity at its every step (`e[s]`). */
interface OtherSequenceRead {
  source: string;
  at: "last" | "every";
  /** The node that stands for it, before the first step. */
  id: string;
}

/**
 * The values of other sequences a sequence reads (`e[last]`, and attention's `e[s]`): one node for each, before the
 * first step, with an edge to each quantity reading it at each step.
 */
function addOtherSequenceReads(
  ir: IrModel,
  quantities: ReturnType<typeof quantityDeps>,
  T: number,
  prefix: string,
  quantityId: (name: string, s: number) => string,
  nodes: GraphNode[],
  edges: GraphEdge[],
): OtherSequenceRead[] {
  const reads: OtherSequenceRead[] = [];
  for (const q of quantities) {
    for (const { source, at } of otherSequenceReadsOf(ir, q.node.id)) {
      let read = reads.find((r) => r.source === source && r.at === at);
      if (read === undefined) {
        read = { source, at, id: `${prefix}${at}${reads.length}` };
        reads.push(read);
        const sequence = ir.nodes.find((n) => n.op === "steps" && n.source === source)?.over ?? "s";
        nodes.push({
          id: read.id,
          kind: "initial",
          name: source,
          title: at === "last" ? `${source}[last]` : `${source}[${sequence}]`,
          lines: [],
          note: at === "last" ? "at its last step" : `at every step ${sequence}`,
          tooltip:
            at === "last"
              ? `${source}[last]: ${source} of the sequence computed before, at each example's last real step`
              : `${source}[${sequence}]: ${source} of the sequence computed before, at every one of its steps (attention)`,
        });
      }
      for (let s = 0; s < T; s++)
        edges.push({ from: read.id, to: quantityId(q.name, s), kind: "delay", constraint: false });
    }
  }
  return reads;
}

/** What a quantity's equation reads of other sequences, through the values it computes at the same step. */
function otherSequenceReadsOf(ir: IrModel, node: NodeId): { source: string; at: "last" | "every" }[] {
  const quantityNodes = new Set(ir.quantities.map((q) => q.node));
  const found = new Map<string, { source: string; at: "last" | "every" }>();
  const visit = (id: NodeId, root: boolean) => {
    const n = ir.nodes[id]!;
    if (!root && quantityNodes.has(id)) return;
    if (n.op === "last") found.set(`last:${n.source}`, { source: n.source, at: "last" });
    if (n.op === "steps") found.set(`every:${n.source}`, { source: n.source, at: "every" });
    for (const o of operands(n)) visit(o, false);
  };
  visit(node, true);
  return [...found.values()];
}

/** The drawn node of target k at step s, which a loss at each step scores and `y[t-1]` reads at the step after. */
function targetId(prefix: string, k: number, s: number): string {
  return `${prefix}target${k}_s${s}`;
}

function addUnrolledLosses(
  ir: IrModel,
  quantities: ReturnType<typeof quantityDeps>,
  T: number,
  { prefix, variable }: { prefix: string; variable: string },
  quantityId: (name: string, s: number) => string,
  nodes: GraphNode[],
  edges: GraphEdge[],
): void {
  const targetIndex = new Map(ir.targets.map((t, i) => [t.name, i]));
  const targetNote = (name: string) => {
    const t = ir.targets.find((x) => x.name === name);
    return t ? `target ${t.kind === "class" ? `class[${t.size}]` : `[${t.size}]`}` : "target";
  };
  const made = new Set<string>();
  const target = (name: string, s: number): string => {
    const id = targetId(prefix, targetIndex.get(name)!, s);
    if (!made.has(id)) {
      made.add(id);
      nodes.push({
        id,
        kind: "target",
        name,
        step: s,
        cluster: `${prefix}step${s}`,
        title: name,
        lines: [],
        note: targetNote(name),
      });
    }
    return id;
  };
  ir.losses.forEach((l, i) => {
    const prediction = predictionName(ir, quantities, l.prediction);
    const id = `${prefix}loss${i}`;
    const last = T - 1;
    const over = l.at === "each" ? `${l.reduce} over the steps` : `at the last step · ${l.reduce}`;
    // A loss at the last step is drawn in that step; one over every step, above them all.
    nodes.push({
      id,
      kind: "loss",
      title: "loss",
      lines: [`${l.fn}(${prediction}, ${l.target})`],
      note: over,
      ...(l.at === "last" ? { step: last, cluster: `${prefix}step${last}` } : {}),
    });
    if (l.at === "each") {
      for (let s = 0; s < T; s++) {
        const term = `${prefix}loss${i}_s${s}`;
        nodes.push({
          id: term,
          kind: "loss",
          step: s,
          cluster: `${prefix}step${s}`,
          title: `loss term`,
          lines: [],
          note: `${variable} = ${s + 1}`,
        });
        edges.push({ from: quantityId(prediction, s), to: term, kind: "loss" });
        edges.push({ from: target(l.target, s), to: term, kind: "loss" });
        edges.push({ from: term, to: id, kind: "loss" });
      }
    } else {
      edges.push({ from: quantityId(prediction, last), to: id, kind: "loss" });
      edges.push({ from: target(l.target, last), to: id, kind: "loss" });
    }
  });
}
