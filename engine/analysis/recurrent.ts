/**
 * The recurrent matrices of a model, found in the IR: each column block of a matvec that
 * multiplies a delayed state of the same size as the product (`W @ h[t-1]`, the `h[t-1]`
 * block of `W_i @ [h[t-1], x]`). Their spectra govern how a signal, and the gradient
 * flowing back, grows or shrinks per step: a radius below 1 shrinks it (vanishing), above 1
 * can grow it (exploding), before the activation's slope is counted.
 */
import { matvecBlocks, type IrModel } from "../../compiler/ir/ir.js";
import { nodeKind } from "../../compiler/ops/registry.js";
import type { Weights } from "../interpret/batch.js";
import { eigenvalues, modulus, spectralNorm, type Complex } from "./eigen.js";

export interface RecurrentMatrix {
  /** The parameter and the columns of it that multiply the delayed state. */
  param: string;
  col: number;
  size: number;
  /** The state read, and how many steps back. */
  state: string;
  delay: number;
  /** What the product computes, for tables: `h.W_i[:, 0:24] @ h[t-1]`. */
  label: string;
  /** The equation it appears in, as written. */
  origin: string;
}

export function recurrentMatrices(ir: IrModel): RecurrentMatrix[] {
  const out: RecurrentMatrix[] = [];
  const seen = new Set<string>();
  const stateNames = new Set(ir.states.map((s) => s.name));
  for (const n of ir.nodes) {
    if (n.op !== "apply" || nodeKind(n) !== "matvec") continue;
    const p = ir.params.find((q) => q.name === n.param)!;
    for (const block of matvecBlocks(ir, n)) {
      const x = ir.nodes[block.x]!;
      if (x.op !== "delay" || !stateNames.has(x.source) || x.size !== n.size) continue;
      const key = `${p.name}:${block.col}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const whole = block.col === 0 && x.size === p.shape[1];
      const label = `${p.name}${whole ? "" : `[:, ${block.col}:${block.col + x.size}]`} @ ${x.source}[t-${x.steps}]`;
      out.push({
        param: p.name,
        col: block.col,
        size: x.size,
        state: x.source,
        delay: x.steps,
        label,
        origin: n.origin,
      });
    }
  }
  return out;
}

/** The square block of a recurrent matrix, row-major. */
export function recurrentBlock(ir: IrModel, weights: Weights, m: RecurrentMatrix): Float64Array {
  const p = ir.params.find((q) => q.name === m.param)!;
  const cols = p.shape[1]!;
  const w = weights[m.param]!;
  const out = new Float64Array(m.size * m.size);
  for (let i = 0; i < m.size; i++) out.set(w.subarray(i * cols + m.col, i * cols + m.col + m.size), i * m.size);
  return out;
}

export interface Spectrum {
  matrix: RecurrentMatrix;
  eigenvalues: Complex[];
  spectralRadius: number;
  /** Largest singular value ||W||₂ (bounds the growth of any vector in one step). */
  spectralNorm: number;
}

export function spectra(ir: IrModel, weights: Weights): Spectrum[] {
  return recurrentMatrices(ir).map((matrix) => {
    const block = recurrentBlock(ir, weights, matrix);
    const values = eigenvalues(block, matrix.size);
    return {
      matrix,
      eigenvalues: values,
      spectralRadius: values.length ? modulus(values[0]!) : 0,
      spectralNorm: spectralNorm(block, matrix.size, matrix.size),
    };
  });
}
