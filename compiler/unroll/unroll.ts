/**
 * IR × T → the explicit acyclic graph of T copies of the step template. A delay node at
 * step t becomes an edge to the source quantity's node at step t − k, or, before the first
 * step, to the value before the sequence (a state's initial value, an input's zero); a read
 * ahead, `h[t+k]`, an edge from step t + k, or past the last step from the state's initial
 * value. BPTT is reverse-mode differentiation of this graph.
 */
import { isBidirectional, operands, type IrModel, type IrNode, type NodeId } from "../ir/ir.js";

/** Where an unrolled node's value comes from when it is a delay. */
export type DelaySource =
  | { kind: "node"; id: number }
  /**
   * Before the sequence: `back` steps before the first one (1 = just before). The value is
   * the state's initial value, an input's zero (a one-hot input's "no id"), or what a
   * previous chunk of the same stream left there (truncated BPTT carries it over).
   */
  | { kind: "before"; source: string; back: number }
  /** Past the last step, `ahead` steps after it (1 = just after), for a read ahead: the state's initial value. */
  | { kind: "after"; source: string; ahead: number };

export interface UnrolledNode {
  id: number;
  step: number;
  template: NodeId;
  /** Operands as unrolled node ids (empty for leaves). */
  args: number[];
  /** For a template delay node only. */
  delayFrom?: DelaySource;
}

export interface UnrolledGraph {
  T: number;
  /** By id: step · (nodes per step) + template. */
  nodes: UnrolledNode[];
  /**
   * The order to compute them in: by step, except in a model with a backward phase, whose
   * leaves come first, then the backward phase from the last step down, then the forward
   * phase from the first step up.
   */
  order: number[];
  /** `at(step, template)`: the unrolled id of a template node at a step. */
  at(step: number, template: NodeId): number;
}

export function unroll(ir: IrModel, T: number): UnrolledGraph {
  if (!Number.isInteger(T) || T < 1) throw new Error(`cannot unroll for T = ${T}: T must be a positive integer`);
  const perStep = ir.nodes.length;
  const at = (step: number, template: NodeId) => step * perStep + template;
  const quantityNode = new Map(ir.quantities.map((q) => [q.name, q.node]));
  const stateNames = new Set(ir.states.map((s) => s.name));
  const nodes: UnrolledNode[] = [];
  for (let step = 0; step < T; step++) {
    for (const n of ir.nodes) {
      const u: UnrolledNode = { id: at(step, n.id), step, template: n.id, args: operands(n).map((o) => at(step, o)) };
      if (n.op === "delay") {
        const from = n.ahead ? step + n.steps : step - n.steps;
        if (from >= T) {
          u.delayFrom = { kind: "after", source: n.source, ahead: from - T + 1 };
        } else if (from < 0) {
          u.delayFrom = { kind: "before", source: n.source, back: -from };
        } else {
          // An input read through a delay is the input node of that earlier step.
          const source = stateNames.has(n.source)
            ? quantityNode.get(n.source)
            : ir.nodes.find((m) => m.op === "input" && m.input === n.source)?.id;
          if (source === undefined) throw new Error(`internal error: the delay of ${n.source} has no source node`);
          u.delayFrom = { kind: "node", id: at(from, source) };
          u.args = [u.delayFrom.id];
        }
      }
      nodes.push(u);
    }
  }
  const order = isBidirectional(ir) ? phasedOrder(ir, T, at) : nodes.map((u) => u.id);
  verifyAcyclic(nodes, order);
  return { T, nodes, order, at };
}

function phasedOrder(ir: IrModel, T: number, at: (step: number, template: NodeId) => number): number[] {
  const isStateDelay = (n: IrNode) => n.op === "delay" && ir.states.some((s) => s.name === n.source);
  const leaves = ir.nodes.filter((n) => n.op !== "apply" && !isStateDelay(n));
  const backward = ir.nodes.filter((n) => n.backward || (n.op === "delay" && n.ahead));
  const forward = ir.nodes.filter((n) => !leaves.includes(n) && !backward.includes(n));
  const steps = Array.from({ length: T }, (_, t) => t);
  return [
    ...steps.flatMap((t) => leaves.map((n) => at(t, n.id))),
    ...[...steps].reverse().flatMap((t) => backward.map((n) => at(t, n.id))),
    ...steps.flatMap((t) => forward.map((n) => at(t, n.id))),
  ];
}

/** Every edge points to a node computed before: the unrolled graph is acyclic by construction, and this proves it. */
function verifyAcyclic(nodes: UnrolledNode[], order: readonly number[]): void {
  const position = new Int32Array(nodes.length).fill(-1);
  order.forEach((id, k) => (position[id] = k));
  for (const n of nodes) {
    if (position[n.id]! < 0) throw new Error(`internal error: unrolled node ${n.id} is never computed`);
    for (const a of n.args) {
      if (!(position[a]! < position[n.id]!))
        throw new Error(
          `internal error: unrolled node ${n.id} (step ${n.step}) depends on node ${a}, which is not computed before it`,
        );
    }
  }
}
