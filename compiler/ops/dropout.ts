/**
 * Dropout, `dropout(x, p = 0.3)`: while training, each element of x is kept with probability
 * 1 − p and scaled by 1/(1 − p), or zeroed (inverted dropout, as torch.nn.Dropout); outside
 * training it is the identity. The randomness is a mask operand the file does not write:
 * lowering adds it as a `mask` leaf, which training fills from rnnc's seeded generator
 * (engine/train/masks.ts) and every other run fills with ones, so that the op itself is the
 * product x ⊙ m, with the product's derivative.
 */
import { binary } from "./expr.js";
import type { ElementwiseOp } from "./op.js";
import { rowwise, type ShapeRule } from "./shapes.js";

/** Element by element over a vector: a scalar has no elements to drop. */
const droppedElementwise: ShapeRule = { ...rowwise, operandDoc: "a vector (each element dropped on its own)" };

export const dropout: ElementwiseOp = {
  name: "dropout",
  kind: "elementwise",
  written: { form: "call" },
  // x, and the mask lowering adds.
  arity: 2,
  operandNames: ["x", "mask"],
  shape: droppedElementwise,
  drawnMask: true,
  settings: [
    {
      name: "p",
      doc: "the probability that an element is dropped (zeroed) while training",
      kind: "number",
      range: "0 ≤ p < 1",
      accepts: (p) => p >= 0 && p < 1,
    },
    {
      name: "per",
      doc: "`step`: a new mask at every step; `sequence`: one mask per sequence, the same at every step (variational dropout, Gal & Ghahramani 2016)",
      kind: "word",
      words: ["step", "sequence"],
      default: "step",
    },
  ],
  doc: {
    formula:
      "dropout(x) = x ⊙ m: while training m_i = 1/(1 − p) with probability 1 − p, else 0; outside training m = 1 (the identity)",
    derivative: "∂/∂x = m: the gradient passes where the element was kept, scaled by 1/(1 − p)",
  },
  expr: (x, m) => binary("*", x, m),
  grad: (g) => {
    g.send(0, g.mul(g.dy, g.operand(1)));
    // The mask is data: the gradient pass drops what it is sent.
    g.send(1, g.mul(g.dy, g.operand(0)));
  },
  // An exported model runs inference: the identity (the mask is not an operand of the export).
  export: { pytorch: ([x]) => x!, onnx: (g, [x]) => g.op("Identity", [x!.name]) },
};
