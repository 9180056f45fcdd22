/**
 * The smallest models on which generated code once differed from the interpreter (found by
 * property.test.ts), each on a ragged batch so that padded steps are exercised too.
 */
import { describe, expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";

async function expectCompiledEqualsInterpreted(text: string): Promise<void> {
  const ir = irFromText(text);
  const rng = new Rng(7);
  const weights = initialWeights(ir, 7);
  // Zero-initialised parameters would hide wrong products and gradients.
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.5, 0.5);
  const { worst, where } = await backendDifference(ir, weights, randomBatch(ir, rng, { T: 4, B: 3, ragged: true }));
  expect(worst, where).toBeLessThan(1e-12);
}

describe("a parameter read in place by something other than element-wise code", () => {
  // Was: "v0 is not defined" (the parameter was read from a buffer that does not exist) and,
  // once read, no gradient (softmax and loss seeds skipped a parameter's adjoint).
  it("softmax of a parameter", async () => {
    await expectCompiledEqualsInterpreted(`
      model ParameterRead {
        dim K = 3
        input x : [K]
        target y : class[K]
        param b : [K]
        param W : [K, K]
        p = softmax(b)
        o = softmax(W @ x + p)
        loss cross_entropy(o, y) at each
      }`);
  });

  it("a parameter in a concatenation", async () => {
    await expectCompiledEqualsInterpreted(`
      model ParameterRead {
        dim K = 2
        input x : [K]
        target y : [K + K]
        param b : [K]
        o = [x, b]
        loss mse(o, y) at each
      }`);
  });

  it("cross_entropy of the softmax of a parameter (the fused loss reads the parameter)", async () => {
    await expectCompiledEqualsInterpreted(`
      model ParameterRead {
        dim K = 3
        input x : [K]
        target y : class[K]
        param b : [K]
        param W : [K, K]
        h = tanh(W @ x)
        o = softmax(b)
        loss cross_entropy(o, y) at each
      }`);
  });
});

describe("a state that is a bare matrix product", () => {
  // Was: the product was written to the slot of step t, ignoring the history slot before
  // step 0, so h[t-1] read the wrong step.
  it("one block", async () => {
    await expectCompiledEqualsInterpreted(`
      model ProductState {
        dim H = 2
        input x : [H]
        target y : [H]
        param W : [H, H]
        param U : [H, H]
        state h : [H] = 0.5
        h = W @ h[t-1]
        o = U @ x + h
        loss mse(o, y) at each
      }`);
  });

  // Was: also the adjoint was read from the slot of step 0 of a per-step buffer.
  it("several blocks", async () => {
    await expectCompiledEqualsInterpreted(`
      model ProductBlocks {
        dim H = 2
        input x : [H]
        target y : [H]
        param W : [H, H + H]
        state h : [H] = 0.5
        h = W @ [h[t-1], x]
        loss mse(h, y) at each
      }`);
  });
});

// Was: both states shared one node, so one buffer held both histories and one initial value
// overwrote the other.
it("a state that is another state, with a different initial value", async () => {
  await expectCompiledEqualsInterpreted(`
    model SharedState {
      dim H = 2
      input x : [H]
      target y : [H]
      param W : [H, H]
      state h1 : [H] = learned
      state h2 : [H] = -1
      h1 = tanh(W @ x + h2[t-1])
      h2 = h1
      o = h1[t-1] + h2[t-1]
      loss mse(o, y) at each
    }`);
});

describe("fused loops as WebAssembly", () => {
  // Was: "v3 is not defined". The rule of 0.25 * (W @ x + b) reads W @ x + b, which is not
  // stored, to differentiate the constant, and then drops that term: the row stayed among the
  // call's arguments though nothing read it.
  it("a row read only by a dropped term is not passed", async () => {
    await expectCompiledEqualsInterpreted(`
      model Scaled {
        dim K = 3
        input x : [K]
        target y : [K]
        param W : [K, K]
        param b : [K]
        state h : [K] = zeros
        g = 0.25 * (W @ x + b)
        h = tanh(g + h[t-1])
        loss mse(h, y) at last
      }`);
  });
});
