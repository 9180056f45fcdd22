/**
 * How `rnnc sample` draws the next character from the model's output: at temperature 0 the
 * likeliest, otherwise at random in proportion, for a vocabulary of any size.
 */
import { describe, expect, it } from "vitest";
import { draw } from "../../compiler/cli/commands/sample.js";
import { Rng } from "../../runtime/rng.js";

describe("draw", () => {
  const n = 200_000; // more characters than Math.max(...logits) can spread (about 120,000)
  const probabilities = new Float64Array(n).fill(0.5 / (n - 1));
  probabilities[150_000] = 0.5;

  it("takes the likeliest id at temperature 0, from a vocabulary of 200,000 characters", () => {
    expect(draw(probabilities, false, 0, new Rng(1), n)).toBe(150_000);
    expect(draw(probabilities.map(Math.log), true, 0, new Rng(1), n)).toBe(150_000);
  });

  it("draws in proportion at temperature 1, only ids in the vocabulary", () => {
    const rng = new Rng(7);
    const ids = Array.from({ length: 20 }, () => draw(probabilities, false, 1, rng, n));
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < n)).toBe(true);
    const likeliest = ids.filter((id) => id === 150_000).length;
    expect(likeliest).toBeGreaterThan(4); // half of 20 expected (binomial sd 2.2); the seed is fixed
    expect(likeliest).toBeLessThan(16);
  });
});
