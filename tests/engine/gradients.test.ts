/**
 * BPTT gradients against five-point finite differences, on every example model and on
 * variants covering each loss, both reductions, `at last` / `at each`, ragged lengths,
 * learned initial states, delays of two steps and delayed inputs.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ModelBackend } from "../../engine/model-backend.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { irFromFile, irFromText, smallIrFromFile } from "../support/models.js";

const tolerance = 1e-5;

function worstError(
  ir: IrModel,
  {
    T = 5,
    B = 3,
    seed = 1,
    backend = interpreterBackend(ir),
  }: { T?: number; B?: number; seed?: number; backend?: ModelBackend } = {},
): number {
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.2, 0.2);
  const batch = randomBatch(ir, rng, { T, B, ragged: true });
  return Math.max(...gradcheck(backend, weights, batch, rng, { samplesPerParam: 12 }).map((r) => r.worstError));
}

/** An Elman model with a chosen output layer and loss line, for the loss variants. */
function elmanWith(output: string, target: string, loss: string, input = "x : [D]"): string {
  return `model Variant {
    dim D = 3
    dim H = 5
    dim K = 4
    input ${input}
    target ${target}
    param W : [H, H]
    param U : [H, D]
    param b : [H] = zeros
    param Vo : [K, H]
    param c : [K] = zeros
    state h : [H] = zeros
    h = tanh(W @ h[t-1] + U @ x + b)
    ${output}
    ${loss}
  }`;
}

describe("gradients match finite differences", () => {
  for (const file of readdirSync("examples").filter((f) => f.endsWith(".rnn"))) {
    it(`examples/${file}`, () => {
      // Small dims keep the check fast; the structure is what matters.
      expect(worstError(smallIrFromFile(`examples/${file}`))).toBeLessThan(tolerance);
    });
  }

  const variants: [string, string][] = [
    [
      "cross_entropy at each, mean",
      elmanWith("o = softmax(Vo @ h + c)", "y : class[K]", "loss cross_entropy(o, y) at each"),
    ],
    [
      "cross_entropy at each, sum",
      elmanWith("o = softmax(Vo @ h + c)", "y : class[K]", "loss cross_entropy(o, y, reduce = sum) at each"),
    ],
    [
      "cross_entropy at last, sum",
      elmanWith("o = softmax(Vo @ h + c)", "y : class[K]", "loss cross_entropy(o, y, reduce = sum) at last"),
    ],
    [
      "cross_entropy of log_softmax",
      elmanWith("o = log_softmax(Vo @ h + c)", "y : class[K]", "loss cross_entropy(o, y) at each"),
    ],
    [
      "cross_entropy of probabilities, not fused",
      elmanWith("o = softmax(Vo @ h + c) * 0.5 + 0.125", "y : class[K]", "loss cross_entropy(o, y) at each"),
    ],
    ["mse at each, mean", elmanWith("o = Vo @ h + c", "y : [K]", "loss mse(o, y) at each")],
    ["mse at last, sum", elmanWith("o = Vo @ h + c", "y : [K]", "loss mse(o, y, reduce = sum) at last")],
    [
      "binary_cross_entropy fused with sigmoid",
      elmanWith("o = sigmoid(Vo @ h + c)", "y : [K]", "loss binary_cross_entropy(o, y) at each"),
    ],
    [
      "binary_cross_entropy of a non-sigmoid",
      elmanWith("o = sigmoid(Vo @ h + c) * 0.5 + 0.25", "y : [K]", "loss binary_cross_entropy(o, y) at last"),
    ],
    [
      "one-hot input",
      elmanWith("o = softmax(Vo @ h + c)", "y : class[K]", "loss cross_entropy(o, y) at each", "x : onehot[D]"),
    ],
  ];
  for (const [name, text] of variants) it(name, () => expect(worstError(irFromText(text))).toBeLessThan(tolerance));

  it("learned initial states, delays of two steps, delayed inputs, division and relu", () => {
    const ir = irFromText(`model Mixed {
      dim D = 3
      dim H = 4
      dim K = 3
      input x : onehot[D]
      input z : [2]
      target y : class[K]
      param W : [H, H]
      param W2 : [H, H]
      param U : [H, 2 * D]
      param Z : [H, 2]
      param b : [H] = 0.1
      param Vo : [K, H + H]
      state h : [H] = learned
      state g : [H] = 0.5
      h = tanh(W @ h[t-1] + W2 @ h[t-2] + U @ [x, x[t-2]] + b)
      g = relu(Z @ z[t-1] + g[t-1] / (2 + h * h) - 0.1)
      o = softmax(Vo @ [h, -g])
      loss cross_entropy(o, y) at each
    }`);
    expect(worstError(ir, { T: 6 })).toBeLessThan(tolerance);
  });

  it("T = 1 and B = 1", () => {
    const ir = irFromFile("examples/lstm.rnn", { V: 5, H: 3 });
    expect(worstError(ir, { T: 1, B: 1 })).toBeLessThan(tolerance);
  });

  it("would catch a wrong gradient", () => {
    const ir = irFromFile("examples/elman.rnn", { V: 5, H: 3 });
    const honest = interpreterBackend(ir);
    const broken: ModelBackend = {
      ...honest,
      lossAndGrad(weights, batch) {
        const r = honest.lossAndGrad(weights, batch);
        r.grads["W"]![0]! *= 1.01;
        return r;
      },
    };
    expect(worstError(ir, { backend: broken })).toBeGreaterThan(1e-3);
  });
});
