/**
 * The losses: `loss FN(prediction, target, reduce = mean|sum) at last|each`. Each is scored
 * by a runtime kernel over the scored rows, and seeds the backward pass with its derivative
 * at each scored position. A form fused with the op that defines the prediction is scored
 * from that op's operand, stably: cross_entropy of softmax(z) is logsumexp(z) − z_y, and its
 * seed goes to z as p − onehot(y).
 */
import type { LossExportForm } from "./export.js";
import type { LossSpec, Reduction } from "./op.js";

export const reductions: readonly Reduction[] = ["mean", "sum"];

/** −log softmax(z)_y = logsumexp(z) − z_y, from z (exported models' helper `pick` takes z_y). */
const logitsCrossEntropy: LossExportForm = (z, y) => `torch.logsumexp(${z}, dim=-1) - pick(${z}, ${y})`;

export const losses: readonly LossSpec[] = [
  {
    name: "cross_entropy",
    target: "class",
    formula: "−log p_y per scored position; with p = softmax(z) computed as −log_softmax(z)_y, gradient p − onehot(y)",
    forms: [
      {
        fusedWith: "softmax",
        kernel: "crossEntropyFromLogits",
        seed: (g) => g.sub(g.prediction(), g.target()),
        gradient: "dz = p − onehot(y)",
        pytorch: logitsCrossEntropy,
      },
      {
        fusedWith: "log_softmax",
        kernel: "crossEntropyFromLogits",
        seed: (g) => g.sub(g.apply("exp", [g.prediction()]), g.target()),
        gradient: "dz = exp(log p) − onehot(y)",
        pytorch: logitsCrossEntropy,
      },
      {
        kernel: "crossEntropyFromProbs",
        // Only the target's entry: −1/p_y there, 0 elsewhere.
        seed: (g) => g.apply("where_nonzero", [g.target(), g.neg(g.div(g.constant(1), g.prediction())), g.constant(0)]),
        gradient: "dp_y = −1 / p_y",
        pytorch: (p, y) => `-torch.log(pick(${p}, ${y}))`,
      },
    ],
  },
  {
    name: "binary_cross_entropy",
    target: "real",
    formula:
      "−Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)] per scored position; with p = sigmoid(z) computed from z stably",
    forms: [
      {
        fusedWith: "sigmoid",
        kernel: "binaryCrossEntropyFromLogits",
        seed: (g) => g.sub(g.prediction(), g.target()),
        gradient: "dz = σ(z) − y",
        // PyTorch's own takes the gradient as σ(z) − y (also at z = 0, where max(z, 0) and |z| have none).
        pytorch: (z, y) => `F.binary_cross_entropy_with_logits(${z}, ${y}, reduction="none").sum(dim=-1)`,
      },
      {
        kernel: "binaryCrossEntropy",
        // A term whose coefficient is 0 is dropped, as in the loss (0 · log 0 = 0): a saturated right prediction costs nothing.
        seed: (g) => {
          const p = g.prediction();
          const y = g.target();
          const notY = g.sub(g.constant(1), y);
          const zero = g.constant(0);
          return g.add(
            g.apply("where_nonzero", [y, g.neg(g.div(y, p)), zero]),
            g.apply("where_nonzero", [notY, g.div(notY, g.sub(g.constant(1), p)), zero]),
          );
        },
        gradient: "dp = −y / p + (1 − y) / (1 − p)",
        pytorch: (p, y) =>
          `-(keep_nonzero(${y}, lambda k: torch.log(torch.where(k, ${p}, 1.0))) + keep_nonzero(1 - ${y}, lambda k: torch.log(torch.where(k, 1 - ${p}, 1.0)))).sum(dim=-1)`,
      },
    ],
  },
  {
    name: "mse",
    target: "real",
    formula: "½ Σ_k (p_k − y_k)² per scored position",
    forms: [
      {
        kernel: "mse",
        seed: (g) => g.sub(g.prediction(), g.target()),
        gradient: "dp = p − y",
        pytorch: (p, y) => `0.5 * ((${p} - ${y}) ** 2).sum(dim=-1)`,
      },
    ],
  },
];
