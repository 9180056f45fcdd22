/**
 * Dropout against PyTorch with fixed weights and a fixed mask: the fixture
 * (tests/fixtures/pytorch/dropout/, written by its make_fixture.py) holds the weights, the
 * data, the masks it drew and fed into torch (x ⊙ m for each dropout, one of them the same at
 * every step), and torch's loss, outputs and autograd gradients. rnnc's interpreter and
 * generated code run the same batch with the same masks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { batchFromJson } from "../../engine/io/data-json.js";
import { weightsFromJson } from "../../engine/io/weights-json.js";
import { namedRecord } from "../../runtime/records.js";
import { flatten, maxRelativeError } from "../support/compare.js";
import { compiledFor } from "../support/equivalence.js";
import { irFromFile } from "../support/models.js";

const dir = "tests/fixtures/pytorch/dropout";
const fixture = JSON.parse(readFileSync(join(dir, "dropout.json"), "utf8"));
const ir = irFromFile(join(dir, fixture.model));
const weights = weightsFromJson(ir, fixture.weights);
const unmasked = batchFromJson(ir, fixture.data);
const masks = namedRecord(Object.entries(fixture.masks).map(([name, m]) => [name, Float64Array.from(flatten(m))]));

describe("dropout matches PyTorch to 1e-9 in float64 with the same mask", () => {
  it("the fixture's masks are the model's: one per dropout, in source order, one of them per sequence", () => {
    expect(ir.masks.map((m) => m.name)).toEqual(Object.keys(fixture.masks));
    const first = masks["dropout1"]!;
    const width = unmasked.B * 4;
    expect(first.subarray(width, 2 * width)).toEqual(first.subarray(0, width));
  });

  for (const backend of ["interp", "compiled"] as const)
    it(backend, async () => {
      const model = backend === "interp" ? interpreterBackend(ir) : await compiledFor(ir);
      const r = model.lossAndGrad(weights, { ...unmasked, masks });
      expect(Math.abs(r.loss - fixture.expected.loss) / Math.abs(fixture.expected.loss)).toBeLessThan(1e-9);
      for (const [quantity, values] of Object.entries(fixture.expected.outputs))
        expect(maxRelativeError(r.quantity(quantity), flatten(values)), `output ${quantity}`).toBeLessThan(1e-9);
      for (const [param, grad] of Object.entries(fixture.expected.grads))
        expect(maxRelativeError(r.grads[param]!, flatten(grad)), `gradient of ${param}`).toBeLessThan(1e-9);
      // Without the masks it is another model's loss: the masks are what torch was given.
      const identity = model.lossAndGrad(weights, unmasked).loss;
      expect(Math.abs(identity - fixture.expected.loss)).toBeGreaterThan(1e-3);
    });
});
