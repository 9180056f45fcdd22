/**
 * The compiled backend does not check every value it computes; when its loss or a gradient
 * is not finite, it reports the same precise error as the interpreter (which quantity, at
 * which step of which sequence), never a bare NaN.
 */
import { describe, expect, it } from "vitest";
import { interpreterBackend } from "../../runtime/backend.js";
import { initialWeights } from "../../runtime/init-weights.js";
import { NumericError } from "../../runtime/interpret/numeric-error.js";
import { randomBatch } from "../../runtime/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { compiledFor } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";

const exploding = irFromText(`model Blowup {
  dim V = 4
  dim H = 4
  input x : onehot[V]
  target y : class[V]
  param W : [H, H] = 2
  param U : [H, V] = 2
  param Vo : [V, H]
  state h : [H] = zeros
  h = exp(W @ h[t-1] + U @ x)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at each
}`);

describe("a compiled model that overflows", () => {
  const weights = initialWeights(exploding, 1);
  const batch = randomBatch(exploding, new Rng(1), { T: 30, B: 2 });
  const interpreted = () => interpreterBackend(exploding).lossAndGrad(weights, batch);

  it("throws the interpreter's error, naming the quantity, step and sequence", async () => {
    const compiled = await compiledFor(exploding);
    expect(interpreted).toThrow(NumericError);
    const expected = (() => {
      try {
        interpreted();
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(expected).toMatch(/^'h' is Infinity at step \d+ of sequence \d+/);
    expect(() => compiled.lossAndGrad(weights, batch)).toThrow(expected!);
    expect(() => compiled.forward(weights, batch)).toThrow(expected!);
  });
});
