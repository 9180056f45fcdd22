/**
 * The checked model: what the checker hands to lowering and the language server. Every
 * size is a number (dims resolved, overrides applied) with its symbolic form beside it, so
 * messages and hover can say `[H, H + D] = [128, 160]`.
 */
import type * as A from "../../grammar/ast.js";
import type { InitSpec } from "../../runtime/init.js";
import type { Reduction } from "../ops/op.js";
import type { Size, ValueType } from "../ops/shapes.js";
import type { CellExpansion } from "../expand/expand.js";

export interface DimInfo {
  name: string;
  value: number;
  decl: A.DimDecl;
  /** Set from the command line (`--dim H=128`) rather than the file. */
  overridden: boolean;
}

export type { Size, ValueType };

export interface InputInfo {
  name: string;
  encoding: "onehot" | "dense";
  size: Size;
  /** The step variable of its sequence: `t`, or `s` for `input x[s] : ...`. */
  sequence: string;
  decl: A.InputDecl;
}

export interface TargetInfo {
  name: string;
  kind: "class" | "real";
  size: Size;
  /** The step variable of its sequence: `t`, or `u` for `target y[u] : ...`. */
  sequence: string;
  decl: A.TargetDecl;
}

export interface ParamInfo {
  name: string;
  shape: Size[];
  init: InitSpec;
  decl: A.ParamDecl | A.StateDecl;
  /** Set for the parameter that a `learned` initial state creates (`h.init`). */
  initialStateOf?: string;
}

export type StateInit =
  | { kind: "zeros" }
  | { kind: "constant"; value: number }
  | { kind: "learned"; param: string }
  /** `= e[last]`: state `source` of another sequence at that sequence's last real step. */
  | { kind: "last"; source: string };

export interface StateInfo {
  name: string;
  size: Size;
  init: StateInit;
  /** The longest delay it is read through (2 for `h[t-2]`): how many past steps to keep. */
  maxDelay: number;
  /** The longest read ahead (2 for `h[t+2]`): a state read ahead runs backwards in time. */
  maxAhead: number;
  decl: A.StateDecl;
}

export interface QuantityInfo {
  name: string;
  gate: boolean;
  size: Size;
  equation: A.Equation;
  /** Quantities read at the same step, in source order without repeats. */
  sameStepReads: string[];
  /** The step variable of the sequence it runs over (compiler/check/sequences.ts). */
  sequence: string;
  /**
   * Attention: the step variable of another sequence it has a value at every step of, at each
   * of its own steps (it reads `e[s]`, or a quantity that does, unreduced: attention.ts).
   */
  over?: string;
}

export interface LossInfo {
  /** A loss of the registry. */
  fn: string;
  prediction: string;
  target: string;
  at: "last" | "each";
  reduce: Reduction;
  /** The op that defines the prediction when a fused form of the loss computes it from that op's operand (softmax for cross_entropy). */
  fusedWith?: string;
  decl: A.LossDecl;
}

/** A use of a name in an equation or loss: what hover's "used by" and find-references list. */
export interface NameUse {
  name: string;
  range: A.Range;
  /** The equation's name, or `loss` for a loss declaration. */
  usedBy: string;
  /** 0 for a same-step read, k for `[t-k]`, −k for `[t+k]`. */
  delay: number;
  /** A delay written with a sequence's own step variable (`e[s-1]`): that variable. */
  step?: string;
  /** `e[last]`: read at the last real step of its sequence. */
  last?: true;
  /**
   * `e[s]`: written with the step variable of a sequence other than `t`: in an equation of another
   * sequence, `e` at every step of its own (attention); in one of sequence `s`, its current step.
   */
  at?: string;
}

export interface CheckedModel {
  name: string;
  decl: A.ModelDecl;
  dims: DimInfo[];
  inputs: InputInfo[];
  targets: TargetInfo[];
  /** Declared parameters, then learned initial states. */
  params: ParamInfo[];
  states: StateInfo[];
  /** In an order where every same-step read comes before its reader. */
  quantities: QuantityInfo[];
  /**
   * The sequences (time axes) by their step variables, in the order they are computed: a
   * sequence whose state another reads at `[last]` comes first. `["t"]` for most models.
   */
  sequences: string[];
  losses: LossInfo[];
  /** The inferred type of every expression node of every equation. */
  types: Map<A.Expr, ValueType>;
  uses: NameUse[];
  expansions: CellExpansion[];
}

/** A quantity as far as the checker got: `size` is missing when its equation did not check. */
export type QuantityFacts = Omit<QuantityInfo, "size"> & { size?: Size };

/**
 * What the checker worked out about a model whether or not it has errors, for the language
 * server, which must describe a model while it is being written: the dims that resolved, the
 * declarations whose shapes resolved, every equation that bound (in source order, with its
 * size when it checked), the losses that checked and every use of a name found. A
 * `CheckedModel` is also a `ModelFacts`.
 */
export interface ModelFacts {
  name: string;
  decl: A.ModelDecl;
  dims: DimInfo[];
  inputs: InputInfo[];
  targets: TargetInfo[];
  params: ParamInfo[];
  states: StateInfo[];
  quantities: QuantityFacts[];
  /** As in `CheckedModel`. */
  sequences: string[];
  losses: LossInfo[];
  types: Map<A.Expr, ValueType>;
  uses: NameUse[];
  expansions: CellExpansion[];
}
