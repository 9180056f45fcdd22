/**
 * Functions over each whole vector: `softmax(x)` and `log_softmax(x)`, computed by runtime
 * kernels row by row (each row shifted by its maximum, so no exponential overflows), and
 * their vector–Jacobian products, which the gradient pass applies.
 */
import { onnxOp, pyFunction, type OpExportForm } from "./export.js";
import type { KernelName, OpDoc, RowwiseOp } from "./op.js";
import { rowwise } from "./shapes.js";

/** The adjoint of x for a row-wise y = f(x), from dy and y: made by the gradient pass, not written, not differentiated. */
function vectorJacobian(name: string, formula: string, kernel: KernelName): RowwiseOp {
  return {
    name,
    kind: "rowwise",
    written: { form: "internal" },
    arity: 2,
    operandNames: ["dy", "y"],
    shape: rowwise,
    doc: { formula, derivative: "(made by the gradient pass, not differentiated)" },
    kernel,
    accumulates: true,
  };
}

/** A function over each whole vector, called `name(x)`, computed by `kernel`; its derivative applies `vjp`. */
function rowFunction(name: string, doc: OpDoc, kernel: KernelName, vjp: string, exported: OpExportForm): RowwiseOp {
  return {
    name,
    kind: "rowwise",
    written: { form: "call" },
    arity: 1,
    operandNames: ["x"],
    shape: rowwise,
    doc,
    kernel,
    accumulates: false,
    grad: (g) => g.send(0, g.apply(vjp, [g.dy, g.output()])),
    export: exported,
  };
}

/** Over the last axis (the vector of each sequence): PyTorch's `dim=-1`, ONNX's `axis = -1`. */
const rowsOf = (torch: string, onnx: string): OpExportForm => ({
  pytorch: pyFunction(torch, "dim=-1"),
  onnx: onnxOp(onnx, { axis: -1 }),
});

export const rowwiseOps: readonly RowwiseOp[] = [
  rowFunction(
    "softmax",
    {
      formula: "softmax(x)_i = e^(x_i − max x) / Σ_j e^(x_j − max x)",
      derivative: "∂softmax_i/∂x_j = s_i(δ_ij − s_j); fused with cross_entropy the gradient is p − onehot(y)",
    },
    "softmaxRows",
    "softmax_grad",
    rowsOf("torch.softmax", "Softmax"),
  ),
  rowFunction(
    "log_softmax",
    {
      formula: "log_softmax(x)_i = x_i − max x − log Σ_j e^(x_j − max x)",
      derivative: "∂log_softmax_i/∂x_j = δ_ij − softmax_j",
    },
    "logSoftmaxRows",
    "log_softmax_grad",
    rowsOf("torch.log_softmax", "LogSoftmax"),
  ),
  vectorJacobian("softmax_grad", "y ⊙ (dy − ⟨dy, y⟩) per row, y = softmax(x): the adjoint of x", "softmaxRowsBackward"),
  vectorJacobian(
    "log_softmax_grad",
    "dy − e^y · Σ dy per row, y = log_softmax(x): the adjoint of x",
    "logSoftmaxRowsBackward",
  ),
];
