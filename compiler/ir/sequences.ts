/**
 * A model of several sequences (IrModel.sequences) as one model per sequence, in the order
 * they are computed. Each is an ordinary model of one sequence, whose `last` leaves and
 * initial states `= e[last]` read states of the sequences before it at their last real step,
 * and whose `readAtLast` lists its own states that the sequences after it read so (and
 * `readAtEveryStep` its quantities that they read at every step: attention's `steps` leaves). Every pass
 * that runs a model over time (the interpreter, BPTT) runs these one after the other.
 */
import { operands, type IrModel, type IrNode, type NodeId } from "./ir.js";

export interface SequenceModel {
  /** The step variable of the sequence. */
  sequence: string;
  ir: IrModel;
}

/** One model per sequence, in the order they are computed; a model of one sequence is itself. */
export function sequenceModels(ir: IrModel): SequenceModel[] {
  if (!ir.sequences) return [{ sequence: "t", ir }];
  return ir.sequences.map((sequence) => ({ sequence, ir: sequenceModel(ir, sequence) }));
}

/** The states of a sequence read at [last] by the others: by `last` leaves and initial states. */
function statesReadAtLast(ir: IrModel, sequence: string): string[] {
  const own = new Set(ir.quantities.filter((q) => ir.nodes[q.node]!.sequence === sequence).map((q) => q.name));
  const read = new Set<string>();
  for (const n of ir.nodes) if (n.op === "last" && n.sequence !== sequence && own.has(n.source)) read.add(n.source);
  for (const s of ir.states) if (s.init.kind === "last" && own.has(s.init.source)) read.add(s.init.source);
  return [...read];
}

/** The quantities of a sequence that another reads at every step (attention: `steps` leaves). */
function quantitiesReadAtEveryStep(ir: IrModel, sequence: string): string[] {
  const own = new Set(ir.quantities.filter((q) => ir.nodes[q.node]!.sequence === sequence).map((q) => q.name));
  return [...new Set(ir.nodes.flatMap((n) => (n.op === "steps" && own.has(n.source) ? [n.source] : [])))];
}

function sequenceModel(ir: IrModel, sequence: string): IrModel {
  const kept = ir.nodes.filter((n) => n.sequence === sequence);
  // The parameters and constants this sequence's nodes read.
  const shared = new Set<NodeId>(kept.flatMap((n) => operands(n).filter((o) => ir.nodes[o]!.sequence === undefined)));
  const nodes = ir.nodes.filter((n) => n.sequence === sequence || shared.has(n.id));
  const renumbered = new Map(nodes.map((n, k) => [n.id, k]));
  const to = (id: NodeId) => renumbered.get(id)!;
  const own = (id: NodeId) => renumbered.has(id);
  const quantities = ir.quantities.filter((q) => own(q.node) && ir.nodes[q.node]!.sequence === sequence);
  const names = new Set(quantities.map((q) => q.name));
  const maskNames = new Set(nodes.flatMap((n) => (n.op === "mask" ? [n.mask] : [])));
  const { sequences: _all, ...rest } = ir;
  const readAtLast = statesReadAtLast(ir, sequence);
  const readAtEveryStep = quantitiesReadAtEveryStep(ir, sequence);
  return {
    ...rest,
    inputs: ir.inputs.filter((i) => i.sequence === sequence).map(({ sequence: _own, ...i }) => i),
    targets: ir.targets.filter((t) => t.sequence === sequence).map(({ sequence: _own, ...t }) => t),
    states: ir.states.filter((s) => names.has(s.name)),
    // An ordinary model of one sequence: its nodes need no sequence of their own.
    nodes: nodes.map(({ sequence: _own, ...n }): IrNode => {
      const id = to(n.id);
      return n.op === "apply" ? { ...n, id, args: n.args.map(to) } : { ...n, id };
    }),
    quantities: quantities.map((q) => ({ ...q, node: to(q.node) })),
    losses: ir.losses
      .filter((l) => own(l.prediction))
      .map((l) => ({
        ...l,
        prediction: to(l.prediction),
        ...(l.fusion ? { fusion: { ...l.fusion, input: to(l.fusion.input) } } : {}),
      })),
    masks: ir.masks.filter((m) => maskNames.has(m.name)),
    ...(readAtLast.length > 0 ? { readAtLast } : {}),
    ...(readAtEveryStep.length > 0 ? { readAtEveryStep } : {}),
  };
}
