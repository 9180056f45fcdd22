/**
 * The element-wise functions of the language: `sigmoid(x)`, `tanh(x)`, ... Each derivative
 * reads the cheapest saved value: the output y where it gives the slope (σ' = y(1 − y)),
 * the input where it must (log' = 1/x; exp(y) would recompute x less accurately).
 */
import { onnxOp, pyFunction, type OpExportForm } from "./export.js";
import { binary, math, neg, num, select, type Expr } from "./expr.js";
import type { ElementwiseOp, GradRule, OpDoc } from "./op.js";
import { elementwise } from "./shapes.js";

/** An element-wise function of one argument, called `name(x)`; exported as `exported` says. */
function fn(
  name: string,
  doc: OpDoc,
  expr: (x: Expr) => Expr,
  grad: GradRule,
  exported: OpExportForm,
  rowKernel?: ElementwiseOp["rowKernel"],
): ElementwiseOp {
  return {
    name,
    kind: "elementwise",
    written: { form: "call" },
    arity: 1,
    operandNames: ["x"],
    shape: elementwise,
    doc,
    expr,
    grad,
    export: exported,
    ...(rowKernel ? { rowKernel } : {}),
  };
}

/** The function PyTorch calls `torch.NAME` and ONNX `OP`. */
const called = (torch: string, onnx: string): OpExportForm => ({ pytorch: pyFunction(torch), onnx: onnxOp(onnx) });

export const activations: readonly ElementwiseOp[] = [
  fn(
    "sigmoid",
    { formula: "σ(x) = 1 / (1 + e^(−x))", derivative: "σ'(x) = σ(x)(1 − σ(x))" },
    // Safe without branching: for very negative x, e^−x → ∞ and the value → 0, never NaN.
    (x) => binary("/", num(1), binary("+", num(1), math("exp", neg(x)))),
    (g) => {
      const y = g.output();
      g.send(0, g.mul(g.mul(g.dy, y), g.sub(g.constant(1), y)));
    },
    called("torch.sigmoid", "Sigmoid"),
    "sigmoid",
  ),
  fn(
    "tanh",
    { formula: "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))", derivative: "tanh'(x) = 1 − tanh(x)²" },
    (x) => math("tanh", x),
    (g) => {
      const y = g.output();
      g.send(0, g.mul(g.dy, g.sub(g.constant(1), g.mul(y, y))));
    },
    called("torch.tanh", "Tanh"),
    "tanh",
  ),
  fn(
    "relu",
    { formula: "relu(x) = max(0, x)", derivative: "relu'(x) = 1 if x > 0 else 0" },
    // Written so that NaN passes through instead of becoming 0.
    (x) => select("<", x, num(0), num(0), x),
    // The subgradient at 0 is taken as 0.
    (g) => g.send(0, g.apply("where_positive", [g.output(), g.dy, g.constant(0)])),
    // torch.relu passes NaN through too, and its gradient at 0 is 0.
    called("torch.relu", "Relu"),
  ),
  fn(
    "exp",
    { formula: "exp(x) = e^x", derivative: "exp'(x) = e^x" },
    (x) => math("exp", x),
    (g) => g.send(0, g.mul(g.dy, g.output())),
    called("torch.exp", "Exp"),
    "exp",
  ),
  fn(
    "log",
    { formula: "log(x) = ln x", derivative: "log'(x) = 1 / x" },
    (x) => math("log", x),
    (g) => g.send(0, g.div(g.dy, g.operand(0))),
    called("torch.log", "Log"),
  ),
  fn(
    "identity",
    { formula: "identity(x) = x", derivative: "identity'(x) = 1" },
    (x) => x,
    (g) => g.send(0, g.dy),
    { pytorch: ([x]) => x!, onnx: onnxOp("Identity") },
  ),
];

/** A choice between a and b by c, made by the gradient pass (not written, not differentiated). */
function where(name: string, condition: string, expr: (c: Expr, a: Expr, b: Expr) => Expr): ElementwiseOp {
  return {
    name,
    kind: "elementwise",
    written: { form: "internal" },
    arity: 3,
    operandNames: ["c", "a", "b"],
    shape: elementwise,
    doc: { formula: `a where ${condition}, else b`, derivative: "(made by the gradient pass, not differentiated)" },
    expr,
  };
}

/** relu's slope, and the terms of a loss that vanish with their coefficient. */
export const selections: readonly ElementwiseOp[] = [
  where("where_positive", "c > 0", (c, a, b) => select(">", c, num(0), a, b)),
  where("where_nonzero", "c ≠ 0", (c, a, b) => select("!=", c, num(0), a, b)),
];
