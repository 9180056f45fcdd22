/**
 * The gradient pass: forward IR → backward IR of one step (grad-ir.ts). Reverse mode over
 * the step template, from the last node to the first: each loss seeds the adjoint of the
 * value it scores, each node's adjoint is the sum of what its readers sent it, and its op's
 * derivative rule (compiler/ops) turns that adjoint into terms for its operands. Backprop
 * through time needs only the delays: a state's adjoint at t also sums what its delays
 * received at t + k, and a delay read before the sequence sends its adjoint to a learned
 * initial value. Values are shared, not copied: a forward value or a constant is one node
 * however many rules read it, and an application met twice is built once.
 */
import { describeLoss } from "../ir/print.js";
import type { ApplyNode, IrModel, IrNode, NodeId } from "../ir/ir.js";
import { operands } from "../ir/ir.js";
import type { ApplyAttrs, GradBuilder, GradContext, GradValue, SeedContext } from "../ops/op.js";
import { formOf, opNamed } from "../ops/registry.js";
import {
  gradOperands,
  type GradId,
  type GradIr,
  type GradNode,
  type GradOp,
  type GradTerm,
  type GradUpdate,
} from "./grad-ir.js";

export function differentiate(ir: IrModel): GradIr {
  const pass = new GradientPass(ir);
  return pass.run();
}

class GradientPass {
  private readonly nodes: GradNode[] = [];
  /** Applications, forward values and constants by what they are: each built once. */
  private readonly shared = new Map<string, GradId>();
  private readonly terms = new Map<NodeId, GradTerm[]>();
  private readonly adjoints = new Map<NodeId, GradId>();
  private readonly updates: GradUpdate[] = [];
  private readonly reachesLoss: Set<NodeId>;
  private readonly quantityNodes: Set<NodeId>;
  /** The equation (or loss) the nodes being built differentiate. */
  private origin = "";

  /** The nodes of the states a later sequence reads at their last step, or at every step: their adjoints are seeded from there. */
  private readonly seededNodes: Set<NodeId>;

  constructor(private readonly ir: IrModel) {
    this.seededNodes = new Set(
      [...(ir.readAtLast ?? []), ...(ir.readAtEveryStep ?? [])].map(
        (name) => ir.quantities.find((q) => q.name === name)!.node,
      ),
    );
    this.reachesLoss = nodesReachingLoss(ir, this.seededNodes);
    this.quantityNodes = new Set(ir.quantities.map((q) => q.node));
  }

  run(): GradIr {
    this.ir.losses.forEach((_, k) => this.seed(k));
    for (let id = this.ir.nodes.length - 1; id >= 0; id--) this.differentiateNode(this.ir.nodes[id]!);
    return this.withoutDeadNodes();
  }

  /** A loss's seed, sent to the value it scores (a fused form's: the operand of the op defining the prediction). */
  private seed(k: number): void {
    const loss = this.ir.losses[k]!;
    this.origin = describeLoss(this.ir, loss);
    const size = this.ir.nodes[loss.prediction]!.size;
    const builder = this.builder();
    const context: SeedContext = {
      ...builder,
      prediction: () => this.value(loss.prediction),
      target: () => this.shareOrAdd({ op: "target", loss: k }, size, false),
    };
    const value = formOf(loss).seed(context);
    const seed = this.add({ op: "seed", loss: k, args: [value.id] }, size, false);
    const scored = loss.fusion ? loss.fusion.input : loss.prediction;
    this.send(scored, seed, { loss: k });
  }

  private differentiateNode(n: IrNode): void {
    if (!this.differentiable(n)) return;
    const terms = this.terms.get(n.id) ?? [];
    const later = this.laterReads(n);
    const seeded = this.seededNodes.has(n.id);
    if (terms.length === 0 && later.length === 0 && !seeded) return;
    this.origin = n.origin;
    const masked = this.quantityNodes.has(n.id);
    const dy = this.add(
      { op: "adjoint", of: n.id, terms, later, masked, ...(seeded ? { seeded: true as const } : {}) },
      n.size,
      false,
    );
    this.adjoints.set(n.id, dy.id);
    switch (n.op) {
      case "param":
        this.updates.push({ kind: "rows", param: n.param, from: dy.id });
        return;
      case "last":
        this.updates.push({ kind: "last", source: n.source, from: dy.id });
        return;
      case "steps":
        this.updates.push({ kind: "every", source: n.source, from: dy.id });
        return;
      case "delay": {
        const init = this.ir.states.find((s) => s.name === n.source)?.init;
        if (init?.kind === "learned")
          this.updates.push({ kind: "initial", param: init.param, from: dy.id, steps: n.steps });
        if (init?.kind === "last")
          this.updates.push({ kind: "last", source: init.source, from: dy.id, steps: n.steps });
        return;
      }
      case "apply": {
        const rule = opNamed(n.fn).grad;
        if (!rule) throw new Error(`internal error: ${n.fn} has no derivative`);
        rule(this.context(n, dy));
        return;
      }
      default:
        return;
    }
  }

  /** Inputs (and their delays), masks and constants are data, not functions of the parameters; nor is what reaches no loss. */
  private differentiable(n: IrNode): boolean {
    if (n.op === "input" || n.op === "mask" || n.op === "const" || n.onehot || !this.reachesLoss.has(n.id))
      return false;
    return n.op !== "delay" || this.ir.states.some((s) => s.name === n.source);
  }

  /** For a state's node: the delays reading it, whose adjoints at t + k flow back into it at t. */
  private laterReads(n: IrNode): NodeId[] {
    const state = this.ir.quantities.find((q) => q.node === n.id && this.ir.states.some((s) => s.name === q.name));
    if (!state) return [];
    return this.ir.nodes
      .filter((d) => d.op === "delay" && d.source === state.name && this.differentiable(d))
      .map((d) => d.id);
  }

  private context(n: ApplyNode, dy: GradValue): GradContext {
    return {
      ...this.builder(),
      node: n,
      dy,
      output: () => this.value(n.id),
      operand: (k) => this.value(n.args[k]!),
      operandSize: (k) => this.ir.nodes[n.args[k]!]!.size,
      operandOnehot: (k) => this.ir.nodes[n.args[k]!]!.onehot,
      send: (k, term) => this.send(n.args[k]!, term, { node: n.id }),
      sendToWeights: (param, col, dyValue, k) => {
        const x = n.args[k]!;
        this.updates.push({ kind: "outer", param, col, width: this.ir.nodes[x]!.size, dy: dyValue.id, x, by: n.id });
      },
    };
  }

  /** Adds a term to a forward node's adjoint; what a node that is not differentiated is sent is dropped. */
  private send(to: NodeId, term: GradValue, by: GradTerm["by"]): void {
    if (!this.differentiable(this.ir.nodes[to]!)) return;
    if (term.scalar) throw new Error(`internal error: a scalar term sent to the adjoint of %${to}`);
    this.terms.set(to, [...(this.terms.get(to) ?? []), { node: term.id, by }]);
  }

  private builder(): GradBuilder {
    const apply = (fn: string, args: readonly GradValue[], attrs: ApplyAttrs = {}) => this.apply(fn, args, attrs);
    return {
      constant: (value) => this.shareOrAdd({ op: "const", value }, 1, true),
      apply,
      add: (a, b) => apply("add", [a, b]),
      sub: (a, b) => apply("sub", [a, b]),
      mul: (a, b) => apply("mul", [a, b]),
      div: (a, b) => apply("div", [a, b]),
      neg: (a) => apply("neg", [a]),
    };
  }

  private apply(fn: string, args: readonly GradValue[], attrs: ApplyAttrs): GradValue {
    const spec = opNamed(fn);
    if (spec.arity !== "any" && spec.arity !== args.length)
      throw new Error(`internal error: ${fn} applied to ${args.length} operands`);
    const size = attrs.size ?? Math.max(...args.map((a) => a.size));
    const scalar = attrs.size === undefined && args.every((a) => a.scalar);
    const op: GradOp = {
      op: "apply",
      fn,
      args: args.map((a) => a.id),
      ...(attrs.param !== undefined ? { param: attrs.param } : {}),
      ...(attrs.col !== undefined ? { col: attrs.col } : {}),
      ...(attrs.axis !== undefined ? { axis: attrs.axis } : {}),
    };
    return this.shareOrAdd(op, size, scalar);
  }

  /** A forward node's value at step t; a constant's is the constant. */
  private value(id: NodeId): GradValue {
    const n = this.ir.nodes[id]!;
    if (n.op === "const") return this.shareOrAdd({ op: "const", value: n.value }, 1, true);
    return this.shareOrAdd({ op: "value", of: id }, n.size, false);
  }

  private shareOrAdd(op: GradOp, size: number, scalar: boolean): GradValue {
    const key = JSON.stringify(op);
    const existing = this.shared.get(key);
    if (existing !== undefined) return this.nodes[existing]!;
    const node = this.add(op, size, scalar);
    this.shared.set(key, node.id);
    return node;
  }

  private add(op: GradOp, size: number, scalar: boolean): GradNode {
    const node = { ...op, id: this.nodes.length, size, scalar, origin: this.origin } as GradNode;
    this.nodes.push(node);
    return node;
  }

  /**
   * Only what the gradients need: the nodes the parameter updates read, and the adjoints of
   * the states (what analysis reads), with everything they depend on; renumbered in order.
   */
  private withoutDeadNodes(): GradIr {
    // A delay that received nothing sends nothing back.
    for (const n of this.nodes) if (n.op === "adjoint") n.later = n.later.filter((d) => this.adjoints.has(d));
    const live = new Set<GradId>();
    const stack: GradId[] = [...this.updates.flatMap((u) => (u.kind === "outer" ? [u.dy] : [u.from]))];
    for (const s of this.ir.states) {
      const q = this.ir.quantities.find((x) => x.name === s.name);
      const adjoint = q && this.adjoints.get(q.node);
      if (adjoint !== undefined) stack.push(adjoint);
    }
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      const n = this.nodes[id]!;
      stack.push(...gradOperands(n));
      if (n.op === "adjoint") for (const d of n.later) stack.push(this.adjoints.get(d)!);
    }
    const renumbered = new Map<GradId, GradId>();
    for (const n of this.nodes) if (live.has(n.id)) renumbered.set(n.id, renumbered.size);
    const to = (id: GradId) => renumbered.get(id)!;
    const nodes = this.nodes
      .filter((n) => live.has(n.id))
      .map((n): GradNode => {
        const id = to(n.id);
        switch (n.op) {
          case "apply":
            return { ...n, id, args: n.args.map(to) };
          case "seed":
            return { ...n, id, args: [to(n.args[0])] };
          case "adjoint":
            return { ...n, id, terms: n.terms.map((t) => ({ ...t, node: to(t.node) })) };
          default:
            return { ...n, id };
        }
      });
    const adjoints = new Map([...this.adjoints].filter(([, id]) => live.has(id)).map(([n, id]) => [n, to(id)]));
    const updates = this.updates.map((u): GradUpdate =>
      u.kind === "outer" ? { ...u, dy: to(u.dy) } : { ...u, from: to(u.from) },
    );
    return { forward: this.ir, nodes, adjoints, updates };
  }
}

/**
 * The forward nodes a loss depends on, through operands and through delays (to their source, at
 * an earlier step); in a sequence read by a later one, also what the states it reads depend on.
 */
function nodesReachingLoss(ir: IrModel, readLater: ReadonlySet<NodeId>): Set<NodeId> {
  const reach = new Set<NodeId>();
  const sourceNode = new Map<string, NodeId>();
  for (const q of ir.quantities) if (ir.states.some((s) => s.name === q.name)) sourceNode.set(q.name, q.node);
  const stack: NodeId[] = [
    ...ir.losses.flatMap((l) => [l.prediction, ...(l.fusion ? [l.fusion.input] : [])]),
    ...readLater,
  ];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reach.has(id)) continue;
    reach.add(id);
    const n = ir.nodes[id]!;
    stack.push(...operands(n));
    if (n.op === "delay" && sourceNode.has(n.source)) stack.push(sourceNode.get(n.source)!);
  }
  return reach;
}
