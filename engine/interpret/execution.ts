/**
 * The state of one interpreted batch: the unrolled graph, a value array per unrolled node
 * (B rows of the node's size), and the weight views that `matvec` blocks read.
 */
import type { IrModel, IrNode } from "../../compiler/ir/ir.js";
import type { UnrolledGraph } from "../../compiler/unroll/unroll.js";
import type { Batch, SequenceExtent, Weights } from "./batch.js";
import { ownValue } from "../../runtime/records.js";

/**
 * What one chunk of a stream leaves for the next (truncated BPTT): for each state and
 * delayed input, its last values, most recent first, one [B][size] array (ids for a one-hot
 * input) per step of its longest delay.
 */
export type Carry = Record<string, (Float64Array | Int32Array)[]>;

export interface Execution {
  ir: IrModel;
  graph: UnrolledGraph;
  batch: Batch;
  weights: Weights;
  /** Float values of each unrolled node, [B][size] (one number for a constant). */
  values: Float64Array[];
  /** Ids of each unrolled one-hot node, [B], −1 for "no id" (before the sequence). */
  ids: Int32Array[];
  /**
   * Contiguous copies of the column blocks of each matvec's parameter, by template node,
   * so every block is an ordinary [rows, cols] product. A single block is the parameter itself.
   */
  blockWeights: Map<number, Float64Array[]>;
  /** Values before the first step, from a previous chunk; absent: initial values. */
  carryIn?: Carry;
  /**
   * In a model of several sequences, the states of the sequences computed before this one at
   * their last real step ([B][n] by name): what `e[last]` reads (compiler/ir/sequences.ts).
   */
  context?: Record<string, Float64Array>;
  /** Attention: what the sequences computed before give this one at their every step (`e[s]`). */
  everyStep?: EveryStep;
  /** For each template node that holds a quantity: true (steps past a sequence's end keep its last value). */
  quantityNodes: Set<number>;
}

/**
 * The quantities of the sequences computed before, at every step, by name: [B][S][n], example
 * by example (each example's padding as the forward pass left it), and the steps and lengths
 * of each such sequence, by its step variable.
 */
export interface EveryStep {
  values: Record<string, Float64Array>;
  extents: Record<string, SequenceExtent>;
}

/** The rows of a node's value: one per example, or one per example and step of the other sequence it runs over. */
export function rowsOf(ex: Execution, n: IrNode): number {
  return n.over === undefined ? ex.batch.B : ex.batch.B * extentOf(ex, n.over).T;
}

/** The steps and lengths of another sequence this one reads at every step. */
export function extentOf(ex: Execution, sequence: string): SequenceExtent {
  const extent = ex.everyStep?.extents[sequence];
  if (!extent) throw new Error(`internal error: sequence ${sequence} is read at every step before it was computed`);
  return extent;
}

/** What the previous chunk left for a state or input, when a carry was given and holds it. */
export function carriedIn(ex: Execution, source: string): Carry[string] | undefined {
  return ex.carryIn ? ownValue(ex.carryIn, source) : undefined;
}

export function templateOf(ex: Execution, unrolledId: number): IrNode {
  return ex.ir.nodes[ex.graph.nodes[unrolledId]!.template]!;
}

/** Splits W [M, N] into the column blocks a matvec multiplies. */
export function splitColumns(
  w: Float64Array,
  rows: number,
  cols: number,
  blocks: { col: number; width: number }[],
): Float64Array[] {
  if (blocks.length === 1) return [w];
  return blocks.map(({ col, width }) => {
    const out = new Float64Array(rows * width);
    for (let i = 0; i < rows; i++) out.set(w.subarray(i * cols + col, i * cols + col + width), i * width);
    return out;
  });
}

/** The adjoint of {@link splitColumns}: adds block gradients back into the full gradient. */
export function addColumnBlocks(
  dw: Float64Array,
  rows: number,
  cols: number,
  blocks: { col: number; width: number }[],
  parts: Float64Array[],
): void {
  blocks.forEach(({ col, width }, k) => {
    const part = parts[k]!;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < width; j++) dw[i * cols + col + j] += part[i * width + j]!;
    }
  });
}
