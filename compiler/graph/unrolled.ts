/**
 * The unrolled graph: T copies of the step, one cluster per step (`t = 1` … `t = T`), the
 * delay edges running from the copy at step t − k to the copy at step t, and the values
 * before the first step (a state's initial value, a delayed input's zero) as their own
 * nodes feeding the first steps; a read ahead (`h[t+1]`) runs from the copy at step t + k, or
 * from the value after the last step (the state's initial value) drawn right of it. It is the acyclic graph that BPTT differentiates, drawn at
 * the level of quantities; it is built from `unroll(ir, T)` itself, so it shows exactly the
 * edges the interpreter follows.
 */
import type { IrModel } from "../ir/ir.js";
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

/** The most steps `rnnc graph --unroll` draws: beyond this no picture is readable and layout gets slow. */
export const MAX_UNROLL = 200;

export function unrolledGraph(ir: IrModel, T: number): Drawing {
  if (!Number.isInteger(T) || T < 1 || T > MAX_UNROLL)
    throw new Error(`cannot draw ${T} unrolled steps: T must be an integer from 1 to ${MAX_UNROLL}`);
  // One T for every node would draw the sequences step by step side by side, which they are not.
  if (ir.sequences)
    throw new Error(
      `${ir.name} reads sequences ${ir.sequences.join(", ")}, each over steps of its own: its unrolled graph is not drawn yet (the folded one is)`,
    );
  const graph = unroll(ir, T);
  const quantities = quantityDeps(ir);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const clusters = Array.from({ length: T }, (_, s) => ({ id: `step${s}`, label: `t = ${s + 1}`, step: s }));

  const inputIndex = new Map(ir.inputs.map((x, i) => [x.name, i]));
  const quantityIndex = new Map(quantities.map((q, i) => [q.name, i]));
  const inputId = (name: string, s: number) => `input${inputIndex.get(name)}_s${s}`;
  const quantityId = (name: string, s: number) => `q${quantityIndex.get(name)}_s${s}`;
  /** The drawn node of a delayed source at a step: the quantity of that name, or the input. */
  const sourceId = (name: string, s: number) => (quantityIndex.has(name) ? quantityId(name, s) : inputId(name, s));

  const initialIds = new Map<string, string>();
  /** The value of a source `back` steps before the first step, or (negative) −back steps after the last. */
  const initialId = (source: string, back: number): string => {
    const key = `${source}\u0000${back}`;
    let id = initialIds.get(key);
    if (id === undefined) {
      id = `init${initialIds.size}`;
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
    const cluster = `step${s}`;
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
      const carry = `carry${sources.indexOf(source)}_${ahead ? "a" : ""}${steps}_s${s}`;
      nodes.push({
        id: carry,
        kind: "carry",
        name: source,
        steps,
        step: s,
        cluster: `step${s}`,
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

  addUnrolledLosses(ir, quantities, T, quantityId, nodes, edges);

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
  leftToRight.unshift(...before.map((n) => n.id));
  leftToRight.push(...after.map((n) => n.id));

  return {
    kind: "unrolled",
    title: `model ${ir.name} unrolled over ${T} step${T === 1 ? "" : "s"}`,
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
}

function addUnrolledLosses(
  ir: IrModel,
  quantities: ReturnType<typeof quantityDeps>,
  T: number,
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
    const id = `target${targetIndex.get(name)}_s${s}`;
    if (!made.has(id)) {
      made.add(id);
      nodes.push({
        id,
        kind: "target",
        name,
        step: s,
        cluster: `step${s}`,
        title: name,
        lines: [],
        note: targetNote(name),
      });
    }
    return id;
  };
  ir.losses.forEach((l, i) => {
    const prediction = predictionName(ir, quantities, l.prediction);
    const id = `loss${i}`;
    const last = T - 1;
    const over = l.at === "each" ? `${l.reduce} over the steps` : `at the last step · ${l.reduce}`;
    // A loss at the last step is drawn in that step; one over every step, above them all.
    nodes.push({
      id,
      kind: "loss",
      title: "loss",
      lines: [`${l.fn}(${prediction}, ${l.target})`],
      note: over,
      ...(l.at === "last" ? { step: last, cluster: `step${last}` } : {}),
    });
    if (l.at === "each") {
      for (let s = 0; s < T; s++) {
        const term = `loss${i}_s${s}`;
        nodes.push({
          id: term,
          kind: "loss",
          step: s,
          cluster: `step${s}`,
          title: `loss term`,
          lines: [],
          note: `t = ${s + 1}`,
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
