/** Telling a diverged run from a noisy one, on the loss of each step and each validation. */
import { describe, expect, it } from "vitest";
import { newLossHistory, recordStepLoss, validationDiverged } from "../../../engine/train/divergence.js";

/** The step (from 1) at which a run of these losses is stopped, or undefined. */
function stopsAt(losses: number[], perplexity = false): number | undefined {
  const history = newLossHistory();
  const i = losses.findIndex((l) => recordStepLoss(history, l, perplexity) !== undefined);
  return i < 0 ? undefined : i + 1;
}

const falling = (n: number, from = 2.9, to = 0.4) => Array.from({ length: n }, (_, i) => from + ((to - from) * i) / n);

describe("divergence of the training loss", () => {
  it("stops a run whose loss leaves the untrained level far behind (--lr 1e9: 5e9 from the second step)", () => {
    expect(stopsAt([2.9, 5e9, 4e9, 6e9, 5e9, 5e9])).toBe(5);
  });

  it("stops a run that learned, then rose back above the untrained model's loss", () => {
    const rise = Array.from({ length: 20 }, (_, i) => 0.3 + i * 0.2);
    const at = stopsAt([...falling(40), ...rise]);
    expect(at).toBeGreaterThan(40);
    expect(at).toBeLessThan(60);
  });

  it("does not stop for single spikes, however high", () => {
    const losses = falling(100).map((l, i) => (i % 10 === 7 ? l * 1000 : l));
    expect(stopsAt(losses)).toBeUndefined();
  });

  it("does not stop a loss that rises from a very low level but stays below the untrained model's", () => {
    expect(stopsAt([...falling(50, 0.7, 0.001), ...Array.from({ length: 50 }, () => 0.05)])).toBeUndefined();
  });

  it("does not stop noise around the untrained level at the start", () => {
    expect(stopsAt([2.9, 3.4, 3.1, 2.7, 3.6, 3.3, 2.8, 3.0, 3.5, 2.6])).toBeUndefined();
  });

  it("stops at a perplexity that overflows, for a cross-entropy over classes only", () => {
    expect(stopsAt([2.9, 800], true)).toBe(2);
    expect(stopsAt([2.9, 800], false)).toBeUndefined();
  });

  it("says what it saw", () => {
    const history = newLossHistory();
    const why = [2.9, 40, 45, 50, 42].map((l) => recordStepLoss(history, l, false)).pop();
    expect(why).toBe(
      "the loss has diverged: 42.0 per position (median of the last 5 steps), more than 3× its lowest level 2.90 and above the untrained model's 2.90",
    );
  });

  it("decides the same from a history saved and restored as JSON (a resumed run stops where the uninterrupted one would)", () => {
    const losses = [...falling(30), ...Array.from({ length: 20 }, (_, i) => 0.5 + i * 0.3)];
    const whole = stopsAt(losses);
    const history = newLossHistory();
    for (const l of losses.slice(0, 37)) expect(recordStepLoss(history, l, false)).toBeUndefined();
    const restored = JSON.parse(JSON.stringify(history)) as typeof history;
    const rest = losses.slice(37).findIndex((l) => recordStepLoss(restored, l, false) !== undefined);
    expect(whole).toBe(37 + rest + 1);
  });
});

describe("divergence in validation", () => {
  it("is a non-finite loss or perplexity", () => {
    expect(validationDiverged({ loss: 1.2, perplexity: Math.exp(1.2), positions: 10 })).toBeUndefined();
    expect(validationDiverged({ loss: 5e9, perplexity: Infinity, positions: 10 })).toBe(
      "the validation perplexity is Infinity (validation loss 5.00e+9 per token)",
    );
    expect(validationDiverged({ loss: NaN, positions: 10 })).toBe("the validation loss is NaN");
  });
});
