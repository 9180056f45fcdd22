import { describe, expect, it } from "vitest";
import { randomBatch } from "../../../engine/random-batch.js";
import { scoredPositions } from "../../../engine/train/evaluate.js";
import { Rng } from "../../../runtime/rng.js";
import { irFromText } from "../../support/models.js";

/** An encoder–decoder whose first loss scores the source sequence (s) and whose second scores the target's (t). */
const encoderLossFirst = `
model EncoderLossFirst {
  dim V = 4
  dim H = 8
  input x[s] : onehot[V]
  target z[s] : class[V]
  target y : class[V]
  cell e = gru(x, size = H)
  cell d = gru(y[t-1], size = H, init = e[last])
  param Ve : [V, H]
  q = log_softmax(Ve @ e)
  param Vo : [V, H]
  o = log_softmax(Vo @ d)
  loss cross_entropy(q, z) at each
  loss cross_entropy(o, y) at each
}`;

describe("the positions a batch's loss is averaged over (per-position loss, perplexity)", () => {
  it("are the steps of the sequence the first loss scores, in a model of several sequences", () => {
    const ir = irFromText(encoderLossFirst);
    const batch = randomBatch(ir, new Rng(1), { T: 5, B: 2, steps: { s: 3 } });
    expect(batch.sequences!["s"]!.lengths).toEqual(Int32Array.of(3, 3));
    expect(batch.sequences!["t"]!.lengths).toEqual(Int32Array.of(5, 5));
    expect(scoredPositions(ir, batch)).toBe(6);
    // The same model with the losses the other way round scores the target's steps first.
    const swapped = irFromText(
      encoderLossFirst.replace(
        /(loss cross_entropy\(q, z\) at each)\n(\s*)(loss cross_entropy\(o, y\) at each)/,
        "$3\n$2$1",
      ),
    );
    expect(scoredPositions(swapped, batch)).toBe(10);
  });
});
