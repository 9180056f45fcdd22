/**
 * The derivative rules whose terms are more than one kernel adding into an adjoint: those of
 * the steps ops and of `sum` and `repeat` (attention), made of kernels and element-wise ops
 * (softmax over the steps: α ⊙ (dy − spread(Σ_s α_s dy_s))). emit-terms.ts computes each such
 * term a step at a time: a kernel writes its result into an array of one step's rows, and the
 * element-wise ops around the kernels are one loop each. This module says which terms those
 * are and which backward values get an array, so that the plan can name the arrays and the
 * workspace hold them.
 */
import type { GradId, GradIr, GradNode } from "../grad/grad-ir.js";
import type { NodeId } from "../ir/ir.js";
import { nodeKind, opNamed } from "../ops/registry.js";
import type { Identifiers } from "./identifiers.js";

/** A term of an adjoint, as a unit's code must add it: the term, and whose adjoint it feeds. */
export interface Contribution {
  term: GradId;
  to: NodeId;
}

/** The terms each forward node's derivative rule sent, operand by operand. */
export function contributionsBy(grad: GradIr): Map<NodeId, Contribution[]> {
  const by = new Map<NodeId, Contribution[]>();
  for (const n of grad.nodes) {
    if (n.op !== "adjoint") continue;
    for (const t of n.terms)
      if ("node" in t.by) by.set(t.by.node, [...(by.get(t.by.node) ?? []), { term: t.node, to: n.of }]);
  }
  for (const [id, sent] of by) {
    const forward = grad.forward.nodes[id]!;
    const args = forward.op === "apply" ? forward.args : [];
    sent.sort((a, b) => args.indexOf(a.to) - args.indexOf(b.to));
  }
  return by;
}

/** A term a row-wise kernel computes and adds into the adjoint it feeds (softmax's, log_softmax's). */
export function addedByKernel(n: GradNode): boolean {
  const spec = n.op === "apply" ? opNamed(n.fn) : undefined;
  return spec?.kind === "rowwise" && spec.accumulates;
}

/** Whether a backward value is an element-wise op, computed inside a loop with the values around it. */
export function elementwiseTerm(n: GradNode): boolean {
  return n.op === "apply" && opNamed(n.fn).kind === "elementwise";
}

/**
 * The forward nodes whose terms emit-terms.ts computes: outside the element-wise runs, neither a product nor a
 * concatenation (their own code), with a term that is not one kernel adding into its adjoint.
 */
export function computedByTerms(
  grad: GradIr,
  runOf: ReadonlyMap<NodeId, number>,
  contributions: ReadonlyMap<NodeId, Contribution[]>,
): NodeId[] {
  return [...contributions].flatMap(([id, sent]) => {
    const n = grad.forward.nodes[id]!;
    if (runOf.has(id) || n.op !== "apply") return [];
    const kind = nodeKind(n);
    if (kind === "matvec" || kind === "concat") return [];
    return sent.every((c) => addedByKernel(grad.nodes[c.term]!)) ? [] : [id];
  });
}

/**
 * The backward values of those terms that live in an array: each one a kernel computes, and each element-wise one a
 * kernel reads (a kernel reads arrays). The rest are expressions of the loops that read them.
 */
function temporaryValues(grad: GradIr, roots: readonly GradId[]): GradId[] {
  const kept = new Set<GradId>();
  const visit = (id: GradId, readByKernel: boolean) => {
    const n = grad.nodes[id]!;
    if (n.op !== "apply") return;
    const kernel = !elementwiseTerm(n);
    if (kernel || readByKernel) kept.add(id);
    for (const a of n.args) visit(a, kernel);
  };
  for (const root of roots) visit(root, false);
  return [...kept].sort((a, b) => a - b);
}

/**
 * Whether a rule's term is a kernel's result written straight into the adjoint it feeds: its only term, into an
 * adjoint stored rather than added to (stored-first.ts), needs no array of its own to be copied from.
 */
export function writtenInPlace(
  grad: GradIr,
  own: readonly Contribution[],
  { term, to }: Contribution,
  storedFirst: ReadonlySet<NodeId>,
): boolean {
  const n = grad.nodes[term]!;
  return storedFirst.has(to) && own.length === 1 && n.op === "apply" && !elementwiseTerm(n);
}

/** Names the arrays of those values by their op and backward node (`sum_steps41`). */
export function nameTemporaries(
  grad: GradIr,
  runOf: ReadonlyMap<NodeId, number>,
  identifiers: Identifiers,
  storedFirst: ReadonlySet<NodeId>,
): Map<GradId, string> {
  const contributions = contributionsBy(grad);
  const roots = computedByTerms(grad, runOf, contributions).flatMap((id) => {
    const own = contributions.get(id)!;
    // A term written in place keeps its operands' arrays, not its own.
    return own.flatMap((c) => {
      const n = grad.nodes[c.term]!;
      return writtenInPlace(grad, own, c, storedFirst) && n.op === "apply" ? n.args : [c.term];
    });
  });
  return new Map(
    temporaryValues(grad, roots).map((id) => {
      const n = grad.nodes[id] as Extract<GradNode, { op: "apply" }>;
      return [id, identifiers.claim(`${n.fn}${id}`)];
    }),
  );
}
