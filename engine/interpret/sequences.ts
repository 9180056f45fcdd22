/**
 * A model of several sequences (a source and a target of another length): each sequence is a
 * model of its own (compiler/ir/sequences.ts), run over its own steps and lengths in the order
 * they are computed. What a sequence reads of another, `e[last]`, is that state at each
 * example's last real step; backwards, what those reads received goes to e's adjoint there,
 * so the sequences' backward passes run in the reverse order.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { sequenceModels } from "../../compiler/ir/sequences.js";
import { namedRecord } from "../../runtime/records.js";
import { describeBatch, interpreterNeed, requireMemory } from "../memory.js";
import { runBackward, type SequenceAdjoints } from "./backward.js";
import { missingTarget, requireTargets, type Batch, type Weights } from "./batch.js";
import type { EveryStep, Execution } from "./execution.js";
import { runForward } from "./forward.js";
import { adjointNorms, quantityValues, type InterpretOptions, type InterpretResult } from "./results.js";
import { scoreLoss } from "./score.js";

export function interpretSequences(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
  options: InterpretOptions,
): InterpretResult {
  if (options.carry)
    throw new Error(`${ir.name} reads several sequences, each to its end: it cannot continue them chunk by chunk`);
  if (options.grad) requireTargets(ir, batch);
  const context = namedRecord<Float64Array>();
  const everyStep: EveryStep = { values: namedRecord(), extents: namedRecord() };
  const runs: Execution[] = [];
  for (const { sequence, ir: model } of sequenceModels(ir)) {
    const part = batchOf(batch, model, sequence);
    requireMemory(
      interpreterNeed(
        model,
        part.T,
        part.B,
        Boolean(options.grad),
        Object.fromEntries(Object.entries(everyStep.extents).map(([s, e]) => [s, e.T])),
      ),
      `${describeBatch(part.T, part.B)} of sequence ${sequence} on the interpreter`,
      "shorten the sequences or batch fewer of them",
    );
    const ex = runForward(model, part, weights, undefined, context, everyStep);
    keepForLater(ex, sequence, context, everyStep);
    runs.push(ex);
  }
  const scored = ir.losses.length > 0 && missingTarget(ir, batch) === undefined;
  const loss = scored
    ? runs.reduce((total, ex) => ex.ir.losses.reduce((sum, l) => sum + scoreLoss(ex, l), total), 0)
    : null;
  const stateGradNorms = options.stateGradNorms ? namedRecord<Float64Array>() : undefined;
  const grads = options.grad ? backward(ir, runs, stateGradNorms) : undefined;
  return {
    loss,
    quantity: (name) => {
      const ex = runs.find((r) => r.ir.quantities.some((q) => q.name === name));
      if (!ex) throw new Error(`no quantity named '${name}'`);
      return quantityValues(ex, name);
    },
    carry: () => {
      throw new Error(`${ir.name} reads several sequences: there is nothing to carry into a next chunk`);
    },
    ...(grads ? { grads } : {}),
    ...(grads && stateGradNorms ? { stateGradNorms } : {}),
  };
}

/**
 * The sequences' backward passes, last computed first: each sends its sources' adjoints at their
 * last step (and, read by attention, at every step) back. With `norms`, each state's ||dL/dh_t||
 * over its own sequence's steps goes there.
 */
function backward(ir: IrModel, runs: readonly Execution[], norms?: Record<string, Float64Array>): Weights {
  const sequences: SequenceAdjoints = { received: namedRecord(), receivedAtEveryStep: namedRecord() };
  const grads = namedRecord(ir.params.map((p) => [p.name, new Float64Array(p.shape.reduce((a, b) => a * b, 1))]));
  for (const ex of [...runs].reverse()) {
    const observe = norms
      ? (adjointOf: (id: number) => Float64Array | undefined) => Object.assign(norms, adjointNorms(ex, adjointOf))
      : undefined;
    const part = runBackward(ex, observe, sequences);
    for (const [name, g] of Object.entries(part)) {
      const into = grads[name]!;
      for (let i = 0; i < g.length; i++) into[i] += g[i]!;
    }
  }
  return grads;
}

/** The batch of one sequence: its steps, lengths, inputs, targets and masks. */
export function batchOf(batch: Batch, model: IrModel, sequence: string): Batch {
  const extent = batch.sequences?.[sequence];
  if (!extent)
    throw new Error(
      `the batch has no sequence '${sequence}' (the model reads sequences ${Object.keys(batch.sequences ?? {}).join(", ") || "none"})`,
    );
  const pick = <V>(all: Record<string, V> | undefined, names: readonly string[]) =>
    namedRecord<V>(names.filter((n) => all?.[n] !== undefined).map((n) => [n, all![n]!]));
  const masks = batch.masks
    ? {
        masks: pick(
          batch.masks,
          model.masks.map((m) => m.name),
        ),
      }
    : {};
  return {
    T: extent.T,
    B: batch.B,
    lengths: extent.lengths,
    inputs: pick(
      batch.inputs,
      model.inputs.map((i) => i.name),
    ),
    targets: pick(
      batch.targets,
      model.targets.map((t) => t.name),
    ),
    ...masks,
  };
}

/**
 * What the sequences after this one read of it: its states at their last step (`e[last]`, into
 * `context`), its quantities at every step and its steps and lengths (attention's `e[s]`).
 */
export function keepForLater(
  ex: Execution,
  sequence: string,
  context: Record<string, Float64Array>,
  everyStep: EveryStep,
): void {
  for (const name of ex.ir.readAtLast ?? []) context[name] = atLastStep(ex, name);
  for (const name of ex.ir.readAtEveryStep ?? []) everyStep.values[name] = atEveryStep(ex, name);
  everyStep.extents[sequence] = { T: ex.batch.T, lengths: ex.batch.lengths };
}

/** A quantity at every step, [B][T][n], example by example: what attention reads as `e[s]`. */
export function atEveryStep(ex: Execution, name: string): Float64Array {
  const { B, T } = ex.batch;
  const node = ex.ir.quantities.find((q) => q.name === name)!.node;
  const size = ex.ir.nodes[node]!.size;
  const out = new Float64Array(B * T * size);
  for (let t = 0; t < T; t++) {
    const step = ex.values[ex.graph.at(t, node)]!;
    for (let b = 0; b < B; b++) out.set(step.subarray(b * size, (b + 1) * size), (b * T + t) * size);
  }
  return out;
}

/** A state at each example's last real step, [B][n]. */
export function atLastStep(ex: Execution, name: string): Float64Array {
  const { B, lengths } = ex.batch;
  const node = ex.ir.quantities.find((q) => q.name === name)!.node;
  const size = ex.ir.nodes[node]!.size;
  const out = new Float64Array(B * size);
  for (let b = 0; b < B; b++) {
    const step = ex.values[ex.graph.at(lengths[b]! - 1, node)]!;
    out.set(step.subarray(b * size, (b + 1) * size), b * size);
  }
  return out;
}
