/**
 * The compiled backend's training step (`gradientStep`): what `lossAndGrad` gives a training
 * loop (the loss, the gradient, the state to carry) without copying any quantity out of the
 * module's workspace, into the same gradient arrays at every step.
 */
import { describe, expect, it, vi } from "vitest";
import { compiledBackend } from "../../engine/compiled-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { irFromFile } from "../support/models.js";

const lm = irFromFile("examples/char-lm.rnn", { V: 7, H: 6 });
const values = (w: Record<string, Float64Array>) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, [...v]]));

describe.each(["f64", "f32"] as const)("the compiled backend's gradientStep, %s", (dtype) => {
  it("gives lossAndGrad's loss, gradient and carry, reading no quantity out of the workspace", async () => {
    const module = await loadCompiledModule(lm, dtype);
    const weights = initialWeights(lm, 1);
    const [first, second] = [2, 3].map((seed) => randomBatch(lm, new Rng(seed), { T: 5, B: 3 }));
    const reference = compiledBackend(lm, module);
    const expected = reference.lossAndGrad(weights, first!);
    const expectedNext = reference.lossAndGrad(weights, second!, expected.carry());

    const output = vi.spyOn(module.Model.prototype, "output");
    try {
      const backend = compiledBackend(lm, module);
      const step = backend.gradientStep(weights, first!);
      expect(step.loss).toBe(expected.loss);
      expect(values(step.grads)).toEqual(values(expected.grads));
      const next = backend.gradientStep(weights, second!, step.carry());
      expect(next.loss).toBe(expectedNext.loss);
      expect(values(next.grads)).toEqual(values(expectedNext.grads));
      // The same arrays, refilled: nothing allocated per step for the gradient.
      for (const name of Object.keys(next.grads)) expect(next.grads[name]).toBe(step.grads[name]);
      expect(output).not.toHaveBeenCalled();
    } finally {
      output.mockRestore();
    }
  });
});
