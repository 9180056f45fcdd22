/**
 * What an exported file needs to know about its model besides its equations: dims, inputs,
 * targets, parameters and their initialisers, states and what is read through delays,
 * quantities, losses, the sequences and the loops over time that compute them, the default
 * outputs of `run`, and the .rnn source with its hash (which rnnc's checkpoints record).
 * Written into the file as data (MODEL) for the runtime.
 */
import type { CheckedModel } from "../check/model.js";
import type { IrModel } from "../ir/ir.js";
import { defaultOutputs } from "../ir/outputs.js";
import { version } from "../version.js";
import { delayedSources, previousTargets } from "./ir-view.js";
import type { TimeLoop } from "./loops.js";

/** The .rnn file a model is exported from. */
export interface ExportSource {
  /** Its name as the checkpoint records it (the path given to rnnc). */
  file: string;
  text: string;
  sha256: string;
}

export function exportedModel(ir: IrModel, model: CheckedModel, source: ExportSource, loops: readonly TimeLoop[]) {
  const declaredDims = new Set(model.dims.map((d) => d.name));
  /** The dim a one-hot input's or class target's size is, when it is one dim (what rnnc fits to the data). */
  const roleDim = (symbol: string) => (declaredDims.has(symbol) ? symbol : undefined);
  return {
    name: ir.name,
    file: source.file,
    rnnc: version,
    sha256: source.sha256,
    dims: ir.dims,
    overrides: Object.fromEntries(model.dims.filter((d) => d.overridden).map((d) => [d.name, d.value])),
    role_dims: Object.fromEntries(
      [...model.inputs, ...model.targets].flatMap((x) => {
        const dim = roleDim(x.size.symbol);
        return dim ? [[x.name, dim]] : [];
      }),
    ),
    inputs: ir.inputs,
    targets: ir.targets,
    params: ir.params.map((p) => ({ name: p.name, shape: p.shape, init: p.init })),
    states: ir.states.map((s) => ({ name: s.name, size: s.size, init: s.init })),
    delayed: delayedSources(ir),
    quantities: ir.quantities.map((q) => {
      const n = ir.nodes[q.node]!;
      return { name: q.name, size: n.size, sequence: n.sequence ?? null, over: n.over ?? null };
    }),
    losses: ir.losses.map((l) => ({
      fn: l.fn,
      prediction: ir.quantities.find((q) => q.node === l.prediction)!.name,
      target: l.target,
      at: l.at,
      reduce: l.reduce,
      fused_with: l.fusion?.kind ?? null,
      sequence: ir.nodes[l.prediction]!.sequence ?? null,
    })),
    sequences: sequenceSpecs(loops),
    outputs: defaultOutputs(ir),
    source: source.text,
  };
}

/**
 * Each sequence in the order rnnc computes them (one, unnamed, in a model of one): what its
 * steps read (inputs, previous targets, delayed sources), its quantities, what the sequences
 * after it read of it, and its loops over time, backward first.
 */
function sequenceSpecs(loops: readonly TimeLoop[]) {
  const parts = [...new Set(loops.map((l) => l.part))];
  return parts.map((part) => {
    const own = loops.filter((l) => l.part === part);
    return {
      name: own[0]!.sequence ?? null,
      inputs: part.inputs.map((i) => i.name),
      previous_targets: previousTargets(part),
      delayed: delayedSources(part).map((d) => d.name),
      quantities: part.quantities.map((q) => q.name),
      read_at_last: part.readAtLast ?? [],
      read_at_every_step: part.readAtEveryStep ?? [],
      loops: own.map((l) => ({ method: l.method, backward: l.backward, losses: l.losses })),
    };
  });
}
