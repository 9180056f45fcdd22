/**
 * Models with a backward phase (a state read at [t+k]) compiled: generated code equals the
 * interpreter to 1e-12 in float64 on ragged batches, on the JavaScript and WebAssembly kernel
 * tiers: learned and constant initial values (read past each sequence's end), reads two steps
 * ahead, a backward LSTM, a classifier at the last step, the forward phase reading ahead itself.
 */
import { describe, expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { backendDifference, compiledFor } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";

const models: Record<string, string> = {
  "tagger, learned backward initial state": `model Tagger {
    dim V = 5
    dim H = 3
    input x : onehot[V]
    target y : class[2]
    param Wf : [H, H]
    param Uf : [H, V]
    param Wb : [H, H]
    param Ub : [H, V]
    param Vo : [2, 2 * H]
    state hf : [H] = zeros
    state hb : [H] = learned
    hf = tanh(Wf @ hf[t-1] + Uf @ x)
    hb = tanh(Wb @ hb[t+1] + Ub @ x)
    o = softmax(Vo @ [hf, hb])
    loss cross_entropy(o, y) at each
  }`,
  "two steps ahead, constant initial value, dense input": `model Ahead2 {
    input x : [3]
    target y : [2]
    param W : [4, 4]
    param W2 : [4, 4]
    param U : [4, 3]
    param b : [4]
    param Vo : [2, 4]
    state g : [4] = 0.5
    g = tanh(W @ g[t+1] + W2 @ g[t+2] + U @ x + b)
    o = Vo @ g
    loss mse(o, y) at each
  }`,
  "backward lstm cell, classified at the last step": `model BackLstm {
    input x : onehot[6]
    target y : class[3]
    cell h = lstm(x, size = 4, direction = backward, init = learned)
    param Vo : [3, 4]
    o = softmax(Vo @ h)
    loss cross_entropy(o, y) at last
  }`,
  "bidirectional gru over an embedding, read ahead by the output": `model BiGru {
    input x : onehot[7]
    target y : class[3]
    param E : [4, 7]
    e = tanh(E @ x)
    cell h = gru(e, size = 3, direction = both, in = 4)
    param Vo : [3, 6]
    param Va : [3, 3]
    o = softmax(Vo @ h + Va @ h.bwd[t+1])
    loss cross_entropy(o, y, reduce = sum) at each
  }`,
};

describe("generated code of bidirectional models equals the interpreter to 1e-12", () => {
  for (const [name, text] of Object.entries(models)) {
    for (const kernels of ["js", "wasm"] as const) {
      it(`${name} (${kernels} kernels)`, async () => {
        const ir = irFromText(text);
        const rng = new Rng(5);
        const weights = initialWeights(ir, 5);
        for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
        const batch = randomBatch(ir, rng, { T: 6, B: 5, ragged: true });
        const { worst, where } = await backendDifference(ir, weights, batch, undefined, { kernels });
        expect(worst, where).toBeLessThan(1e-12);
      });
    }
  }
});

describe("a model reading ahead needs whole sequences", () => {
  it("both backends refuse to continue a sequence from a previous chunk, and run whole ones alike", async () => {
    const ir = irFromText(models["tagger, learned backward initial state"]!);
    const weights = initialWeights(ir, 1);
    const batch = randomBatch(ir, new Rng(1), { T: 4, B: 2 });
    const interpreted = interpreterBackend(ir);
    const carry = interpreted.forward(weights, batch).carry();
    const refusal = /needs a model that runs forwards only: Tagger reads hb\[t\+1\]/;
    expect(() => interpreted.forward(weights, batch, carry)).toThrow(refusal);
    const compiled = await compiledFor(ir);
    expect(() => compiled.forward(weights, batch, carry)).toThrow(refusal);
    expect(compiled.forward(weights, batch).loss).toBeCloseTo(interpreted.forward(weights, batch).loss!, 12);
  });
});
