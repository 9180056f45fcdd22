/**
 * The ops of attention. `sum(v)` adds the components of a vector into one number (a score,
 * `sum(d * e[s])` is dᵀe_s), and `repeat`, made by lowering and the gradient pass, gives that
 * number back as a vector. The reductions over the steps of another sequence,
 * `softmax(a, over = s, mask = x)` and `sum(a, over = s, mask = x)`, and `spread_steps`, which
 * reads a value of one step at every step of the other sequence, move between the rows of one
 * step and those of every step of the other (op.ts, StepsOp); each leaves the padding out. Each
 * one's derivative is made of the others.
 */
import { pyAtom, pyCall, pyFunction, type OnnxExtent, type OnnxNodes, type OpExportForm } from "./export.js";
import type { RowwiseOp, StepsOp } from "./op.js";
import { elementwise, type ShapeRule } from "./shapes.js";

/** `sum(v)`: a vector's components added, one number. */
const components: ShapeRule = {
  operandDoc: "a vector (its components are added into one number)",
  onehotOperand: () => false,
  infer(app) {
    const o = app.operands[0]!;
    if (o.type.kind !== "vector")
      return app.report("E201", `sum adds the components of a vector, but ${o.text} is not one`, o.range);
    return { kind: "scalar" };
  },
};

const summed: OpExportForm = {
  pytorch: pyFunction("torch.sum", "dim=-1", "keepdim=True"),
  onnx: (g, [x]) => g.op("ReduceSum", [x!.name, g.ints([-1])], { keepdims: 1 }),
};

export const componentOps: readonly RowwiseOp[] = [
  {
    name: "sum",
    kind: "rowwise",
    written: { form: "call" },
    arity: 1,
    operandNames: ["v"],
    shape: components,
    doc: { formula: "sum(v) = Σ_i v_i, one number (sum(a * b) = aᵀb)", derivative: "∂sum/∂v_i = 1" },
    kernel: "sumRows",
    accumulates: false,
    rowsOfOperand: true,
    grad: (g) => g.send(0, g.apply("repeat", [g.dy], { size: g.operandSize(0) })),
    export: summed,
  },
  {
    name: "repeat",
    kind: "rowwise",
    written: { form: "internal" },
    arity: 1,
    operandNames: ["a"],
    shape: elementwise,
    doc: { formula: "repeat(a)_i = a: one number as a vector", derivative: "the adjoint of a is sum(dy)" },
    kernel: "repeatRows",
    accumulates: false,
    grad: (g) => g.send(0, g.apply("sum", [g.dy], { size: 1 })),
    // Lowering makes it only as an operand of an element-wise op, which broadcasts the one number.
    export: { pytorch: ([a]) => pyAtom(a!.text), onnx: (g, [a]) => g.op("Identity", [a!.name]) },
  },
];

/** Rows [B * S, n] of a value over the steps as [B, S, n] (ONNX). */
const bySteps = (g: OnnxNodes, rows: string, axis: OnnxExtent, n: number) =>
  g.op("Reshape", [rows, g.op("Concat", [g.ints([-1]), axis.steps, g.ints([n])], { axis: 0 })]);

/** Which of [B, S, n] are real steps, for Where. */
const realSteps = (g: OnnxNodes, axis: OnnxExtent) => g.op("Unsqueeze", [axis.real, g.ints([2])]);

/** ONNX forms of the steps ops, as the runtime's kernels compute them (runtime/kernels/steps.ts); 0 on the padding. */
const onnxSteps: Record<StepsOp["rows"], NonNullable<OpExportForm["onnx"]>> = {
  spread: (g, [a], _param, axis) => {
    const copies = g.op("Expand", [
      g.op("Unsqueeze", [a!.name, g.ints([1])]),
      g.op("Concat", [g.ints([1]), axis!.steps, g.ints([1])], { axis: 0 }),
    ]);
    const real = g.op("Where", [realSteps(g, axis!), copies, g.scalar(0)]);
    return g.op("Reshape", [real, g.ints([-1, a!.size])]);
  },
  reduce: (g, [a], _param, axis) => {
    const real = g.op("Where", [realSteps(g, axis!), bySteps(g, a!.name, axis!, a!.size), g.scalar(0)]);
    return g.op("ReduceSum", [real, g.ints([1])], { keepdims: 0 });
  },
  // One score per step: exp(a − max) over the real steps, times 1 / their sum.
  same: (g, [a], _param, axis) => {
    const scores = g.op("Reshape", [a!.name, g.op("Concat", [g.ints([-1]), axis!.steps], { axis: 0 })]);
    const real = axis!.real;
    const top = g.op("ReduceMax", [g.op("Where", [real, scores, g.scalar(-Infinity)])], { axes: [1], keepdims: 1 });
    const shifted = g.op("Sub", [g.op("Where", [real, scores, top]), top]);
    const e = g.op("Where", [real, g.op("Exp", [shifted]), g.scalar(0)]);
    const inverse = g.op("Reciprocal", [g.op("ReduceSum", [e, g.ints([1])], { keepdims: 1 })]);
    return g.op("Reshape", [g.op("Mul", [e, inverse]), g.ints([-1, 1])]);
  },
};

/**
 * A steps op: made by the checker's reading of `over = s` and by lowering, never written as
 * itself. Exported to PyTorch as the runtime's function of the same name (runtime.py), which
 * reads the other sequence's extent, and to ONNX as nodes over the extent's real steps.
 */
function stepsOp(
  name: string,
  rows: StepsOp["rows"],
  kernel: StepsOp["kernel"],
  doc: StepsOp["doc"],
  grad: StepsOp["grad"],
): StepsOp {
  return {
    name,
    kind: "steps",
    written: { form: "internal" },
    arity: 1,
    operandNames: ["a"],
    shape: elementwise,
    doc,
    kernel,
    rows,
    grad,
    export: { pytorch: ([a], _param, axis) => pyCall(name, a!.text, axis!.text), onnx: onnxSteps[rows] },
  };
}

export const stepsOps: readonly StepsOp[] = [
  stepsOp(
    "spread_steps",
    "spread",
    "spreadSteps",
    {
      formula: "a value of step t read at every real step s of another sequence (0 on its padding)",
      derivative: "the adjoint of a is the sum of dy over the real steps s",
    },
    (g) => g.send(0, g.apply("sum_steps", [g.dy], { axis: g.node.axis! })),
  ),
  stepsOp(
    "sum_steps",
    "reduce",
    "sumSteps",
    {
      formula: "sum(a, over = s, mask = x) = Σ_{s ≤ S} a_s over the real steps of x",
      derivative: "∂/∂a_s = 1 at each real step s, 0 on the padding",
    },
    (g) => g.send(0, g.apply("spread_steps", [g.dy], { axis: g.node.axis! })),
  ),
  stepsOp(
    "softmax_steps",
    "same",
    "softmaxSteps",
    {
      formula: "softmax(a, over = s, mask = x)_s = e^(a_s − max a) / Σ_{s' ≤ S} e^(a_s' − max a), 0 on the padding",
      derivative: "∂α_s/∂a_s' = α_s(δ_ss' − α_s'): the adjoint of a is α ⊙ (dy − Σ_s α_s dy_s)",
    },
    (g) => {
      const alpha = g.output();
      const weighted = g.apply("sum_steps", [g.mul(alpha, g.dy)], { axis: g.node.axis! });
      g.send(0, g.mul(alpha, g.sub(g.dy, g.apply("spread_steps", [weighted], { axis: g.node.axis! }))));
    },
  ),
];

/**
 * The reductions over the steps of another sequence, by the function that writes them
 * (`softmax(a, over = s, mask = x)`, `sum(a, over = s, mask = x)`): the steps op each is.
 */
export const stepReductions: Readonly<Record<string, "softmax_steps" | "sum_steps">> = {
  softmax: "softmax_steps",
  sum: "sum_steps",
};
