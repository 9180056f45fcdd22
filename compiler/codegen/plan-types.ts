/**
 * The plan's records of a node and of a fused product group (plan.ts makes them), apart from
 * plan.ts so that array-names.ts, which plan.ts calls, can read them without a cycle.
 */
import type { IrNode, NodeId } from "../ir/ir.js";

export interface NodePlan {
  node: IrNode;
  /** Has a value buffer (else: a leaf read in place, or a local inside its run's loop). */
  stored: boolean;
  /** The array holding its value (array-names.ts); a member of a shared group lives in its group's array. */
  buffer: string;
  /** A member of a shared product group (MatvecGroup.shared): its value and adjoint are the group's arrays. */
  inSharedGroup: boolean;
  stride: number;
  offset: number;
  /** History slots before step 0 (the longest delay reading this node). */
  pre: number;
  /**
   * Slots after the last step, for a quantity of the backward phase: what it holds past the
   * sequence (a state's initial value, read ahead; zero for any other), copied to padded rows.
   */
  post: number;
  /** Index of the element-wise run this node belongs to, or −1. */
  run: number;
  /**
   * Its adjoint: "steps" keeps one slot per step (delay sources, quantities, products), "step" one reused slot, "local"
   * a loop local; "summed" one slot that every step adds to (a product the same at every step, MatvecGroup.once, whose
   * derivatives are linear in it: they are taken once, of the sum).
   */
  adjoint: "steps" | "step" | "summed" | "local" | "none";
  adjointBuffer: string;
  /** Consumed by a node outside its own run (or by a delay, or scored by a loss). */
  readOutsideRun: boolean;
  /**
   * Its value is kept for the step being computed only (one slot): a value at every step of another sequence (B · S
   * rows a step) that no later loop over time, no derivative and no output reads.
   */
  oneStep: boolean;
  /**
   * The same at every step: a parameter spread over every step of another sequence (`spread_steps` of a bias or of
   * `va`), computed once before the loops over time into its one slot (so also oneStep), which every step reads.
   */
  invariant: boolean;
  /** It has an adjoint in the backward IR (a softmax read only by its fused loss has none). */
  receivesAdjoint: boolean;
  /**
   * In a run: the loop computing it. An activation computed by the `activateRows` kernel
   * (see `KernelActivations`) splits its run: it is applied between loops, before this one.
   */
  loop: number;
  /** Computed by the `activateRows` kernel over all rows of a step, not in a loop. */
  byKernel: boolean;
}

/** Matrix products sharing their right-hand blocks, computed as one product with stacked weights. */
export interface MatvecGroup {
  index: number;
  members: NodeId[];
  /** Output column offset of each member in the group's [B][rows] buffer. */
  offsets: number[];
  rows: number;
  blocks: { x: NodeId; col: number; width: number }[];
  /**
   * Uses its parameter directly: one member, one dense block spanning the whole matrix. A one-hot
   * block is always stacked, transposed ([width][rows]), so that a token's weights are one row.
   */
  direct: boolean;
  /**
   * Several members write one [B][rows] buffer (`buffer`, adjoint `adjointBuffer`). A product alone in its group
   * keeps its own buffer, laid out like any node's: history slots if a delay reads it, an
   * adjoint per step if it is a quantity.
   */
  shared: boolean;
  /**
   * Reads only another sequence's quantity at its every step (`Ua @ e[s]`) and keeps one step (NodePlan.oneStep): the
   * same at every step, it is computed once before the loop over time, and differentiated once after it.
   */
  once: boolean;
  /** A shared group's arrays of values and adjoints ("" for another). */
  buffer: string;
  adjointBuffer: string;
  /** The arrays of the stacked weights of each block, and of their gradients (none for a direct group). */
  stacked: string[];
  stackedGrads: string[];
  /**
   * Per block: the array of its weights transposed, [width][rows], where its product at every step is
   * taken as a combination of their rows (PlanOptions.narrowStepsByRows), else "".
   */
  transposed: string[];
}
