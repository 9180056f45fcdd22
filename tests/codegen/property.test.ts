/**
 * Compiled equals interpreted to 1e-12 relative (float64), forward and gradients, on 200
 * random well-formed models from the generator, each on a batch of random T, B and lengths.
 * The seed is fixed, so a run is reproducible; on a failure fast-check prints the shrunk
 * model and how to replay it. The smallest models it has found are in regressions.test.ts.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { generatedModel } from "../support/model-generator.js";
import { irFromText } from "../support/models.js";

// Small dims keep each model cheap; the code paths do not depend on sizes. Safe numerics:
// exp, log and division of random values would compare NaN with NaN.
const models = generatedModel({ maxDim: 4, safeNumerics: true });

const batches = fc.record({
  T: fc.integer({ min: 1, max: 5 }),
  B: fc.integer({ min: 1, max: 3 }),
  ragged: fc.boolean(),
  seed: fc.nat(),
});

/** The largest difference between the interpreter and the module compiled `as`, on a random model and batch. */
async function difference(
  model: { text: string },
  { T, B, ragged, seed }: { T: number; B: number; ragged: boolean; seed: number },
  as: { dtype?: "f64" | "f32"; kernels?: "wasm" } = {},
) {
  const ir = irFromText(model.text);
  const rng = new Rng(seed);
  const weights = initialWeights(ir, seed);
  // Zero-initialised matrices would hide wrong products, and gradients that cancel to 0
  // exactly (identical rows of a batch) would compare rounding noise.
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.5, 0.5);
  return backendDifference(ir, weights, randomBatch(ir, rng, { T, B, ragged }), undefined, as);
}

// Transpiling and importing each generated module takes most of the time: about 30 s for 200.
it("compiled equals interpreted on 200 random models, T, B and lengths", { timeout: 180_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(models, batches, async (model, batch) => {
      const { worst, where } = await difference(model, batch);
      expect(worst, where).toBeLessThan(1e-12);
    }),
    { numRuns: 200, seed: 20_251_126 },
  );
});

// Float32 on the WebAssembly tier takes another path: activations by the vectorised kernel between split loops.
it(
  "float32 on WebAssembly agrees with the float64 interpreter to float32 rounding on 60 random models",
  { timeout: 120_000 },
  async () => {
    await fc.assert(
      fc.asyncProperty(models, batches, async (model, batch) => {
        const { worst, where } = await difference(model, batch, { dtype: "f32", kernels: "wasm" });
        expect(worst, where).toBeLessThan(1e-4);
      }),
      { numRuns: 60, seed: 20_261_126 },
    );
  },
);
