/**
 * The ops with a structure of their own. `W @ x` multiplies a parameter by the column blocks
 * of its right operand (`W @ [h[t-1], x]` never builds the concatenation, a one-hot block is
 * a column lookup); its derivative sends Wᵀ·dy back to each block and dy·xᵀ to the weights.
 * `[a, b]` concatenates; its derivative slices dy back into the parts.
 */
import { onnxOp, pyAtom, pyBinary, pyCall, pyOperand, precedence, type OpExportForm } from "./export.js";
import type { StructuralOp } from "./op.js";
import { concatenation, elementwise, product } from "./shapes.js";

/** A piece of a derivative, made by the gradient pass: not written, not differentiated. */
function internal(name: string, kind: StructuralOp["kind"], operand: string, formula: string): StructuralOp {
  return {
    name,
    kind,
    written: { form: "internal" },
    arity: 1,
    operandNames: [operand],
    shape: elementwise,
    doc: { formula, derivative: "(made by the gradient pass, not differentiated)" },
  };
}

/**
 * A product exported: each block times its columns of W (PyTorch: `x @ W[:, a:b].T`; ONNX: a
 * MatMul by the block transposed once); a one-hot block picks its columns (none for the id −1,
 * before a sequence starts).
 */
const exportedProduct: OpExportForm = {
  pytorch: (blocks, param) => {
    const w = pyOperand(param!, precedence.atom);
    let col = 0;
    const terms = blocks.map((x) => {
      const columns = blocks.length === 1 ? w : `${w}[:, ${col}:${col + x.size}]`;
      col += x.size;
      return x.onehot ? pyCall("onehot_columns", columns, x.text) : pyBinary(x, "@", pyAtom(`${columns}.T`));
    });
    return terms.reduce((sum, term) => pyBinary(sum, "+", term));
  },
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
};

export const structural: readonly StructuralOp[] = [
  {
    name: "matvec",
    kind: "matvec",
    written: { form: "binary", symbol: "@" },
    arity: 2,
    operandNames: ["W", "x"],
    shape: product,
    doc: {
      formula: "W @ x = Σ_k W[:, cols of block k] · x_k over the column blocks x_k of x",
      derivative: "∂/∂x_k = W[:, cols of block k]ᵀ · dy, ∂/∂W[:, cols of block k] = dy · x_kᵀ summed over the batch",
    },
    grad: (g) => {
      const param = g.node.param!;
      let col = 0;
      g.node.args.forEach((_, k) => {
        const size = g.operandSize(k);
        if (!g.operandOnehot(k)) g.send(k, g.apply("matvec_t", [g.dy], { param, col, size }));
        g.sendToWeights(param, col, g.dy, k);
        col += size;
      });
    },
    export: exportedProduct,
  },
  internal("matvec_t", "matvec_t", "dy", "W[:, col .. col + size]ᵀ · dy: the adjoint of a product's column block"),
  {
    name: "concat",
    kind: "concat",
    written: { form: "brackets" },
    arity: "any",
    operandNames: ["a", "b", "…"],
    shape: concatenation,
    doc: { formula: "[a, b, …]: the vectors end to end", derivative: "∂/∂a = dy[cols of a], …" },
    grad: (g) => {
      let col = 0;
      g.node.args.forEach((_, k) => {
        const size = g.operandSize(k);
        g.send(k, g.apply("slice", [g.dy], { col, size }));
        col += size;
      });
    },
    export: {
      pytorch: (parts) => pyCall("torch.cat", `[${parts.map((p) => p.text).join(", ")}]`, "dim=-1"),
      onnx: onnxOp("Concat", { axis: -1 }),
    },
  },
  internal("slice", "slice", "v", "v[col .. col + size]: the adjoint of a part of a concatenation"),
];
