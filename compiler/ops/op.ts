/**
 * What an operation of the registry declares: its name and how the language writes it, its
 * shape rule, its forward meaning, and its derivative as a rule that builds backward IR.
 * Every pass reads these declarations (see docs/architecture.md, "The op registry"); none
 * spells an op's mathematics itself.
 */
import type * as runtimeKernels from "../../runtime/kernels/index.js";
import type { ApplyNode } from "../ir/ir.js";
import type { LossExportForm, OpExportForm } from "./export.js";
import type { Expr } from "./expr.js";
import type { ShapeRule } from "./shapes.js";

/** How a `.rnn` file writes an op; `internal` ops are made by the compiler (the gradient pass), never written. */
export type Written =
  | { form: "call"; aliases?: readonly string[] }
  | { form: "binary"; symbol: "+" | "-" | "*" | "/" | "@" }
  | { form: "prefix"; symbol: "-" }
  | { form: "brackets" }
  | { form: "internal" };

/** Words for hover, signature help and the docs. */
export interface OpDoc {
  formula: string;
  derivative: string;
}

/** A runtime kernel, by its exported name: the generated module imports it by this name, the interpreter calls it. */
export type KernelName = keyof typeof runtimeKernels;

interface OpBase {
  name: string;
  written: Written;
  /** Operands: a fixed count, or any number from 1 (concatenation). */
  arity: number | "any";
  /** Names of the operands, for signatures: `x`, or `a, b`. */
  operandNames: readonly string[];
  shape: ShapeRule;
  doc: OpDoc;
  /** The derivative: what the op sends back to its operands' adjoints. Absent for the ops only the gradient pass makes. */
  grad?: GradRule;
  /**
   * How an exported model writes it (`rnnc export`): PyTorch and ONNX. Every op a `.rnn` file
   * can write has one (tests/export/forms.test.ts); the ops only the gradient pass makes are
   * never in an exported forward pass.
   */
  export?: OpExportForm;
  /**
   * Named arguments that are constants of the op, not operands (`dropout(h, p = 0.3)`): the
   * checker reads and checks them, lowering puts their values into the IR.
   */
  settings?: readonly OpSetting[];
  /**
   * The op's last operand is a mask drawn while training (dropout), which a `.rnn` file does
   * not write: lowering adds it as a `mask` leaf, whose values are all 1 outside training.
   */
  drawnMask?: true;
}

/** A named argument of a call that is a constant: a number in a range, or one of a few words. */
export type OpSetting = {
  name: string;
  /** What it means, for hover and the docs. */
  doc: string;
} & (
  | {
      kind: "number";
      /** The values it may take, as said in a diagnostic (`0 ≤ p < 1`), and the test. */
      range: string;
      accepts(value: number): boolean;
      default?: number;
    }
  | { kind: "word"; words: readonly string[]; default: string }
);

/** Computed element by element: `expr` gives one element of the result from the same element of each operand. */
export interface ElementwiseOp extends OpBase {
  kind: "elementwise";
  expr(...operands: Expr[]): Expr;
  /** The `activateRows` kernel computes it too (vectorised on the WebAssembly tier). */
  rowKernel?: "sigmoid" | "tanh" | "exp";
}

/**
 * Computed over each vector of the batch at once by a runtime kernel with the arguments
 * (B, K, operand₀, offset₀, …, out, outOffset), rows of K contiguous numbers.
 */
export interface RowwiseOp extends OpBase {
  kind: "rowwise";
  kernel: KernelName;
  /** The kernel adds into `out` instead of overwriting it. */
  accumulates: boolean;
  /** The kernel's K is its operand's width, not its result's (`sum` adds a row of K into one number). */
  rowsOfOperand?: true;
}

/**
 * Between the rows of one step (one per example, B) and the rows of every step of another
 * sequence, its `axis` (one per example and step of it, B × S, example by example): attention.
 * A runtime kernel (B, S, lengths, K, operand, offset, out, offset), K the width of a row, which
 * leaves each example's padding (its steps past `lengths[b]`) out.
 */
export interface StepsOp extends OpBase {
  kind: "steps";
  kernel: KernelName;
  /** The rows of the result: those of every step from those of one (`spread`), one from every step (`reduce`), or the operand's. */
  rows: "spread" | "reduce" | "same";
}

/**
 * The ops with a structure of their own: a product of a parameter matrix with column blocks
 * (`matvec`) and its transpose (`matvec_t`), a concatenation and its slices. Their kernels
 * and layouts are the backends' (a one-hot block is a column lookup).
 */
export interface StructuralOp extends OpBase {
  kind: "matvec" | "matvec_t" | "concat" | "slice";
}

export type OpSpec = ElementwiseOp | RowwiseOp | StructuralOp | StepsOp;

/** A value of the backward IR being built. */
export interface GradValue {
  readonly id: number;
  readonly size: number;
  readonly scalar: boolean;
}

/** Attributes of an application beyond its operands. */
export interface ApplyAttrs {
  /** The parameter matrix of a transposed product. */
  param?: string;
  /** The first column (of the parameter, or of the vector sliced). */
  col?: number;
  /** The result's size, where the operands do not tell it (a slice, a transposed block). */
  size?: number;
  /** The sequence whose every step a `steps` op moves across (attention). */
  axis?: string;
}

/** Building backward IR: the values a rule reads and the ops it applies to them. */
export interface GradBuilder {
  constant(value: number): GradValue;
  apply(fn: string, args: readonly GradValue[], attrs?: ApplyAttrs): GradValue;
  add(a: GradValue, b: GradValue): GradValue;
  sub(a: GradValue, b: GradValue): GradValue;
  mul(a: GradValue, b: GradValue): GradValue;
  div(a: GradValue, b: GradValue): GradValue;
  neg(a: GradValue): GradValue;
}

/** What a derivative rule is given: the node, its adjoint dy and forward values of step t; what it may send. */
export interface GradContext extends GradBuilder {
  readonly node: ApplyNode;
  /** ∂loss/∂(this node's value) at step t. */
  readonly dy: GradValue;
  /** The node's forward value at step t. */
  output(): GradValue;
  /** Operand k's forward value at step t. */
  operand(k: number): GradValue;
  /** Operand k's size, and where it starts among the columns of a product or the parts of a concatenation. */
  operandSize(k: number): number;
  operandOnehot(k: number): boolean;
  /** Adds `term` to operand k's adjoint (nothing, when operand k is not differentiated: an input, a constant). */
  send(k: number, term: GradValue): void;
  /** grad[param][:, col ..] += Σ over the batch of dyᵀ · (operand k's value): the weight gradient of a product block. */
  sendToWeights(param: string, col: number, dy: GradValue, k: number): void;
}

export type GradRule = (g: GradContext) => void;

/** What the seed of a loss reads: the prediction's value and the target at a scored position. */
export interface SeedContext extends GradBuilder {
  prediction(): GradValue;
  /** The target: a real vector, or a class as a one-hot vector. */
  target(): GradValue;
}

export type Reduction = "mean" | "sum";

/** One way a loss is computed, chosen by the op that defines its prediction. */
export interface LossForm {
  /**
   * The op that defines the prediction for this form. The loss is then scored from that op's
   * operand, stably (cross_entropy of softmax(z) is logsumexp(z) − z_y), and seeds its adjoint.
   */
  fusedWith?: string;
  /** The runtime kernel that scores rows (B, K, scored, offset, targets, offset, weights, offset, rowLoss, offset). */
  kernel: KernelName;
  /** ∂(the loss at one position)/∂(the scored value), from the prediction and the target. */
  seed(g: SeedContext): GradValue;
  /** The seed as a formula, for hover and the generated code's comments. */
  gradient: string;
  /** How an exported PyTorch model scores a position in this form (`rnnc export --to pytorch`). */
  pytorch: LossExportForm;
}

export interface LossSpec {
  name: string;
  /** The kind of target it scores against. */
  target: "class" | "real";
  formula: string;
  /** The fused forms first; the last form has no `fusedWith` and scores the prediction itself. */
  forms: readonly LossForm[];
}
