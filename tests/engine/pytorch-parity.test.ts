/**
 * The interpreter against PyTorch: fixtures written by tests/fixtures/pytorch/make_fixtures.py
 * (fixed weights and data; outputs of every quantity, loss and gradients from autograd; the
 * LSTM and GRU cases cross-checked there against torch.nn.LSTM / torch.nn.GRU).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret } from "../../engine/interpret/interpret.js";
import { batchFromJson } from "../../engine/io/data-json.js";
import { weightsFromJson } from "../../engine/io/weights-json.js";
import { flatten, maxRelativeError } from "../support/compare.js";
import { irFromFile } from "../support/models.js";

const dir = "tests/fixtures/pytorch";
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""));

describe("interpreter matches PyTorch to 1e-9 in float64", () => {
  it("has the fixtures the issue lists", () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        "elman_last",
        "elman_each_sum",
        "jordan_last",
        "elman_jordan_mse",
        "lstm_gates_each",
        "lstm_shorthand_last",
        "gru_mse_each",
        "delay2",
        "bigru_packed",
        "gru_seq2seq",
        "lstm_seq2seq",
        "attention_tutorial",
        "attention_luong_dot",
      ]),
    );
  });

  for (const name of cases) {
    it(name, () => {
      const fixture = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
      const ir = irFromFile(join(dir, fixture.model));
      const result = interpret(ir, weightsFromJson(ir, fixture.weights), batchFromJson(ir, fixture.data), {
        grad: true,
      });
      expect(Math.abs(result.loss! - fixture.expected.loss) / Math.abs(fixture.expected.loss)).toBeLessThan(1e-9);
      for (const [quantity, values] of Object.entries(fixture.expected.outputs)) {
        expect(maxRelativeError(result.quantity(quantity), flatten(values)), `output ${quantity}`).toBeLessThan(1e-9);
      }
      for (const [param, grad] of Object.entries(fixture.expected.grads)) {
        expect(maxRelativeError(result.grads![param]!, flatten(grad)), `gradient of ${param}`).toBeLessThan(1e-9);
      }
      expect(Object.keys(result.grads!).sort()).toEqual(Object.keys(fixture.expected.grads).sort());
    });
  }
});
