/**
 * ‖h_t‖ for every state of a model without inputs, run from its initial state: the
 * lecture's eigenvalue argument made visible. For the linear recurrence h_t = W h_{t−1},
 * h_t = W^t h_0, so ‖h_t‖ grows or shrinks like ρ(W)^t (h_t turns towards the eigenvectors
 * of the eigenvalues of largest modulus, and ‖h_t‖ / ‖h_{t−1}‖ towards ρ).
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { inputlessBatch, type Weights } from "../interpret/batch.js";
import { runForward, valueBefore } from "../interpret/forward.js";
import { quantityValues } from "../interpret/interpret.js";

export interface StateNorms {
  state: string;
  /** ‖h_t‖ for t = 0 (the initial state) to T. */
  perStep: Float64Array;
}

export function freeRunNorms(ir: IrModel, weights: Weights, T: number): StateNorms[] {
  if (ir.inputs.length > 0) throw new Error(`model ${ir.name} reads inputs; only a model without any runs free`);
  const ex = runForward(ir, inputlessBatch(T), weights);
  return ir.states.map((s) => {
    const perStep = new Float64Array(T + 1);
    perStep[0] = norm(valueBefore(ex, s.name, 1, s.size, false));
    const values = quantityValues(ex, s.name);
    for (let t = 1; t <= T; t++) perStep[t] = norm(values.subarray((t - 1) * s.size, t * s.size));
    return { state: s.name, perStep };
  });
}

function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! ** 2;
  return Math.sqrt(sum);
}
