/** The interpreter as a `ModelBackend`: the reference every other backend is tested against. */
import type { IrModel } from "../compiler/ir/ir.js";
import { interpret } from "./interpret/interpret.js";
import type { Batch, Weights } from "./interpret/batch.js";
import type { Carry } from "./interpret/execution.js";
import type { GradientResult, ModelBackend } from "./model-backend.js";

export function interpreterBackend(ir: IrModel): ModelBackend {
  return {
    name: "interp",
    ir,
    forward: (weights, batch, carry) => interpret(ir, weights, batch, carry ? { carry } : {}),
    lossAndGrad,
    gradientStep: lossAndGrad,
  };

  function lossAndGrad(weights: Weights, batch: Batch, carry?: Carry): GradientResult {
    if (ir.losses.length === 0) throw new Error("the model declares no loss, so it has no gradient");
    const r = interpret(ir, weights, batch, { grad: true, ...(carry ? { carry } : {}) });
    return { ...r, loss: r.loss!, grads: r.grads! };
  }
}
