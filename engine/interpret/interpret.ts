/**
 * The interpreter: the living definition of what a model computes. Forward over a batch,
 * the loss, and (on request) BPTT gradients for every parameter.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { missingTarget, requireTargets, requireWholeSequences, type Batch, type Weights } from "./batch.js";
import { runBackward } from "./backward.js";
import type { Carry, Execution } from "./execution.js";
import { runForward, valueBefore } from "./forward.js";
import { namedRecord } from "../../runtime/records.js";
import { scoreLoss } from "./score.js";
import { adjointNorms, quantityValues, type InterpretOptions, type InterpretResult } from "./results.js";
import { interpretSequences } from "./sequences.js";

export { quantityValues, type InterpretOptions, type InterpretResult } from "./results.js";
import { describeBatch, interpreterNeed, requireMemory } from "../memory.js";

export function interpret(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
  options: InterpretOptions = {},
): InterpretResult {
  if (ir.sequences) return interpretSequences(ir, weights, batch, options);
  if (options.grad) requireTargets(ir, batch);
  if (options.carry) requireWholeSequences(ir, "continuing sequences from a previous chunk");
  requireMemory(
    interpreterNeed(ir, batch.T, batch.B, Boolean(options.grad)),
    `${describeBatch(batch.T, batch.B)} on the interpreter`,
    "shorten the sequences or batch fewer of them",
  );
  const ex = runForward(ir, batch, weights, options.carry);
  const scored = ir.losses.length > 0 && missingTarget(ir, batch) === undefined;
  const loss = scored ? ir.losses.reduce((total, l) => total + scoreLoss(ex, l), 0) : null;
  let stateGradNorms: Record<string, Float64Array> | undefined;
  const grads = options.grad
    ? runBackward(
        ex,
        options.stateGradNorms ? (adjointOf) => (stateGradNorms = adjointNorms(ex, adjointOf)) : undefined,
      )
    : undefined;
  return {
    loss,
    quantity: (name) => quantityValues(ex, name),
    carry: () => carryOut(ex),
    ...(grads ? { grads } : {}),
    ...(stateGradNorms ? { stateGradNorms } : {}),
  };
}

/** For each state and delayed input, its values at each row's last real steps (most recent first). */
export function carryOut(ex: Execution): Carry {
  const { B, lengths } = ex.batch;
  const carry: Carry = namedRecord();
  for (const n of ex.ir.nodes) {
    if (n.op !== "delay" || carry[n.source]) continue;
    const source = n.source;
    const delays = ex.ir.nodes.filter((m): m is typeof n => m.op === "delay" && m.source === source);
    const depth = Math.max(...delays.map((m) => m.steps));
    const state = ex.ir.quantities.find((q) => q.name === source);
    const node = state ? state.node : ex.ir.nodes.find((m) => m.op === "input" && m.input === source)!.id;
    const width = n.onehot ? 1 : n.size;
    const valueAt = (step: number) => (n.onehot ? ex.ids : ex.values)[ex.graph.at(step, node)]!;
    carry[source] = Array.from({ length: depth }, (_, j) => {
      const out = n.onehot ? new Int32Array(B) : new Float64Array(B * width);
      for (let b = 0; b < B; b++) {
        const step = lengths[b]! - 1 - j;
        const from = step >= 0 ? valueAt(step) : valueBefore(ex, source, -step, n.size, n.onehot);
        for (let i = 0; i < width; i++) out[b * width + i] = from[b * width + i]!;
      }
      return out;
    });
  }
  return carry;
}
