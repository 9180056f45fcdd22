/**
 * How an op of the registry is written when a model is exported (`rnnc export`): its PyTorch
 * expression and its ONNX nodes, declared in the op's entry beside its math; and for a loss,
 * in each form, its PyTorch expression. What the entries build with is here: expressions that
 * know how tightly they bind, ONNX nodes by the graph that gets them.
 */

/**
 * A Python expression and how tightly it binds: `precedence.atom` for names, calls and
 * subscripts, lower for operators (an operand binding less tightly than its operator is put
 * in parentheses).
 */
export interface PyExpr {
  text: string;
  precedence: number;
}

export const precedence = { sum: 1, product: 2, unary: 3, atom: 4 } as const;

/** An operand of an exported op: its expression and what the IR knows of it. */
export interface ExportOperand extends PyExpr {
  size: number;
  onehot: boolean;
  scalar: boolean;
}

/** An operand of an op in an ONNX graph: the name of its value ([B, n] rows; a one-hot input's ids [B]; a scalar []). */
export interface OnnxOperand {
  name: string;
  size: number;
  onehot: boolean;
  scalar: boolean;
}

/** An ONNX attribute's value: an int, a string, ints, a float. */
export type OnnxAttribute = number | string | readonly number[] | { float: number };

/**
 * The steps of another sequence in an ONNX graph, what attention's ops run over: its number of
 * steps S (int64 [1]) and which of them are real (bool [B, S]). A value over them has rows
 * [B * S, n], example by example, as in rnnc.
 */
export interface OnnxExtent {
  steps: string;
  real: string;
}

/** What an op's ONNX form builds with (compiler/export/onnx/graph.ts). */
export interface OnnxNodes {
  /** A node of `op` on `inputs`; returns the name of its output. */
  op(op: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string;
  /** A real number of the model's precision, as a scalar. */
  scalar(value: number): string;
  /** An int64 vector constant. */
  ints(values: readonly number[]): string;
  /** Columns col .. col + width of the parameter matrix `param`, transposed: [width, rows]. */
  columnsTransposed(param: string, col: number, width: number): string;
}

export interface OpExportForm {
  /**
   * The PyTorch expression of the op on its operands (rows of a batch: [B, n]); `param` is a
   * product's matrix; `axis`, for an op over the steps of another sequence (attention), that
   * sequence's extent (its steps and lengths, which the runtime's functions read).
   */
  pytorch(operands: readonly ExportOperand[], param?: PyExpr, axis?: PyExpr): PyExpr;
  /**
   * The ONNX nodes of the op; returns its value's name. `param` names a product's parameter;
   * `axis`, for an op over the steps of another sequence, that sequence's extent.
   */
  onnx?(g: OnnxNodes, operands: readonly OnnxOperand[], param?: string, axis?: OnnxExtent): string;
}

/**
 * How a loss form scores each position of the rows it is given, in PyTorch: `scored` [N, K],
 * `target` [N] (classes) or [N, K]; the loss at one position, as rnnc's kernel computes it,
 * with the same gradient.
 */
export type LossExportForm = (scored: string, target: string) => string;

/** `fn(arg, ...)`. */
export const pyCall = (fn: string, ...args: string[]): PyExpr => ({
  text: `${fn}(${args.join(", ")})`,
  precedence: precedence.atom,
});

export const pyAtom = (text: string): PyExpr => ({ text, precedence: precedence.atom });

/** An operand where an operator of `level` needs it: in parentheses when it binds less tightly. */
export const pyOperand = (e: PyExpr, level: number): string => (e.precedence >= level ? e.text : `(${e.text})`);

/** Python's operators of one level group to the left: a right operand of the same level needs parentheses. */
export function pyBinary(a: PyExpr, symbol: "+" | "-" | "*" | "/" | "@", b: PyExpr): PyExpr {
  const level = symbol === "+" || symbol === "-" ? precedence.sum : precedence.product;
  return { text: `${pyOperand(a, level)} ${symbol} ${pyOperand(b, level + 1)}`, precedence: level };
}

/** A function of one tensor: `fn(x)`. */
export const pyFunction =
  (fn: string, ...more: string[]): OpExportForm["pytorch"] =>
  ([x]) =>
    pyCall(fn, x!.text, ...more);

/** An ONNX operator applied to the operands as they are (broadcasting scalars and rows alike). */
export const onnxOp =
  (op: string, attributes?: Record<string, number>): OpExportForm["onnx"] =>
  (g, operands) =>
    g.op(
      op,
      operands.map((o) => o.name),
      attributes,
    );
