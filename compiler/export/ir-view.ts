/**
 * What the exporters read from the IR beyond its fields: the op a node applies (whose entry in
 * the registry has its export form), what each loss scores, and what is read through delays.
 */
import type { IrLoss, IrModel, IrNode, NodeId } from "../ir/ir.js";

/** The op of the registry a computed node applies; undefined for a leaf. */
export function appliedOp(n: IrNode): string | undefined {
  return n.op === "apply" ? n.fn : undefined;
}

/** The node a loss is computed from: the input of the activation it is fused with, else its prediction. */
export function scoredNode(l: IrLoss): NodeId {
  return l.fusion ? l.fusion.input : l.prediction;
}

/** A state or input read through delays: how far back, and its values' size (a one-hot input's are ids). */
export interface DelayedSource {
  name: string;
  size: number;
  depth: number;
  onehot: boolean;
}

/** Every state and input read through delays, in the order of their first delayed read (a read ahead, [t+k], is not one). */
export function delayedSources(ir: IrModel): DelayedSource[] {
  const delayed = new Map<string, DelayedSource>();
  for (const n of ir.nodes) {
    if (n.op !== "delay" || n.ahead) continue;
    const known = delayed.get(n.source);
    delayed.set(n.source, {
      name: n.source,
      size: n.size,
      depth: Math.max(known?.depth ?? 0, n.steps),
      onehot: n.onehot,
    });
  }
  return [...delayed.values()];
}

/** The states read ahead (`h[t+k]`), with how far: what the backward loop carries from one step to the one before. */
export function aheadSources(ir: IrModel): DelayedSource[] {
  return ir.states
    .filter((s) => (s.maxAhead ?? 0) > 0)
    .map((s) => ({ name: s.name, size: s.size, depth: s.maxAhead!, onehot: false }));
}

/** The targets a model reads as its previous target (`y[t-1]`: teacher forcing, or its own choice when generating). */
export function previousTargets(ir: IrModel): string[] {
  return [...new Set(ir.nodes.flatMap((n) => (n.op === "input" && n.fromTarget ? [n.input] : [])))];
}
