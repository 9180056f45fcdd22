/**
 * IR × T → the explicit acyclic graph of T copies of the step template. A delay node at
 * step t becomes an edge to the source quantity's node at step t − k, or, before the first
 * step, to the value before the sequence (a state's initial value, an input's zero). BPTT is reverse-mode
 * differentiation of this graph.
 */
import { operands, type IrModel, type NodeId } from "../ir/ir.js";

/** Where an unrolled node's value comes from when it is a delay. */
export type DelaySource =
  | { kind: "node"; id: number }
  /**
   * Before the sequence: `back` steps before the first one (1 = just before). The value is
   * the state's initial value, an input's zero (a one-hot input's "no id"), or what a
   * previous chunk of the same stream left there (truncated BPTT carries it over).
   */
  | { kind: "before"; source: string; back: number };

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
  nodes: UnrolledNode[];
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
        const from = step - n.steps;
        if (from < 0) {
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
  verifyAcyclic(nodes);
  return { T, nodes, at };
}

/** Every edge points to an earlier node: the unrolled graph is acyclic by construction, and this proves it. */
function verifyAcyclic(nodes: UnrolledNode[]): void {
  for (const n of nodes) {
    for (const a of n.args) {
      if (!(a < n.id))
        throw new Error(
          `internal error: unrolled node ${n.id} (step ${n.step}) depends on node ${a}, which does not come before it`,
        );
    }
  }
}
