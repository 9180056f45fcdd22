/**
 * The drawing of a model, before it becomes DOT: nodes with a meaning (an input, a quantity,
 * a delay box...), edges with a meaning (data, a value sent to a later step...), clusters.
 * `folded.ts` and `unrolled.ts` build it from the IR, `dot.ts` gives it a look. Tests read
 * this structure; people read the picture.
 *
 * The drawing is at the level of quantities (one node per equation), not of IR nodes: a
 * person reads `h.f = sigmoid(h.W_f @ [h[t-1], x] + h.b_f)` far more easily than the five
 * IR nodes it lowers to. `quantityDeps` finds, for each quantity, what its equation reads.
 */
import type { IrModel, IrNode, NodeId } from "../ir/ir.js";
import { operands } from "../ir/ir.js";
import { opNamed } from "../ops/registry.js";

export type GraphNodeKind =
  /** A model input at a step. */
  | "input"
  /** A target (what a loss compares the prediction with). */
  | "target"
  /** A quantity: the result of one equation (`gate` and `state` mark the special ones). */
  | "quantity"
  /** The folded graph's delay box: the value goes to the next step (z⁻¹). */
  | "delay"
  /** The unrolled graph's value before the first step: a state's initial value, an input's zero. */
  | "initial"
  /** The unrolled graph's point where a delayed value enters a step and is handed to its readers there. */
  | "carry"
  /** The parameters one equation uses (folded graph only). */
  | "params"
  /** A loss, or one step's term of a loss scored at each step. */
  | "loss";

export interface GraphNode {
  /** A DOT identifier made of ASCII letters, digits and `_`: names never appear in ids. */
  id: string;
  kind: GraphNodeKind;
  /** The first line, in bold: a name, `z⁻¹`, `loss`. */
  title: string;
  /** A quantity's right-hand side: drawn as `title = formula` on the first line. */
  formula?: string;
  /** Further lines: an equation, a shape. */
  lines: string[];
  /** A last line in small grey type. */
  note?: string;
  /** Shown on hover in the SVG. */
  tooltip?: string;
  /** The cluster this node is drawn in (the unrolled graph's steps). */
  cluster?: string;
  /** The model name this node stands for: the quantity, input, target or delayed source. */
  name?: string;
  /** The 0-based step of an unrolled node. */
  step?: number;
  /** A delay box's `k` (it holds `name[t-k]`, or `name[t+k]`), or an initial node's distance before the first step (negative: after the last). */
  steps?: number;
  gate?: boolean;
  state?: boolean;
}

export type GraphEdgeKind =
  /** A value used at the same step. */
  | "data"
  /** A value sent to a later step: into or out of a delay box, or between unrolled steps. */
  | "delay"
  /** Parameters into the equation that uses them. */
  | "param"
  /** A prediction or target into a loss, or a step's loss term into the total. */
  | "loss";

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  label?: string;
  /** False when the edge must not decide the layout's ranks (the back edge into a delay box). */
  constraint?: boolean;
}

export interface GraphCluster {
  id: string;
  label: string;
  /** The 0-based step the cluster holds, if it is a step. */
  step?: number;
}

export interface Drawing {
  kind: "folded" | "unrolled";
  /** The caption: the model's name and what the picture shows. */
  title: string;
  /** Lines under the title: what the colours and boxes mean. */
  subtitle: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
  /** Groups of node ids that the layout puts on one level (an initial value beside the state it starts). */
  sameRank: string[][];
  /** Nodes the layout keeps in this order, left to right (one per unrolled step: the steps read in time order). */
  leftToRight: string[];
}

/** What an equation reads. */
export type Dep =
  | { kind: "quantity"; name: string; size: number }
  | { kind: "input"; name: string; size: number; onehot: boolean }
  | { kind: "delay"; source: string; steps: number; ahead: boolean; size: number; onehot: boolean }
  | { kind: "param"; name: string }
  /** Quantity `name` of another sequence read at its every step `over` (attention's `e[s]`). */
  | { kind: "steps"; name: string; over: string; size: number };

export interface QuantityInfo {
  name: string;
  gate: boolean;
  /** Read through a delay by some equation. */
  state: boolean;
  node: IrNode;
  /** The equation as written (`gate f = sigmoid(...)`). */
  equation: string;
  /** Its right-hand side (`sigmoid(...)`). */
  formula: string;
  /** The equation and what each function it calls computes, from the op registry: shown on hover. */
  tooltip: string;
  deps: Dep[];
}

/**
 * For each quantity, in the model's order, what its equation reads: other quantities at the
 * same step, inputs, delayed values (`h[t-1]`), parameters. Found by walking the IR from the
 * quantity's node back to leaves and to other quantities' nodes.
 */
export function quantityDeps(ir: IrModel): QuantityInfo[] {
  const stateNames = new Set(ir.states.map((s) => s.name));
  /**
   * The quantity that owns a computed node: the first one whose value it is (later ones with
   * the same node are aliases: `o = h`). Leaves (inputs, delays, parameters) are shared by
   * every equation that reads them and belong to none: `a = x` does not make readers of `x` read `a`.
   */
  const owner = new Map<NodeId, string>();
  for (const q of ir.quantities) if (!owner.has(q.node) && !isLeaf(ir.nodes[q.node])) owner.set(q.node, q.name);
  const byId = (id: NodeId): IrNode => {
    const n = ir.nodes[id];
    if (!n || n.id !== id) throw new Error(`internal error: IR node %${id} is missing`);
    return n;
  };

  return ir.quantities.map((q) => {
    const deps: Dep[] = [];
    const seen = new Set<string>();
    const add = (d: Dep) => {
      const key = d.kind === "delay" ? `delay:${d.source}:${d.ahead ? "+" : "-"}${d.steps}` : `${d.kind}:${d.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      deps.push(d);
    };
    const visited = new Set<NodeId>();
    const functions = new Set<string>();
    const visit = (id: NodeId, root: boolean) => {
      if (visited.has(id)) return;
      visited.add(id);
      const n = byId(id);
      const other = owner.get(id);
      if (other !== undefined && (!root || other !== q.name)) {
        add({ kind: "quantity", name: other, size: n.size });
        return;
      }
      switch (n.op) {
        case "input":
          add({ kind: "input", name: n.input, size: n.size, onehot: n.onehot });
          return;
        case "delay":
          add({
            kind: "delay",
            source: n.source,
            steps: n.steps,
            ahead: n.ahead === true,
            size: n.size,
            onehot: n.onehot,
          });
          return;
        case "param":
          add({ kind: "param", name: n.param });
          return;
        case "steps":
          add({ kind: "steps", name: n.source, over: n.over!, size: n.size });
          return;
        case "const":
        case "mask":
          return;
        case "apply": {
          // A product reads its matrix parameter beside its operands.
          if (n.param !== undefined) add({ kind: "param", name: n.param });
          const spec = opNamed(n.fn);
          if (spec.written.form === "call") functions.add(spec.doc.formula);
          break;
        }
      }
      for (const o of operands(n)) visit(o, false);
    };
    visit(q.node, true);
    const node = byId(q.node);
    const equation = equationOf(ir, q.name, q.gate, deps, node);
    const prefix = `${q.gate ? "gate " : ""}${q.name} = `;
    return {
      name: q.name,
      gate: q.gate,
      state: stateNames.has(q.name),
      node,
      equation,
      formula: equation.slice(prefix.length),
      tooltip: [equation, ...functions].join("; "),
      deps,
    };
  });
}

function isLeaf(n: IrNode | undefined): boolean {
  return (
    n === undefined || n.op === "input" || n.op === "delay" || n.op === "param" || n.op === "const" || n.op === "mask"
  );
}

/** The equation's text as the IR recorded it; for an equation that made no node of its own (`o = h`), rebuilt from what it reads. */
function equationOf(ir: IrModel, name: string, gate: boolean, deps: Dep[], node: IrNode): string {
  const prefix = `${gate ? "gate " : ""}${name} = `;
  const recorded = ir.nodes.find((n) => n.origin.startsWith(prefix));
  if (recorded) return recorded.origin;
  const d = deps[0];
  let value: string;
  if (node.op === "const") value = String(node.value);
  else if (!d) value = "…";
  else if (d.kind === "delay") value = `${d.source}[t${d.ahead ? "+" : "-"}${d.steps}]`;
  else value = d.name;
  return `${prefix}${value}`;
}

/** How a value's size is written: `[24]`, `onehot[32]`. */
export function sizeText(size: number, onehot = false): string {
  return onehot ? `onehot[${size}]` : `[${size}]`;
}

/** The value a delayed source has before the first step, in words. */
export function initialText(ir: IrModel, source: string): string {
  const state = ir.states.find((s) => s.name === source);
  if (!state) return "0"; // an input before the sequence starts
  switch (state.init.kind) {
    case "zeros":
      return "zeros";
    case "constant":
      return String(state.init.value);
    case "learned":
      return `learned (${state.init.param})`;
    case "last":
      return `${state.init.source}[last]`;
  }
}

/** `h[0]`, `h[−1]`: a value at a step index, with a real minus sign. */
export function indexedText(source: string, index: number): string {
  return `${source}[${index < 0 ? `\u2212${-index}` : index}]`;
}

/** `x[t-2]` with a real minus sign, as drawn; `h[t+1]` read ahead. */
export function delayText(source: string, steps: number, ahead = false): string {
  return `${source}[t${ahead ? "+" : "\u2212"}${steps}]`;
}
