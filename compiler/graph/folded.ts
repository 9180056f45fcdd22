/**
 * The folded graph: one time step, as a textbook draws a recurrent network. A node per
 * input, per quantity (its equation inside), per target and loss; the parameters each
 * equation uses in a small grey box beside it; and for every value read through a delay a
 * delay box (z⁻¹) on the edge that carries it to the next step, so the only cycles go
 * through delay boxes. `h[t-2]` is drawn as two delay boxes in a chain. A state read ahead
 * (`h[t+1]`) goes through z⁺¹ boxes instead, to the step before; it and what it reads at the
 * same step, the backward phase, are drawn in a box of their own: computed first, from the last step down.
 * Attention's reads of another sequence at its every step (`e[s]`) are edges saying so, and a
 * quantity over those steps, or reducing over them, says it under its equation.
 */
import { applies, type IrModel, type IrNode } from "../ir/ir.js";
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

export interface FoldedOptions {
  /** Draw the grey parameter boxes (default true). */
  params?: boolean;
}

export function foldedGraph(ir: IrModel, options: FoldedOptions = {}): Drawing {
  const showParams = options.params ?? true;
  const quantities = quantityDeps(ir);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];

  const inputId = new Map<string, string>();
  ir.inputs.forEach((input, i) => {
    const id = `input${i}`;
    inputId.set(input.name, id);
    nodes.push({
      id,
      kind: "input",
      name: input.name,
      title: input.name,
      lines: [],
      note: `input ${sizeText(input.size, input.encoding === "onehot")}`,
    });
  });

  const quantityId = new Map<string, string>();
  quantities.forEach((q, i) => quantityId.set(q.name, `q${i}`));
  const paramShape = new Map(ir.params.map((p) => [p.name, p.shape]));

  // Delay boxes: for each delayed source, a chain z⁻¹ → z⁻¹ … up to the longest delay read
  // (z⁺¹ boxes for a state read ahead: a source is read one way only).
  const longest = new Map<string, number>();
  const readAhead = new Set<string>();
  for (const q of quantities)
    for (const d of q.deps)
      if (d.kind === "delay") {
        longest.set(d.source, Math.max(longest.get(d.source) ?? 0, d.steps));
        if (d.ahead) readAhead.add(d.source);
      }
  const backward = new Set(ir.quantities.filter((q) => ir.nodes[q.node]!.backward).map((q) => q.name));
  const backwardCluster = backward.size > 0 ? { cluster: "backward" } : {};
  const delayId = (source: string, k: number) => `delay${[...longest.keys()].indexOf(source)}_${k}`;
  for (const [source, max] of longest) {
    const sourceId = quantityId.get(source) ?? inputId.get(source);
    const start = initialText(ir, source);
    const ahead = readAhead.has(source);
    for (let k = 1; k <= max; k++) {
      const id = delayId(source, k);
      nodes.push({
        id,
        kind: "delay",
        name: source,
        steps: k,
        title: ahead ? "z\u207A\u00B9" : "z\u207B\u00B9",
        lines: [delayText(source, k, ahead)],
        note: ahead ? `${source}[T+${k}] = ${start}` : `${indexedText(source, 1 - k)} = ${start}`,
        tooltip: ahead
          ? `advance: ${source} is sent to the step before (${delayText(source, k, true)}); after each sequence's last step it is ${start}`
          : `delay: ${source} is sent to the next time step (${delayText(source, k)}); before the first step it is ${start}`,
        ...(ahead ? backwardCluster : {}),
      });
      const from = k === 1 ? sourceId : delayId(source, k - 1);
      // The edge into the first box is the one that closes the loop: it must not decide the layout.
      if (from !== undefined) edges.push({ from, to: id, kind: "delay", constraint: k !== 1 });
    }
  }

  quantities.forEach((q, i) => {
    const id = quantityId.get(q.name)!;
    const tags = [q.gate ? "gate" : "", q.state ? "state" : "", sizeText(q.node.size), ...axisTags(q.node)]
      .filter(Boolean)
      .join(" · ");
    nodes.push({
      id,
      kind: "quantity",
      name: q.name,
      gate: q.gate,
      state: q.state,
      title: q.name,
      formula: q.formula,
      lines: [],
      note: tags,
      tooltip: q.tooltip,
      ...(backward.has(q.name) ? backwardCluster : {}),
    });
    const params: string[] = [];
    for (const d of q.deps) {
      switch (d.kind) {
        case "quantity":
          edges.push({ from: quantityId.get(d.name)!, to: id, kind: "data", label: sizeText(d.size) });
          break;
        case "input": {
          const from = inputId.get(d.name);
          if (from) edges.push({ from, to: id, kind: "data", label: sizeText(d.size, d.onehot) });
          break;
        }
        case "delay":
          edges.push({ from: delayId(d.source, d.steps), to: id, kind: "delay", label: sizeText(d.size, d.onehot) });
          break;
        case "param":
          params.push(d.name);
          break;
        case "steps": {
          // Attention: every step of another sequence's quantity, into a quantity over its steps.
          const from = quantityId.get(d.name);
          if (from)
            edges.push({
              from,
              to: id,
              kind: "data",
              label: `${d.name}[${d.over}], every ${d.over} · ${sizeText(d.size)}`,
            });
          break;
        }
      }
    }
    if (showParams && params.length > 0) {
      const pid = `params${i}`;
      const lines = params.map((p) => `${p} [${(paramShape.get(p) ?? []).join("\u00D7")}]`);
      nodes.push({
        id: pid,
        kind: "params",
        name: q.name,
        title: "",
        lines,
        tooltip: `parameters of ${q.name}: ${params.join(", ")}`,
      });
      edges.push({ from: pid, to: id, kind: "param" });
    }
  });

  addLosses(ir, quantities, quantityId, nodes, edges);

  return {
    kind: "folded",
    title: `model ${ir.name}`,
    subtitle: legend([
      longest.size > readAhead.size
        ? "one time step t · purple z\u207B\u00B9 box: the value goes to the next step"
        : "one time step t",
      backward.size > 0
        ? "z\u207A\u00B9 box: the value goes to the step before · backward phase: computed first, from the last step down"
        : "",
      quantities.some((q) => q.gate) ? "yellow: gates" : "",
      quantities.some((q) => q.state) ? "double border: states" : "",
      showParams ? "grey: parameters" : "",
    ]),
    nodes,
    edges,
    clusters: backward.size > 0 ? [{ id: "backward", label: "backward phase: t = T down to 1" }] : [],
    sameRank: [],
    leftToRight: [],
  };
}

/** Attention: what a quantity has a value at every step of, and the reduction over the steps that computes it. */
function axisTags(n: IrNode): string[] {
  const reduction = applies(n, "softmax_steps") ? "softmax" : applies(n, "sum_steps") ? "\u03A3" : undefined;
  return [
    n.over !== undefined ? `at every ${n.over}` : "",
    reduction !== undefined && n.op === "apply" ? `${reduction} over ${n.axis}` : "",
  ];
}

/** The caption's lines: the first part alone, the rest joined on a second line. */
export function legend(parts: string[]): string[] {
  const [first, ...rest] = parts;
  const more = rest.filter(Boolean).join(" · ");
  return more ? [first ?? "", more] : [first ?? ""];
}

function addLosses(
  ir: IrModel,
  quantities: ReturnType<typeof quantityDeps>,
  quantityId: Map<string, string>,
  nodes: GraphNode[],
  edges: GraphEdge[],
): void {
  const targetId = new Map<string, string>();
  ir.targets.forEach((t, i) => {
    const id = `target${i}`;
    targetId.set(t.name, id);
    nodes.push({
      id,
      kind: "target",
      name: t.name,
      title: t.name,
      lines: [],
      note: `target ${t.kind === "class" ? `class[${t.size}]` : `[${t.size}]`}`,
    });
  });
  ir.losses.forEach((l, i) => {
    const prediction = predictionName(ir, quantities, l.prediction);
    const id = `loss${i}`;
    nodes.push({
      id,
      kind: "loss",
      title: "loss",
      lines: [`${l.fn}(${prediction}, ${l.target})`],
      note: `at ${l.at} · ${l.reduce}`,
    });
    const from = quantityId.get(prediction);
    if (from) edges.push({ from, to: id, kind: "loss", label: sizeText(ir.nodes[l.prediction]?.size ?? 0) });
    const target = targetId.get(l.target);
    if (target) edges.push({ from: target, to: id, kind: "loss" });
  });
}

/** The quantity a loss scores: the one whose node is the prediction (the first, if aliases share it). */
export function predictionName(ir: IrModel, quantities: ReturnType<typeof quantityDeps>, node: number): string {
  return (quantities.find((q) => q.node.id === node) ?? ir.quantities.find((q) => q.node === node))?.name ?? `%${node}`;
}
