/**
 * The adjoints a backward step stores instead of adding to zeros. An adjoint of one reused slot ("step") is zeroed at
 * the start of every step and then added to by each term it receives. When it receives exactly one term, written by a
 * loop over every element of its rows (an element-wise run's, or emit-terms.ts's last loop), that loop can store the
 * term: the zeroing and the read of the zeros go (attention's B · S-row adjoints are most of a step's memory traffic).
 */
import type { GradIr } from "../grad/grad-ir.js";
import type { NodeId } from "../ir/ir.js";
import type { NodePlan } from "./plan-types.js";
import { computedByTerms, contributionsBy } from "./temporaries.js";

/** `nodes`: the plan's, with their adjoints' kinds and arrays; `quantityNodes`: the quantities (their adjoints are masked). */
export function adjointsStoredFirst(
  grad: GradIr,
  nodes: readonly NodePlan[],
  quantityNodes: ReadonlySet<NodeId>,
): Set<NodeId> {
  const runOf = new Map(nodes.filter((p) => p.run >= 0).map((p) => [p.node.id, p.run] as const));
  const byTerms = new Set(computedByTerms(grad, runOf, contributionsBy(grad)));
  const owners = new Map<string, number>();
  for (const p of nodes) if (p.adjoint !== "none") owners.set(p.adjointBuffer, (owners.get(p.adjointBuffer) ?? 0) + 1);
  const stored = new Set<NodeId>();
  for (const a of grad.nodes) {
    if (a.op !== "adjoint" || a.terms.length !== 1 || a.later.length > 0 || a.masked || a.seeded) continue;
    const p = nodes[a.of]!;
    const term = a.terms[0]!;
    const sender = "node" in term.by ? term.by.node : undefined;
    if (
      sender === undefined ||
      p.adjoint !== "step" ||
      p.node.backward === true ||
      quantityNodes.has(a.of) ||
      owners.get(p.adjointBuffer) !== 1 ||
      p.offset !== 0 ||
      p.stride !== p.node.size ||
      // A term of another size is a broadcast operand's: its loop adds into each element several times.
      grad.nodes[term.node]!.size !== p.node.size
    )
      continue;
    // Written by a loop: the sender's run (a node of another run), or the terms of a kernel rule.
    const run = nodes[sender]!.run;
    if ((run >= 0 && run !== p.run) || byTerms.has(sender)) stored.add(a.of);
  }
  return stored;
}
