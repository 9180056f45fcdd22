/**
 * The interpreter: the living definition of what a model computes. Forward over a batch,
 * the loss, and (on request) BPTT gradients for every parameter.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Batch, Weights } from "./batch.js";
import { runBackward } from "./backward.js";
import type { Execution } from "./execution.js";
import { runForward } from "./forward.js";
import { scoreLoss } from "./score.js";

export interface InterpretResult {
  /** Sum of the model's losses, or null for a model without one. */
  loss: number | null;
  /** A quantity's values at every step, [T][B][n] flattened. */
  quantity(name: string): Float64Array;
  grads?: Weights;
}

export function interpret(ir: IrModel, weights: Weights, batch: Batch, options: { grad?: boolean } = {}): InterpretResult {
  const ex = runForward(ir, batch, weights);
  const loss = ir.losses.length === 0 ? null : ir.losses.reduce((total, l) => total + scoreLoss(ex, l, null), 0);
  const grads = options.grad ? runBackward(ex) : undefined;
  return { loss, quantity: (name) => quantityValues(ex, name), ...(grads ? { grads } : {}) };
}

function quantityValues(ex: Execution, name: string): Float64Array {
  const q = ex.ir.quantities.find((x) => x.name === name);
  if (!q) throw new Error(`no quantity named '${name}'`);
  const { T, B } = ex.batch;
  const size = ex.ir.nodes[q.node]!.size;
  const out = new Float64Array(T * B * size);
  for (let t = 0; t < T; t++) out.set(ex.values[ex.graph.at(t, q.node)]!, t * B * size);
  return out;
}
