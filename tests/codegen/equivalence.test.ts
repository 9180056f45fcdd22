/**
 * Generated code equals the interpreter to 1e-12 (float64): loss, every quantity at every
 * step, every gradient; on every example, with ragged lengths, T = 1 and B = 1, and on the
 * PyTorch fixtures.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { batchFromJson } from "../../engine/io/data-json.js";
import { weightsFromJson } from "../../engine/io/weights-json.js";
import { flatten, maxRelativeError } from "../support/compare.js";
import { backendDifference, compiledFor } from "../support/equivalence.js";
import { exampleFiles, irFromFile, smallIrFromFile } from "../support/models.js";

const examples = exampleFiles();

describe("compiled equals interpreted to 1e-12", () => {
  for (const file of examples) {
    it(`examples/${file}, ragged batch`, async () => {
      const ir = smallIrFromFile(`examples/${file}`, 6);
      const rng = new Rng(11);
      const weights = initialWeights(ir, 11);
      for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
      const { worst, where } = await backendDifference(ir, weights, randomBatch(ir, rng, { T: 7, B: 4, ragged: true }));
      expect(worst, where).toBeLessThan(1e-12);
    });
  }

  it("T = 1 and B = 1", async () => {
    const ir = smallIrFromFile("examples/stacked.rnn");
    const { worst, where } = await backendDifference(
      ir,
      initialWeights(ir, 2),
      randomBatch(ir, new Rng(2), { T: 1, B: 1 }),
    );
    expect(worst, where).toBeLessThan(1e-12);
  });
});

describe("compiled backend matches PyTorch to 1e-9", () => {
  const dir = "tests/fixtures/pytorch";
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    it(name.replace(/\.json$/, ""), async () => {
      const fixture = JSON.parse(readFileSync(join(dir, name), "utf8"));
      const ir = irFromFile(join(dir, fixture.model));
      const result = (await compiledFor(ir)).lossAndGrad(
        weightsFromJson(ir, fixture.weights),
        batchFromJson(ir, fixture.data),
      );
      expect(Math.abs(result.loss - fixture.expected.loss) / Math.abs(fixture.expected.loss)).toBeLessThan(1e-9);
      for (const [q, values] of Object.entries(fixture.expected.outputs))
        expect(maxRelativeError(result.quantity(q), flatten(values)), q).toBeLessThan(1e-9);
      for (const [p, grad] of Object.entries(fixture.expected.grads))
        expect(maxRelativeError(result.grads[p]!, flatten(grad)), p).toBeLessThan(1e-9);
    });
  }
});
