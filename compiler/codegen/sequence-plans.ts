/**
 * The plans of a module: one for a model of one sequence; for a model of several (a source and
 * a target of another length), one per sequence in the order they are computed, each an
 * ordinary model of one sequence (compiler/ir/sequences.ts) whose arrays are named in one table,
 * since one workspace holds them all. The sequences meet through link arrays, one pair per
 * state a later sequence reads at its last step (`e[last]`, or an initial state `= e[last]`):
 * its value at each example's last real step, [B][n], which e's forward pass writes and the
 * readers read at every step; and the adjoint the readers send back, which e's backward pass
 * adds to e's adjoint at that step. Attention reads a quantity at every step (`e[s]`) through a pair
 * of its own: its values there, [B][S][n] example by example, which e's forward pass writes after
 * its last step, and the adjoint the readers add up over their steps, which e's backward pass adds
 * to e's adjoint at each real step before its first.
 */
import type { IrModel } from "../ir/ir.js";
import { sequenceModels } from "../ir/sequences.js";
import { moduleNames } from "./array-names.js";
import type { Identifiers } from "./identifiers.js";
import {
  makePlan,
  noAttention,
  type AttentionLinks,
  type CodePlan,
  type LinkArrays,
  type PlanOptions,
} from "./plan.js";

export interface SequencePlan {
  /** The sequence's step variable. */
  sequence: string;
  plan: CodePlan;
}

export interface ModulePlans {
  /** A model of one sequence: its plan. Several: undefined (see `sequences`). */
  single: CodePlan | undefined;
  /** A model of several sequences: each one's plan, in the order they are computed; [] for one. */
  sequences: SequencePlan[];
  /** The link arrays, by the state read at its last step. */
  links: ReadonlyMap<string, LinkArrays>;
  /** The arrays and locals of attention. */
  attention: AttentionLinks;
}

export function modulePlans(ir: IrModel, options: PlanOptions): ModulePlans {
  if (!ir.sequences) return { single: makePlan(ir, options), sequences: [], links: new Map(), attention: noAttention };
  const names = moduleNames(ir);
  const parts = sequenceModels(ir);
  const links = new Map<string, LinkArrays>();
  for (const { ir: part } of parts)
    for (const state of part.readAtLast ?? []) {
      const size = part.nodes[part.quantities.find((q) => q.name === state)!.node]!.size;
      const value = names.identifiers.claim(`${state}_last`);
      links.set(state, { value, adjoint: names.identifiers.claim(`d${value}`), size });
    }
  const attention = attentionLinks(parts, names.identifiers);
  return {
    single: undefined,
    sequences: parts.map(({ sequence, ir: part }) => ({
      sequence,
      plan: makePlan(part, options, names, links, attention),
    })),
    links,
    attention,
  };
}

/** Every plan of the module, in the order its passes run forward. */
export function allPlans(plans: ModulePlans): CodePlan[] {
  return plans.single ? [plans.single] : plans.sequences.map((s) => s.plan);
}

/** Attention's arrays (`e_steps`, `de_steps`) and, for each sequence read at every step, its locals (`S`, `lengths_s`). */
function attentionLinks(parts: readonly { sequence: string; ir: IrModel }[], identifiers: Identifiers): AttentionLinks {
  const values = new Map<string, LinkArrays>();
  const read = parts.filter(({ ir }) => (ir.readAtEveryStep?.length ?? 0) > 0);
  for (const { ir } of read)
    for (const name of ir.readAtEveryStep!) {
      const size = ir.nodes[ir.quantities.find((q) => q.name === name)!.node]!.size;
      const value = identifiers.claim(`${name}_steps`);
      values.set(name, { value, adjoint: identifiers.claim(`d${value}`), size });
    }
  const axes = new Map(
    read.map(({ sequence }) => [
      sequence,
      {
        // One source reads as S, as the papers write it; several by their step variables.
        steps: identifiers.claim(read.length === 1 ? "S" : `S_${sequence}`),
        lengths: identifiers.claim(`lengths_${sequence}`),
      },
    ]),
  );
  return { values, axes };
}
