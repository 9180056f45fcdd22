/**
 * The IR: one time step of the model (the step template) as a typed dataflow graph, with
 * delay nodes standing for edges to earlier steps. Every backend consumes this and only
 * this: the interpreter, the code generator, the graph drawer.
 *
 * Values are vectors, one per sequence of the batch; a scalar is a constant (folded at
 * lowering). Matrices appear only inside `matvec`, which multiplies a parameter by the
 * concatenation of its blocks, so `W @ [h[t-1], x]` never builds the concatenation and a
 * one-hot block becomes a column lookup.
 */
import type { InitSpec } from "../../runtime/init.js";
import type { LossFunction, Reduction } from "../builtins.js";

export type NodeId = number;

/** `identity` only appears where a quantity would otherwise be a leaf: see `lower.ts`. */
export type ElementwiseActivation = "sigmoid" | "tanh" | "relu" | "exp" | "log" | "identity";

export type IrOp =
  /** The input's value at this step: ids for a one-hot input, a vector for a dense one. */
  | { op: "input"; input: string }
  /** The value of a state (or input) `steps` steps ago; before the sequence starts, the state's initial value (inputs: zero). */
  | { op: "delay"; source: string; steps: number }
  /** A vector parameter, the same for every sequence of the batch. */
  | { op: "param"; param: string }
  /** A scalar constant; broadcasts in element-wise operations. */
  | { op: "const"; value: number }
  /** param[:, col .. col + size(x)) @ x summed over blocks: W @ [x1, x2, ...]. */
  | { op: "matvec"; param: string; blocks: MatvecBlock[] }
  | { op: "add" | "sub" | "mul" | "div"; a: NodeId; b: NodeId }
  | { op: "neg"; a: NodeId }
  | { op: "activation"; fn: ElementwiseActivation; a: NodeId }
  | { op: "softmax" | "log_softmax"; a: NodeId }
  | { op: "concat"; parts: NodeId[] };

export interface MatvecBlock {
  x: NodeId;
  /** The first column of the parameter that this block multiplies. */
  col: number;
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
};

export interface IrInput {
  name: string;
  encoding: "onehot" | "dense";
  size: number;
}

export interface IrTarget {
  name: string;
  kind: "class" | "real";
  size: number;
}

export interface IrParam {
  name: string;
  shape: number[];
  init: InitSpec;
  /** Set when this parameter is the learned initial value of a state. */
  initialStateOf?: string;
}

export type IrStateInit = { kind: "zeros" } | { kind: "constant"; value: number } | { kind: "learned"; param: string };

export interface IrState {
  name: string;
  size: number;
  init: IrStateInit;
  /** How many past steps are read (2 for `h[t-2]`). */
  maxDelay: number;
}

/** A named value of the step: the result of an equation. States are the quantities read through delays. */
export interface IrQuantity {
  name: string;
  node: NodeId;
  gate: boolean;
}

export interface IrLoss {
  fn: LossFunction;
  /** The quantity scored. */
  prediction: NodeId;
  /**
   * For the fused forms, the activation's input: cross_entropy of softmax(z) is computed from z
   * (`logSoftmaxInput` for log_softmax), binary_cross_entropy of sigmoid(z) from z.
   */
  fusion?: { kind: "softmax" | "log_softmax" | "sigmoid"; input: NodeId };
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
}

/** The operands of a node, in a fixed order. */
export function operands(n: IrNode): NodeId[] {
  switch (n.op) {
    case "input":
    case "delay":
    case "param":
    case "const":
      return [];
    case "matvec":
      return n.blocks.map((b) => b.x);
    case "add":
    case "sub":
    case "mul":
    case "div":
      return [n.a, n.b];
    case "neg":
    case "activation":
    case "softmax":
    case "log_softmax":
      return [n.a];
    case "concat":
      return n.parts;
  }
}

export function paramSize(p: IrParam): number {
  return p.shape.reduce((a, b) => a * b, 1);
}
