/**
 * The built-in functions and losses of the language, with the formulas that hover and the
 * docs show. Their numerics live in `runtime/kernels`; this table is what the checker,
 * the language server and the documentation agree on.
 */

export type Activation = "sigmoid" | "tanh" | "relu" | "exp" | "log" | "identity" | "softmax" | "log_softmax";

export interface BuiltinFunction {
  name: Activation;
  formula: string;
  derivative: string;
  /** Whether the function mixes the components of its vector argument (softmax does, tanh does not). */
  rowWise: boolean;
}

export const builtinFunctions: Record<Activation, BuiltinFunction> = {
  sigmoid: {
    name: "sigmoid",
    formula: "σ(x) = 1 / (1 + e^(−x))",
    derivative: "σ'(x) = σ(x)(1 − σ(x))",
    rowWise: false,
  },
  tanh: {
    name: "tanh",
    formula: "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))",
    derivative: "tanh'(x) = 1 − tanh(x)²",
    rowWise: false,
  },
  relu: { name: "relu", formula: "relu(x) = max(0, x)", derivative: "relu'(x) = 1 if x > 0 else 0", rowWise: false },
  exp: { name: "exp", formula: "exp(x) = e^x", derivative: "exp'(x) = e^x", rowWise: false },
  log: { name: "log", formula: "log(x) = ln x", derivative: "log'(x) = 1 / x", rowWise: false },
  identity: { name: "identity", formula: "identity(x) = x", derivative: "identity'(x) = 1", rowWise: false },
  softmax: {
    name: "softmax",
    formula: "softmax(x)_i = e^(x_i − max x) / Σ_j e^(x_j − max x)",
    derivative: "∂softmax_i/∂x_j = s_i(δ_ij − s_j); fused with cross_entropy the gradient is p − onehot(y)",
    rowWise: true,
  },
  log_softmax: {
    name: "log_softmax",
    formula: "log_softmax(x)_i = x_i − max x − log Σ_j e^(x_j − max x)",
    derivative: "∂log_softmax_i/∂x_j = δ_ij − softmax_j",
    rowWise: true,
  },
};

export function isActivation(name: string): name is Activation {
  return Object.hasOwn(builtinFunctions, name);
}

export type LossFunction = "cross_entropy" | "binary_cross_entropy" | "mse";

export interface BuiltinLoss {
  name: LossFunction;
  /** The kind of target the loss scores against. */
  target: "class" | "real";
  formula: string;
}

export const builtinLosses: Record<LossFunction, BuiltinLoss> = {
  cross_entropy: {
    name: "cross_entropy",
    target: "class",
    formula: "−log p_y per scored position; with p = softmax(z) computed as −log_softmax(z)_y, gradient p − onehot(y)",
  },
  binary_cross_entropy: {
    name: "binary_cross_entropy",
    target: "real",
    formula:
      "−Σ_k [y_k log p_k + (1 − y_k) log(1 − p_k)] per scored position; with p = sigmoid(z) computed from z stably",
  },
  mse: { name: "mse", target: "real", formula: "½ Σ_k (p_k − y_k)² per scored position" },
};

export function isLossFunction(name: string): name is LossFunction {
  return Object.hasOwn(builtinLosses, name);
}

export const reductions = ["mean", "sum"] as const;
export type Reduction = (typeof reductions)[number];
