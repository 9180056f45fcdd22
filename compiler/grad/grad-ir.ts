/**
 * The backward IR: one step of backpropagation through time as a dataflow graph, derived
 * from the forward IR by the gradient pass (differentiate.ts). The backward pass runs it at
 * t = T−1 down to 0; it reads the forward values of step t, and the adjoints that later
 * steps sent back through delays. The interpreter executes it; the code generator compiles
 * it (with its own fusion and kernels). `rnnc ir --grad` prints it (print.ts).
 */
import type { IrModel, NodeId } from "../ir/ir.js";
import { opNamed } from "../ops/registry.js";

export type GradId = number;

export type GradOp =
  /** A forward node's value at step t (a delay's: its source's, k steps before). */
  | { op: "value"; of: NodeId }
  /** A scalar constant; broadcasts. */
  | { op: "const"; value: number }
  /** The target of loss `loss` at step t: a real vector, or the class as a one-hot vector. */
  | { op: "target"; loss: number }
  /**
   * Loss `loss`'s seed at step t: scale · args[0] at the rows the loss scores at step t, 0 at
   * the others, where args[0] is not evaluated (padding may hold anything). The scale is
   * 1 / (number of scored positions) for `reduce = mean`, 1 for `sum`.
   */
  | { op: "seed"; loss: number; args: [GradId] }
  /**
   * The adjoint of forward node `of` at step t, ∂loss/∂(its value): the sum of its terms, and
   * of what later steps sent back. `later` lists the delay nodes reading this state: each
   * adds the adjoint it had at step t + k (none past the last step). A `masked` adjoint (a
   * quantity's) also adds its own rows that step t + 1 passed back, and passes back the rows
   * of sequences that ended before t (their value at t was a copy of the one at t − 1): those
   * rows read 0 here.
   */
  | {
      op: "adjoint";
      of: NodeId;
      terms: GradTerm[];
      later: NodeId[];
      masked: boolean;
      /**
       * A state a later sequence reads at its last step (IrModel.readAtLast), or a quantity it
       * reads at every step (IrModel.readAtEveryStep): at each example's last real step, or at
       * each real step, it also adds what that sequence sent back.
       */
      seeded?: true;
    }
  /** An op of the registry applied to backward values (`param` and `col` for a transposed product block or a slice). */
  | { op: "apply"; fn: string; args: GradId[]; param?: string; col?: number; axis?: string };

/** A term of an adjoint, and who sent it: the forward node whose derivative rule made it, or a loss's seed. */
export interface GradTerm {
  node: GradId;
  by: { node: NodeId } | { loss: number };
}

export type GradNode = GradOp & {
  id: GradId;
  /** Vector length; 1 for a scalar constant. */
  size: number;
  scalar: boolean;
  /** The source equation (or loss) it differentiates, for comments and the printer. */
  origin: string;
};

export type GradUpdate =
  /** grad[param] += Σ over the batch of the rows of `from`: a vector parameter, added to every sequence. */
  | { kind: "rows"; param: string; from: GradId }
  /**
   * grad[param][:, col .. col + width] += Σ over the batch of dyᵀ · x, x the forward value of
   * node `x` at step t (a one-hot x: dy added to the columns its ids pick). The weight
   * gradient of block `x` of the product `by`.
   */
  | { kind: "outer"; param: string; col: number; width: number; dy: GradId; x: NodeId; by: NodeId }
  /**
   * At the steps t < steps, the delay reads the state's value before the sequence, its
   * learned initial value `param`: grad[param] += Σ over the batch of the rows of `from`,
   * unless the batch continues a stream whose state was carried over (truncated BPTT).
   */
  | { kind: "initial"; param: string; from: GradId; steps: number }
  /**
   * State `source` of a sequence computed before, read at its last step: the rows of `from`
   * go to that state's adjoint at each example's last step (sent back when that sequence's
   * backward pass runs, after this one's). At every step for an `e[last]` leaf; with `steps`,
   * for an initial state `= e[last]`, where the delay reads the value before the sequence
   * (t < steps; past the end, for a delay read ahead).
   */
  | { kind: "last"; source: string; from: GradId; steps?: number }
  /**
   * Quantity `source` of a sequence computed before, read at its every step (attention's `steps`
   * leaf): the rows of `from`, one per example and step of it, go to that quantity's adjoint at
   * each of its steps (sent back when its sequence's backward pass runs).
   */
  | { kind: "every"; source: string; from: GradId };

export interface GradIr {
  forward: IrModel;
  /** One backward step, in evaluation order: every node's operands come before it. */
  nodes: GradNode[];
  /** The adjoint node of each forward node that has one. */
  adjoints: Map<NodeId, GradId>;
  /** What each step adds to the parameters' gradients. */
  updates: GradUpdate[];
}

/** The backward nodes a node reads at the same step (an adjoint's `later` values are from later steps). */
export function gradOperands(n: GradNode): GradId[] {
  switch (n.op) {
    case "apply":
    case "seed":
      return n.args;
    case "adjoint":
      return n.terms.map((t) => t.node);
    default:
      return [];
  }
}

/**
 * The backward nodes that wait for the forward phase's adjoints of every step, in a model with
 * a backward phase (IrNode.backward): the adjoints of that phase's nodes and all that reads
 * them. They run after the rest, from the first step up, as the backward phase ran from the
 * last step down; the rest runs first, from the last step down.
 */
export function secondPassNodes(grad: GradIr): Set<GradId> {
  const second = new Set<GradId>();
  const adjointOf = (d: NodeId) => grad.adjoints.get(d);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of grad.nodes) {
      if (second.has(n.id)) continue;
      const waits =
        (n.op === "adjoint" && grad.forward.nodes[n.of]!.backward === true) ||
        gradOperands(n).some((o) => second.has(o)) ||
        (n.op === "adjoint" && n.later.some((d) => second.has(adjointOf(d)!)));
      if (waits) {
        second.add(n.id);
        changed = true;
      }
    }
  }
  return second;
}

/**
 * The other sequence each backward value has a row at every step of (attention), as its
 * forward node's, or as the op that makes it moves its rows (IrNode.over); undefined: one row
 * per example.
 */
export function gradRowsOver(grad: GradIr): (string | undefined)[] {
  const over: (string | undefined)[] = [];
  for (const n of grad.nodes) {
    if (n.op === "value" || n.op === "adjoint") over[n.id] = grad.forward.nodes[n.of]!.over;
    else if (n.op !== "apply") over[n.id] = undefined;
    else {
      const spec = opNamed(n.fn);
      over[n.id] =
        spec.kind === "steps" && spec.rows !== "same"
          ? spec.rows === "spread"
            ? n.axis
            : undefined
          : n.args.map((a) => over[a]).find((o) => o !== undefined);
    }
  }
  return over;
}
