/**
 * The abstract syntax tree of a `.rnn` file: the source as written, without punctuation,
 * with a source range on every node. Meaning (dims, shapes, initialisers, delays) is given
 * by the checker; the AST only says what was written.
 */

import type { SourceRange } from "./source-range.js";

export type { Position } from "./source-range.js";

/** Where a node is: offsets, with lines and columns on demand (source-range.ts). `end` is exclusive. */
export type Range = SourceRange;

export interface Name {
  /** As written, in Unicode's composed form (NFC), so two spellings of `ñ` are one name. */
  text: string;
  range: Range;
}

export type BinaryOperator = "+" | "-" | "*" | "/" | "@";

export type Expr = NumberExpr | RefExpr | DelayExpr | NegExpr | BinaryExpr | ConcatExpr | CallExpr | ErrorExpr;

export interface NumberExpr {
  kind: "number";
  value: number;
  /** The literal as written (`1e-3`), kept so the formatter does not change it. */
  text: string;
  range: Range;
}

export interface RefExpr {
  kind: "ref";
  name: Name;
  /**
   * `e[s]` with a sequence's own step variable other than `t`, read as `e` (grammar/notation.ts):
   * the variable as written. In an equation of another sequence it reads `e` at every step `s`
   * (attention); in one of sequence `s` it is `e`.
   */
  at?: Name;
  range: Range;
}

/**
 * `h[t-1]`: `offset` is signed as written (-1 for `t-1`, 0 for `t`); the checker wants a
 * negative integer. `h[t]`, the lecture's current step, is read as `h` (grammar/notation.ts).
 */
export interface DelayExpr {
  kind: "delay";
  name: Name;
  /** The step variable as written; only `t` is meaningful. */
  step: Name;
  offset: number;
  /** The offset literal as written (`1`, `2.`), kept so the formatter does not change it; absent for `[t]`. */
  amountText?: string;
  /** Range of the offset literal, or of `t` when there is none. */
  offsetRange: Range;
  range: Range;
}

export interface NegExpr {
  kind: "neg";
  operand: Expr;
  range: Range;
}

export interface BinaryExpr {
  kind: "binary";
  op: BinaryOperator;
  /** The operator as written when it is the lecture's spelling of `op` (`·` for `@`, `⊙` for `*`). */
  written?: string;
  left: Expr;
  right: Expr;
  range: Range;
}

export interface ConcatExpr {
  kind: "concat";
  parts: Expr[];
  range: Range;
}

export interface Argument {
  /** Present for `name = value`. */
  name?: Name;
  value: Expr;
  range: Range;
}

export interface CallExpr {
  kind: "call";
  callee: Name;
  args: Argument[];
  range: Range;
}

/** Stands where the parser recovered from a syntax error; checks stay quiet about it. */
export interface ErrorExpr {
  kind: "error";
  range: Range;
}

export type Item = DimDecl | InputDecl | TargetDecl | ParamDecl | StateDecl | CellDecl | LossDecl | Equation;

export interface DimDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "dim";
  name: Name;
  value: Expr;
  range: Range;
}

/** `kind` is the word before the shape (`onehot`, `class`), absent for a plain `[n]`. */
export interface TypeSpec {
  kind?: Name;
  dims: Expr[];
  range: Range;
}

export interface InputDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "input";
  name: Name;
  /**
   * `x[s]`: the step variable of the sequence it belongs to, in a model of several
   * sequences; without it, `t`. Only a bare step variable is meaningful (the checker says so).
   */
  indexed?: DelayExpr;
  type: TypeSpec;
  range: Range;
}

export interface TargetDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "target";
  name: Name;
  /**
   * `y[u]`: the step variable of the sequence it belongs to, in a model of several
   * sequences; without it, `t`. Only a bare step variable is meaningful (the checker says so).
   */
  indexed?: DelayExpr;
  type: TypeSpec;
  range: Range;
}

export interface ParamDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "param";
  name: Name;
  shape: Expr[];
  shapeRange: Range;
  init?: Expr;
  range: Range;
}

export interface StateDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "state";
  name: Name;
  shape: Expr[];
  shapeRange: Range;
  init?: Expr;
  range: Range;
}

/** `cell h = lstm(x, size = H)`: shorthand, replaced by core items in `compiler/expand`. */
export interface CellDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "cell";
  name: Name;
  cell: Name;
  args: Argument[];
  range: Range;
}

export interface LossDecl {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "loss";
  fn: Name;
  args: Argument[];
  /** `last` or `each` as written. */
  when: Name;
  range: Range;
}

export interface Equation {
  /** Set when the parser recovered from a syntax error inside this item: its parts may be incomplete. */
  recovered?: true;
  kind: "equation";
  gate: boolean;
  name: Name;
  /** `h[t] = ...`: the step written on the left, the lecture's notation for `h = ...`. */
  indexed?: DelayExpr;
  value: Expr;
  range: Range;
}

export interface Comment {
  text: string;
  range: Range;
}

export interface ModelDecl {
  kind: "model";
  name: Name;
  items: Item[];
  range: Range;
}

export interface RnnFile {
  models: ModelDecl[];
  comments: Comment[];
}
