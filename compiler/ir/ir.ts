/**
 * The IR: one time step of the model (the step template) as a typed dataflow graph, with
 * delay nodes standing for edges to earlier steps. Every backend consumes this and only
 * this: the interpreter, the code generator, the graph drawer.
 *
 * A node is a leaf (an input, a delay, a parameter, a constant) or the application of an
 * operation of the registry (compiler/ops) to earlier nodes. Values are vectors, one per
 * sequence of the batch; a scalar is a constant (folded at lowering). Matrices appear only
 * inside `matvec`, which multiplies a parameter by the concatenation of its operands (its
 * column blocks), so `W @ [h[t-1], x]` never builds the concatenation and a one-hot block
 * becomes a column lookup.
 */
import type { InitSpec } from "../../runtime/init.js";

export type NodeId = number;

export type IrOp =
  /**
   * The input's value at this step: ids for a one-hot input, a vector for a dense one. With
   * `fromTarget`, target `input`'s value (a class as one-hot ids, or a real vector), which an
   * equation reads only through a delay, `y[t-1]`: the previous target while training (teacher
   * forcing), the model's own previous prediction when it generates (engine/interpret/generate.ts).
   */
  | { op: "input"; input: string; fromTarget?: true }
  /**
   * The value of a state (or input) `steps` steps ago; before the sequence starts, the state's
   * initial value (inputs: zero). With `ahead`, the state's value `steps` steps later, and its
   * initial value past the sequence's last real step: the state runs backwards in time.
   */
  | { op: "delay"; source: string; steps: number; ahead?: boolean }
  /** A vector parameter, the same for every sequence of the batch. */
  | { op: "param"; param: string }
  /**
   * `e[last]`: state `source` of another sequence (computed before this one) at that
   * sequence's last real step; the same at every step of this one.
   */
  | { op: "last"; source: string }
  /**
   * A dropout mask's value at this step (see `IrMask`): what training drew, 1/(1 − p) or 0 per
   * element; all ones in every other run.
   */
  | { op: "mask"; mask: string }
  /** A scalar constant; broadcasts in element-wise operations. */
  | { op: "const"; value: number }
  /**
   * The op `fn` of the registry applied to `args`. `param` is the matrix of a `matvec`, whose
   * operands are its column blocks in order. `identity` only appears where a quantity would
   * otherwise be a leaf or a row-wise op would read a parameter: see `lower.ts`.
   */
  | { op: "apply"; fn: string; args: NodeId[]; param?: string; axis?: string }
  /**
   * Quantity `source` of another sequence (computed before this one) at every one of its steps:
   * a row per example and step of it (`IrNode.over`), what attention reads as `e[s]`.
   */
  | { op: "steps"; source: string };

/** A column block of a matvec: operand x multiplies the parameter's columns col .. col + width. */
export interface MatvecBlock {
  x: NodeId;
  col: number;
  width: number;
}

export type IrNode = IrOp & {
  id: NodeId;
  /** Vector length; 1 for a scalar constant. */
  size: number;
  scalar: boolean;
  /** A one-hot input's ids (only `input` and `delay` of a one-hot input). */
  onehot: boolean;
  /** The source equation this node computes, as written, for comments and the printer. */
  origin: string;
  /**
   * Computed in the backward phase: for every step from the last down to the first, before
   * the forward phase (a state read ahead, and what its equation reads at the same step).
   */
  backward?: boolean;
  /**
   * In a model of several sequences (`IrModel.sequences`), the step variable of the sequence
   * this node is computed over; parameters and constants have none (every sequence reads them).
   */
  sequence?: string;
  /**
   * Attention: the step variable of another sequence this node has a value at every step of,
   * at each step of its own: its rows are one per example and step of that sequence (B × S,
   * example by example) instead of one per example.
   */
  over?: string;
};

export interface IrInput {
  name: string;
  encoding: "onehot" | "dense";
  size: number;
  /** Its sequence's step variable, in a model of several sequences. */
  sequence?: string;
}

export interface IrTarget {
  name: string;
  kind: "class" | "real";
  size: number;
  /** Its sequence's step variable, in a model of several sequences. */
  sequence?: string;
}

/** A dropout's mask: drawn while training from the seeded generator, per step or once per sequence. */
export interface IrMask {
  /** `dropout1`, `dropout2`, ... in source order: how a batch's `masks` name it. */
  name: string;
  size: number;
  /** The probability of dropping an element. */
  p: number;
  /** A new mask at every step, or one per sequence reused at every step (variational dropout). */
  per: "step" | "sequence";
  /** The dropout as written (`dropout(h, p = 0.3)` in `o = ...`), for comments and the docs. */
  origin: string;
}

export interface IrParam {
  name: string;
  shape: number[];
  init: InitSpec;
  /** Set when this parameter is the learned initial value of a state. */
  initialStateOf?: string;
}

export type IrStateInit =
  | { kind: "zeros" }
  | { kind: "constant"; value: number }
  | { kind: "learned"; param: string }
  /** State `source` of a sequence computed before, at its last real step (`= e[last]`). */
  | { kind: "last"; source: string };

export interface IrState {
  name: string;
  size: number;
  init: IrStateInit;
  /** How many past steps are read (2 for `h[t-2]`). */
  maxDelay: number;
  /** How many later steps are read (1 for `h[t+1]`): a state read ahead runs backwards. */
  maxAhead?: number;
}

/** A named value of the step: the result of an equation. States are the quantities read through delays. */
export interface IrQuantity {
  name: string;
  node: NodeId;
  gate: boolean;
}

export type Reduction = "mean" | "sum";

export interface IrLoss {
  /** A loss of the registry. */
  fn: string;
  /** The quantity scored. */
  prediction: NodeId;
  /**
   * For a fused form of the loss (compiler/ops/losses.ts), the op that defines the prediction
   * and its operand, which the loss is computed from: cross_entropy of softmax(z) from z.
   */
  fusion?: { kind: string; input: NodeId };
  target: string;
  at: "last" | "each";
  reduce: Reduction;
}

export interface IrModel {
  name: string;
  dims: Record<string, number>;
  inputs: IrInput[];
  targets: IrTarget[];
  params: IrParam[];
  states: IrState[];
  /** Topological order: every node's operands come before it. */
  nodes: IrNode[];
  quantities: IrQuantity[];
  losses: IrLoss[];
  /** The dropouts' masks, in source order. */
  masks: IrMask[];
  /**
   * A model of several sequences: their step variables, in the order they are computed
   * (compiler/ir/sequences.ts splits it into one model per sequence). Absent for one sequence.
   */
  sequences?: string[];
  /**
   * In the model of one sequence split from several: its states that a later sequence reads at
   * their last step. Their adjoints there are what that sequence sent back.
   */
  readAtLast?: string[];
  /**
   * In the model of one sequence split from several: its quantities that a later sequence reads
   * at every step (attention, `steps` leaves). Their adjoints at each step are what that sequence sent back.
   */
  readAtEveryStep?: string[];
}

export type ApplyNode = IrNode & { op: "apply" };

/** The operands of a node, in order (none for a leaf). */
export function operands(n: IrNode): readonly NodeId[] {
  return n.op === "apply" ? n.args : [];
}

/** Whether the model has a backward phase (a state read ahead). */
export function isBidirectional(ir: Pick<IrModel, "states">): boolean {
  return ir.states.some((s) => (s.maxAhead ?? 0) > 0);
}

/** Whether a node is the application of the op `fn`. */
export function applies(n: IrNode | undefined, fn: string): n is ApplyNode {
  return n?.op === "apply" && n.fn === fn;
}

/** The column blocks of a matvec, with their widths. */
export function matvecBlocks(ir: IrModel, n: ApplyNode): MatvecBlock[] {
  let col = 0;
  return n.args.map((x) => {
    const width = ir.nodes[x]!.size;
    const block = { x, col, width };
    col += width;
    return block;
  });
}

export function paramSize(p: IrParam): number {
  return p.shape.reduce((a, b) => a * b, 1);
}
