/**
 * The compiled backend does not check every value it computes; when its loss or a gradient
 * is not finite, it reports the same precise error as the interpreter (which quantity, at
 * which step of which sequence), never a bare NaN.
 */
import { describe, expect, it } from "vitest";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import { NumericError } from "../../engine/interpret/numeric-error.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { compiledFor } from "../support/equivalence.js";
import { explodingModel, irFromText } from "../support/models.js";

const exploding = irFromText(explodingModel);

describe("a compiled model that overflows", () => {
  const weights = initialWeights(exploding, 1);
  const batch = randomBatch(exploding, new Rng(1), { T: 30, B: 2 });
  const interpreted = () => interpreterBackend(exploding).lossAndGrad(weights, batch);

  it("throws the interpreter's error, naming the quantity, step and sequence", async () => {
    const compiled = await compiledFor(exploding);
    const expected = thrown(interpreted);
    expect(expected).toBeInstanceOf(NumericError);
    expect(expected.message).toMatch(/^'h' is Infinity at step \d+ of sequence \d+/);
    expect(() => compiled.lossAndGrad(weights, batch)).toThrow(expected.message);
    expect(() => compiled.forward(weights, batch)).toThrow(expected.message);
  });
});

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, and none was thrown");
}
