/**
 * ||dL/dh_t||: how much the loss depends on each state at each step, from the interpreter's
 * backward pass. For a loss at the last step this is the gradient signal that reaches step t
 * after travelling back T − 1 − t steps, so it falls geometrically when gradients vanish and
 * grows when they explode.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { stepsOf, type Batch, type Weights } from "../interpret/batch.js";
import { interpret } from "../interpret/interpret.js";

export interface StateGradientNorms {
  state: string;
  /** Per step (of its own sequence's): the norm over the whole batch, sqrt(Σ_b ||dL/dh_t[b]||²). */
  perStep: Float64Array;
  /** In a model of several sequences, the step variable of the one it runs over. */
  sequence?: string;
}

export function stateGradientNorms(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
): { loss: number; norms: StateGradientNorms[] } {
  const r = interpret(ir, weights, batch, { grad: true, stateGradNorms: true });
  const { B } = batch;
  const norms = Object.entries(r.stateGradNorms ?? {}).map(([state, values]) => {
    const sequence = ir.nodes[ir.quantities.find((q) => q.name === state)!.node]!.sequence;
    const T = stepsOf(batch, sequence);
    const perStep = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let b = 0; b < B; b++) sum += values[t * B + b]! ** 2;
      perStep[t] = Math.sqrt(sum);
    }
    return { state, perStep, ...(sequence !== undefined ? { sequence } : {}) };
  });
  return { loss: r.loss ?? NaN, norms };
}
