/**
 * What the interpreter and generated code run on: a batch of B sequences of T steps,
 * time-major like PyTorch, and the parameters, each a flat row-major array.
 */
import { isBidirectional, type IrModel } from "../../compiler/ir/ir.js";

export type InputData = { kind: "onehot"; ids: Int32Array } | { kind: "dense"; values: Float64Array };

export type TargetData = { kind: "class"; ids: Int32Array } | { kind: "real"; values: Float64Array };

export interface Batch {
  T: number;
  B: number;
  /** Per input: ids [T][B] (flattened t·B + b), or values [T][B][n]. */
  inputs: Record<string, InputData>;
  /** Per target: [B] (or [B][K]) for a loss at last, [T][B] (or [T][B][K]) for one at each. */
  targets: Record<string, TargetData>;
  /**
   * The dropouts' masks while training, per mask of the IR, [T][B][n] (engine/train/masks.ts);
   * without them every mask is all ones: the identity, as in every run but training.
   */
  masks?: Record<string, Float64Array>;
  /** Real length of each sequence, 1 ≤ lengths[b] ≤ T. */
  lengths: Int32Array;
  /**
   * A model of several sequences (IrModel.sequences): each one's steps and lengths, by its step
   * variable (example b's source and target have lengths of their own); `T` and `lengths` are
   * then those of the sequence computed last. Inputs and targets are [T][B] of their own sequence.
   */
  sequences?: Record<string, SequenceExtent>;
}

/** The padded length and the real lengths of one sequence of a batch. */
export interface SequenceExtent {
  T: number;
  lengths: Int32Array;
}

/** Parameters by name, flat row-major, shapes as declared. */
export type Weights = Record<string, Float64Array>;

/** The padded steps of a sequence of the batch (a node's `sequence`; the batch's `T` in a model of one). */
export function stepsOf(batch: Pick<Batch, "T" | "sequences">, sequence: string | undefined): number {
  return sequence !== undefined && batch.sequences ? batch.sequences[sequence]!.T : batch.T;
}

/** The real lengths of a sequence of the batch (a node's `sequence`; the batch's `lengths` in a model of one). */
export function lengthsOf(batch: Pick<Batch, "lengths" | "sequences">, sequence: string | undefined): Int32Array {
  return sequence !== undefined && batch.sequences ? batch.sequences[sequence]!.lengths : batch.lengths;
}

export function fullLengths(T: number, B: number): Int32Array {
  return new Int32Array(B).fill(T);
}

/** The target of the first loss a batch cannot score (it has no data for that target), if any. */
export function missingTarget(ir: Pick<IrModel, "losses">, batch: Pick<Batch, "targets">): string | undefined {
  return ir.losses.find((l) => !batch.targets[l.target])?.target;
}

/** A batch run without every scored target has outputs but no loss, and so no gradient. */
export function requireTargets(ir: Pick<IrModel, "losses">, batch: Pick<Batch, "targets">): void {
  const missing = missingTarget(ir, batch);
  if (missing !== undefined) throw new Error(`a gradient needs the batch's targets, and it has no target '${missing}'`);
}

/** A batch for a model without inputs: B sequences of T steps of nothing but the recurrence (no targets). */
export function inputlessBatch(T: number, B = 1): Batch {
  return { T, B, inputs: {}, targets: {}, lengths: fullLengths(T, B) };
}

/**
 * A model with a backward phase (a state read at [t+k]) reads each sequence to its end before
 * its first output, and one of several sequences reads each to its end before the next: neither
 * can continue a sequence chunk by chunk (streams, sampling).
 */
export function requireWholeSequences(ir: Pick<IrModel, "name" | "states" | "sequences">, what: string): void {
  if (ir.sequences)
    throw new Error(
      `${what} needs a model of one sequence: ${ir.name} reads sequences ${ir.sequences.join(", ")}, each to its end before the next`,
    );
  if (!isBidirectional(ir)) return;
  const ahead = ir.states.filter((s) => (s.maxAhead ?? 0) > 0).map((s) => `${s.name}[t+${s.maxAhead}]`);
  throw new Error(
    `${what} needs a model that runs forwards only: ${ir.name} reads ${ahead.join(", ")}, so each sequence is read to its end before its first step is computed`,
  );
}
