/**
 * How each operation of the IR and each loss is written in an exported file: its PyTorch
 * expression and its ONNX nodes. Keyed by the op's name in the IR (`add`, `tanh`, `softmax`, `matvec`, ...),
 * one entry per op, so that each entry can sit beside the op's math in the op registry
 * (compiler/ops) once it exists; until then this is the one place that says it.
 * An op of the IR without an entry here cannot be exported: `exportForm` says so (and a
 * test checks that every op the language can write has one).
 */
import type { OnnxNodes } from "./onnx/graph.js";

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

export interface OpExportForm {
  /** The PyTorch expression of the op applied to its operands (rows of a batch: [B, n]); `param` is a product's matrix. */
  pytorch(operands: readonly ExportOperand[], param?: PyExpr): PyExpr;
  /** The ONNX nodes of the op; returns its value's name. `param` names a product's parameter. */
  onnx(g: OnnxNodes, operands: readonly OnnxOperand[], param?: string): string;
}

const call = (fn: string, ...args: string[]): PyExpr => ({
  text: `${fn}(${args.join(", ")})`,
  precedence: precedence.atom,
});
/** An operand where an operator of `level` needs it: in parentheses when it binds less tightly. */
const operand = (e: PyExpr, level: number): string => (e.precedence >= level ? e.text : `(${e.text})`);
/** Python's operators of one level group to the left: a right operand of the same level needs parentheses. */
const binary = (a: PyExpr, symbol: "+" | "-" | "*" | "/" | "@", b: PyExpr): PyExpr => {
  const level = symbol === "+" || symbol === "-" ? precedence.sum : precedence.product;
  return { text: `${operand(a, level)} ${symbol} ${operand(b, level + 1)}`, precedence: level };
};
const atom = (text: string): PyExpr => ({ text, precedence: precedence.atom });
const unaryCall =
  (fn: string): OpExportForm["pytorch"] =>
  ([x]) =>
    call(fn, x!.text);

/** An ONNX operator applied to the operands as they are (broadcasting scalars and rows alike). */
const onnxOp =
  (op: string, attributes?: Record<string, number>): OpExportForm["onnx"] =>
  (g, operands) =>
    g.op(
      op,
      operands.map((o) => o.name),
      attributes,
    );

export const opExportForms: Readonly<Record<string, OpExportForm>> = {
  add: { pytorch: ([a, b]) => binary(a!, "+", b!), onnx: onnxOp("Add") },
  sub: { pytorch: ([a, b]) => binary(a!, "-", b!), onnx: onnxOp("Sub") },
  mul: { pytorch: ([a, b]) => binary(a!, "*", b!), onnx: onnxOp("Mul") },
  div: { pytorch: ([a, b]) => binary(a!, "/", b!), onnx: onnxOp("Div") },
  neg: {
    pytorch: ([a]) => ({ text: `-${operand(a!, precedence.unary)}`, precedence: precedence.unary }),
    onnx: onnxOp("Neg"),
  },
  sigmoid: { pytorch: unaryCall("torch.sigmoid"), onnx: onnxOp("Sigmoid") },
  tanh: { pytorch: unaryCall("torch.tanh"), onnx: onnxOp("Tanh") },
  relu: { pytorch: unaryCall("torch.relu"), onnx: onnxOp("Relu") },
  exp: { pytorch: unaryCall("torch.exp"), onnx: onnxOp("Exp") },
  log: { pytorch: unaryCall("torch.log"), onnx: onnxOp("Log") },
  identity: { pytorch: ([x]) => x!, onnx: onnxOp("Identity") },
  softmax: { pytorch: ([x]) => call("torch.softmax", x!.text, "dim=-1"), onnx: onnxOp("Softmax", { axis: -1 }) },
  log_softmax: {
    pytorch: ([x]) => call("torch.log_softmax", x!.text, "dim=-1"),
    onnx: onnxOp("LogSoftmax", { axis: -1 }),
  },
  concat: {
    pytorch: (parts) => call("torch.cat", `[${parts.map((p) => p.text).join(", ")}]`, "dim=-1"),
    onnx: onnxOp("Concat", { axis: -1 }),
  },
  /** W @ [x1, x2, ...]: each block times its columns of W; a one-hot block picks columns. */
  matvec: {
    onnx: (g, blocks, param) => {
      let col = 0;
      const terms = blocks.map((x) => {
        const columns = g.columnsTransposed(param!, col, x.size);
        col += x.size;
        if (!x.onehot) return g.op("MatMul", [x.name, columns]);
        const picked = g.op("Gather", [columns, g.op("Max", [x.name, g.ints([0])])], { axis: 0 });
        const present = g.op("Unsqueeze", [g.op("GreaterOrEqual", [x.name, g.ints([0])]), g.ints([1])]);
        return g.op("Where", [present, picked, g.scalar(0)]);
      });
      return terms.length === 1 ? terms[0]! : g.op("Sum", terms);
    },
    pytorch: (blocks, param) => {
      const w = operand(param!, precedence.atom);
      let col = 0;
      const terms = blocks.map((x) => {
        const columns = blocks.length === 1 ? w : `${w}[:, ${col}:${col + x.size}]`;
        col += x.size;
        return x.onehot ? call("onehot_columns", columns, x.text) : binary(x, "@", atom(`${columns}.T`));
      });
      return terms.reduce((sum, term) => binary(sum, "+", term));
    },
  },
};

/** How a loss scores each position of the rows it is given: `scored` [N, K], the targets [N] (classes) or [N, K]. */
export type LossExportForm = (scored: string, target: string) => string;

/**
 * The losses, each by the op it is fused with (`plain`: scored from the prediction itself).
 * Each gives the loss at one position, as rnnc's kernels compute it, with the same gradient.
 */
export const lossExportForms: Readonly<Record<string, Readonly<Record<string, LossExportForm>>>> = {
  cross_entropy: {
    // −log softmax(z)_y = logsumexp(z) − z_y, from z.
    softmax: (z, y) => `torch.logsumexp(${z}, dim=-1) - pick(${z}, ${y})`,
    log_softmax: (z, y) => `torch.logsumexp(${z}, dim=-1) - pick(${z}, ${y})`,
    plain: (p, y) => `-torch.log(pick(${p}, ${y}))`,
  },
  binary_cross_entropy: {
    // Σ_k max(z, 0) − z·y + log(1 + e^−|z|) from z, whose gradient PyTorch takes as σ(z) − y.
    sigmoid: (z, y) => `F.binary_cross_entropy_with_logits(${z}, ${y}, reduction="none").sum(dim=-1)`,
    // A term whose coefficient is 0 is dropped (0 · log 0 = 0), as rnnc drops it.
    plain: (p, y) =>
      `-(keep_nonzero(${y}, lambda k: torch.log(torch.where(k, ${p}, 1.0))) + keep_nonzero(1 - ${y}, lambda k: torch.log(torch.where(k, 1 - ${p}, 1.0)))).sum(dim=-1)`,
  },
  mse: {
    // ½ Σ_k (p_k − y_k)²
    plain: (p, y) => `0.5 * ((${p} - ${y}) ** 2).sum(dim=-1)`,
  },
};

export class ExportError extends Error {}

/** The export form of the op `name`; an op without one cannot be exported, and says so. */
export function opExportForm(name: string): OpExportForm {
  const form = Object.hasOwn(opExportForms, name) ? opExportForms[name] : undefined;
  if (!form) throw new ExportError(`the operation '${name}' has no export form yet, so this model cannot be exported`);
  return form;
}

/** The export form of a loss computed in its form `fusedWith` (absent: plain). */
export function lossExportForm(loss: string, fusedWith: string | undefined): LossExportForm {
  const forms = Object.hasOwn(lossExportForms, loss) ? lossExportForms[loss] : undefined;
  const form = forms?.[fusedWith ?? "plain"];
  if (!form)
    throw new ExportError(
      `the loss '${loss}'${fusedWith ? ` fused with ${fusedWith}` : ""} has no export form yet, so this model cannot be exported`,
    );
  return form;
}
