/** What the interpreter gives for a batch, and how it is asked. */
import type { Weights } from "./batch.js";
import { rowsOf, type Carry, type Execution } from "./execution.js";
import { namedRecord } from "../../runtime/records.js";

export interface InterpretOptions {
  grad?: boolean;
  /** Values before the first step, left by the previous chunk of a stream. */
  carry?: Carry;
  /** With `grad`: report ||dL/d state|| per step and sequence (analysis of vanishing and exploding gradients). */
  stateGradNorms?: boolean;
}

export interface InterpretResult {
  /** Sum of the model's losses, or null for a model without one or a batch without its targets. */
  loss: number | null;
  /** A quantity's values at every step, [T][B][n] flattened. */
  quantity(name: string): Float64Array;
  grads?: Weights;
  /** With `stateGradNorms`: per state, the norm of dL/d(state at step t) for sequence b, [T][B] flattened (0 at padded steps). */
  stateGradNorms?: Record<string, Float64Array>;
  /** What this batch leaves for the next chunk of the same streams. */
  carry(): Carry;
}

/** A quantity's values at every step, [T][B][n] flattened. */
export function quantityValues(ex: Execution, name: string): Float64Array {
  const q = ex.ir.quantities.find((x) => x.name === name);
  if (!q) throw new Error(`no quantity named '${name}'`);
  const { T } = ex.batch;
  // [T][B][n], or for a quantity over another sequence's steps (attention) [T][B][S][n].
  const width = rowsOf(ex, ex.ir.nodes[q.node]!) * ex.ir.nodes[q.node]!.size;
  const out = new Float64Array(T * width);
  for (let t = 0; t < T; t++) out.set(ex.values[ex.graph.at(t, q.node)]!, t * width);
  return out;
}

/** Per state, ||adjoint|| of its value at each step for each sequence; a step never reached by the loss has 0. */
export function adjointNorms(
  ex: Execution,
  adjointOf: (id: number) => Float64Array | undefined,
): Record<string, Float64Array> {
  const { T, B } = ex.batch;
  const out = namedRecord<Float64Array>();
  for (const state of ex.ir.states) {
    const q = ex.ir.quantities.find((x) => x.name === state.name);
    if (!q) continue;
    const size = ex.ir.nodes[q.node]!.size;
    const norms = new Float64Array(T * B);
    for (let t = 0; t < T; t++) {
      const a = adjointOf(ex.graph.at(t, q.node));
      if (!a) continue;
      for (let b = 0; b < B; b++) {
        let sum = 0;
        for (let i = b * size; i < (b + 1) * size; i++) sum += a[i]! * a[i]!;
        norms[t * B + b] = Math.sqrt(sum);
      }
    }
    out[state.name] = norms;
  }
  return out;
}
