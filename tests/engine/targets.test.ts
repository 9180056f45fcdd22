/**
 * A batch without its targets runs forward on either backend: the outputs are the same as
 * with targets, the loss is null, and a gradient is an error that names the missing target
 * (before, the interpreter failed inside its loss kernel and the compiled backend inside
 * the generated module, both with a TypeError).
 */
import { describe, expect, it } from "vitest";
import { createBackend } from "../../engine/backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { irFromFile } from "../support/models.js";

const ir = irFromFile("examples/lstm.rnn", { H: 6 });
const weights = initialWeights(ir, 3);
const labelled = randomBatch(ir, new Rng(7), { T: 5, B: 2 });
const unlabelled = { ...labelled, targets: {} };

describe.each(["interp", "compiled"] as const)("--backend %s, a batch without targets", (kind) => {
  it("gives the outputs it gives with targets, and a null loss", async () => {
    const backend = await createBackend(ir, kind);
    const withTargets = backend.forward(weights, labelled);
    const without = backend.forward(weights, unlabelled);
    expect(withTargets.loss).toEqual(expect.any(Number));
    expect(without.loss).toBeNull();
    for (const q of ir.quantities) expect(without.quantity(q.name)).toEqual(withTargets.quantity(q.name));
  });

  it("has no gradient: an error naming the target", async () => {
    const backend = await createBackend(ir, kind);
    expect(() => backend.lossAndGrad(weights, unlabelled)).toThrow(
      new Error("a gradient needs the batch's targets, and it has no target 'y'"),
    );
  });
});
