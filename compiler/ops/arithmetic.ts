/**
 * Element-wise arithmetic: `a + b`, `a - b`, `a * b`, `a / b` and `-a`, with scalars
 * broadcast. A constant operand gets no adjoint (the gradient pass drops what is sent to it).
 */
import { onnxOp, precedence, pyBinary, pyOperand, type OpExportForm } from "./export.js";
import { binary, neg, type BinaryOp } from "./expr.js";
import type { ElementwiseOp, GradRule, OpDoc } from "./op.js";
import { elementwise } from "./shapes.js";

/** `a SYMBOL b`, element by element; exported as Python's operator and ONNX's `onnx`. */
function operator(
  name: string,
  symbol: Exclude<BinaryOp, "<" | ">" | "!=">,
  doc: OpDoc,
  grad: GradRule,
  onnx: string,
): ElementwiseOp {
  const exported: OpExportForm = { pytorch: ([a, b]) => pyBinary(a!, symbol, b!), onnx: onnxOp(onnx) };
  return {
    name,
    kind: "elementwise",
    written: { form: "binary", symbol },
    arity: 2,
    operandNames: ["a", "b"],
    shape: elementwise,
    doc,
    expr: (a, b) => binary(symbol, a, b),
    grad,
    export: exported,
  };
}

export const arithmetic: readonly ElementwiseOp[] = [
  operator(
    "add",
    "+",
    { formula: "a + b", derivative: "∂/∂a = 1, ∂/∂b = 1" },
    (g) => {
      g.send(0, g.dy);
      g.send(1, g.dy);
    },
    "Add",
  ),
  operator(
    "sub",
    "-",
    { formula: "a − b", derivative: "∂/∂a = 1, ∂/∂b = −1" },
    (g) => {
      g.send(0, g.dy);
      g.send(1, g.neg(g.dy));
    },
    "Sub",
  ),
  operator(
    "mul",
    "*",
    { formula: "a ⊙ b (element by element)", derivative: "∂/∂a = b, ∂/∂b = a" },
    (g) => {
      g.send(0, g.mul(g.dy, g.operand(1)));
      g.send(1, g.mul(g.dy, g.operand(0)));
    },
    "Mul",
  ),
  operator(
    "div",
    "/",
    { formula: "a ⊘ b (element by element)", derivative: "∂/∂a = 1 / b, ∂/∂b = −a / b²" },
    (g) => {
      const b = g.operand(1);
      g.send(0, g.div(g.dy, b));
      g.send(1, g.neg(g.div(g.mul(g.dy, g.operand(0)), g.mul(b, b))));
    },
    "Div",
  ),
  {
    name: "neg",
    kind: "elementwise",
    written: { form: "prefix", symbol: "-" },
    arity: 1,
    operandNames: ["a"],
    shape: elementwise,
    doc: { formula: "−a", derivative: "∂/∂a = −1" },
    expr: (a) => neg(a),
    grad: (g) => g.send(0, g.neg(g.dy)),
    export: {
      pytorch: ([a]) => ({ text: `-${pyOperand(a!, precedence.unary)}`, precedence: precedence.unary }),
      onnx: onnxOp("Neg"),
    },
  },
];
