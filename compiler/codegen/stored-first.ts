/**
 * The adjoints a backward step stores instead of adding to zeros. An adjoint is zeroed (that of one reused slot, "step",
 * at the start of every step; that of every step, "steps", once a pass) and then added to by each term it receives.
 * When it receives exactly one term, written by a loop over every element of its rows (an element-wise run's, or
 * emit-terms.ts's last loop), that loop can store the term: the zeroing and the read of the zeros go (attention's
 * B · S-row adjoints are most of a step's memory traffic; the gates' products of an LSTM of 128, [T][B][512], are
 * 3.2 MB zeroed a call in float32). Where several nodes share an array (a group's products), it goes unzeroed only
 * when each of them stores its part and the parts fill its rows.
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
  const candidates = new Set<NodeId>();
  for (const a of grad.nodes) {
    if (a.op !== "adjoint" || a.terms.length !== 1 || a.later.length > 0 || a.masked || a.seeded) continue;
    const p = nodes[a.of]!;
    const term = a.terms[0]!;
    const sender = "node" in term.by ? term.by.node : undefined;
    if (
      sender === undefined ||
      !(p.adjoint === "step" || (p.adjoint === "steps" && p.pre === 0 && p.post === 0)) ||
      p.node.backward === true ||
      quantityNodes.has(a.of) ||
      // A term of another size is a broadcast operand's: its loop adds into each element several times.
      grad.nodes[term.node]!.size !== p.node.size
    )
      continue;
    // Written by a loop: the sender's run (a node of another run), or the terms of a kernel rule.
    const run = nodes[sender]!.run;
    if ((run >= 0 && run !== p.run) || byTerms.has(sender)) candidates.add(a.of);
  }
  const owners = new Map<string, NodePlan[]>();
  for (const p of nodes) {
    if (p.adjoint === "none") continue;
    const parts = owners.get(p.adjointBuffer);
    if (parts) parts.push(p);
    else owners.set(p.adjointBuffer, [p]);
  }
  const stored = new Set<NodeId>();
  for (const parts of owners.values())
    if (parts.every((p) => candidates.has(p.node.id)) && fillRows(parts)) for (const p of parts) stored.add(p.node.id);
  return stored;
}

/** Whether the parts of an array's rows that its owners write, each `size` elements at its offset, are the whole row. */
function fillRows(parts: readonly NodePlan[]): boolean {
  let end = 0;
  for (const p of [...parts].sort((a, b) => a.offset - b.offset)) {
    if (p.offset !== end || p.stride !== parts[0]!.stride) return false;
    end += p.node.size;
  }
  return end === parts[0]!.stride;
}
