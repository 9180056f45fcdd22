import { describe, expect, it } from "vitest";
import type { FloatArray } from "../../../runtime/floatArray.js";
import {
  binaryCrossEntropy,
  binaryCrossEntropyFromLogits,
  crossEntropyFromLogits,
  crossEntropyFromProbs,
  mse,
} from "../../../runtime/kernels/losses.js";
import { softmaxRows } from "../../../runtime/kernels/softmax.js";
import { Rng } from "../../../runtime/rng.js";
import { expectAllClose, randomArray } from "../helpers.js";

/** The shared signature of the loss kernels, with the target type left open. */
type LossKernel<T> = (
  B: number,
  K: number,
  input: FloatArray,
  inputOff: number,
  target: T,
  targetOff: number,
  weights: FloatArray | null,
  weightsOff: number,
  rowLoss: FloatArray | null,
  rowLossOff: number,
) => number;

/** Total and per-row loss of a kernel at offset 0. */
function evaluate<T>(
  kernel: LossKernel<T>,
  B: number,
  K: number,
  input: Float64Array,
  target: T,
  weights: Float64Array | null = null,
): { total: number; rowLoss: Float64Array } {
  const rowLoss = new Float64Array(B);
  const total = kernel(B, K, input, 0, target, 0, weights, 0, rowLoss, 0);
  return { total, rowLoss };
}

const weights3 = Float64Array.of(1, 0.5, 2);

describe("crossEntropyFromLogits", () => {
  it("is −log softmax(z)[y], on hand-checked rows", () => {
    const logits = Float64Array.of(0, 0, Math.log(3), 0); // softmax rows (½, ½) and (¾, ¼)
    const { total, rowLoss } = evaluate(crossEntropyFromLogits, 2, 2, logits, Int32Array.of(0, 1));
    expectAllClose(rowLoss, [Math.LN2, Math.log(4)], 1e-15);
    expect(total).toBeCloseTo(Math.LN2 + Math.log(4), 15);
  });

  it("stays exact for logits far beyond exp's range", () => {
    const { total } = evaluate(crossEntropyFromLogits, 1, 2, Float64Array.of(1000, 0), Int32Array.of(1));
    expect(total).toBe(1000);
  });

  it("agrees with crossEntropyFromProbs on softmax(z)", () => {
    const rng = new Rng(2);
    const logits = randomArray(rng, 12, -3, 3) as Float64Array;
    const probs = new Float64Array(12);
    softmaxRows(3, 4, logits, 0, probs, 0);
    const targets = Int32Array.of(1, 3, 0);
    const fromLogits = evaluate(crossEntropyFromLogits, 3, 4, logits, targets, weights3);
    const fromProbs = evaluate(crossEntropyFromProbs, 3, 4, probs, targets, weights3);
    expectAllClose(fromProbs.rowLoss, fromLogits.rowLoss, 1e-14);
  });
});

describe("crossEntropyFromProbs", () => {
  it("is −log p[y]", () => {
    const { rowLoss } = evaluate(
      crossEntropyFromProbs,
      2,
      2,
      Float64Array.of(0.25, 0.75, 0.5, 0.5),
      Int32Array.of(0, 1),
    );
    expectAllClose(rowLoss, [Math.log(4), Math.LN2], 1e-15);
  });
});

describe("mse", () => {
  it("is ½Σ(p − y)²", () => {
    const { rowLoss } = evaluate(mse, 2, 2, Float64Array.of(1, 2, 0, 0), Float64Array.of(0, 4, 3, 0));
    expect(Array.from(rowLoss)).toEqual([2.5, 4.5]);
  });
});

describe("binaryCrossEntropy", () => {
  it("is −Σ[y log p + (1 − y) log(1 − p)]", () => {
    const { rowLoss } = evaluate(binaryCrossEntropy, 1, 2, Float64Array.of(0.25, 0.5), Float64Array.of(1, 0));
    expectAllClose(rowLoss, [Math.log(4) + Math.LN2], 1e-15);
  });

  it("costs 0, not NaN, for saturated correct predictions", () => {
    const { total } = evaluate(binaryCrossEntropy, 1, 2, Float64Array.of(1, 0), Float64Array.of(1, 0));
    expect(total).toBe(0);
  });
});

describe("binaryCrossEntropyFromLogits", () => {
  it("equals binaryCrossEntropy(sigmoid(z))", () => {
    const z = Float64Array.of(-2, 0.5, 3, -0.1);
    const y = Float64Array.of(0, 1, 0.4, 1);
    const p = z.map((v) => 1 / (1 + Math.exp(-v)));
    const fused = evaluate(binaryCrossEntropyFromLogits, 2, 2, z, y);
    expectAllClose(fused.rowLoss, evaluate(binaryCrossEntropy, 2, 2, p, y).rowLoss, 1e-14);
  });

  it("stays exact where sigmoid(z) rounds to 0 or 1", () => {
    const { total } = evaluate(binaryCrossEntropyFromLogits, 1, 2, Float64Array.of(800, -800), Float64Array.of(0, 0));
    expect(total).toBe(800);
  });
});

describe("loss bookkeeping shared by every loss", () => {
  it("scales each row's loss by the row weight", () => {
    const logits = Float64Array.of(0, 0, 0, 0);
    const { total, rowLoss } = evaluate(
      crossEntropyFromLogits,
      2,
      2,
      logits,
      Int32Array.of(0, 0),
      Float64Array.of(2, 0.5),
    );
    expectAllClose(rowLoss, [2 * Math.LN2, 0.5 * Math.LN2], 1e-15);
    expect(total).toBeCloseTo(2.5 * Math.LN2, 15);
  });

  it("ignores rows of weight 0 entirely, even with garbage inputs and targets", () => {
    const garbage = Float64Array.of(Number.NaN, Infinity, 0.5, 0.5);
    const ids = Int32Array.of(-1, 1);
    const targets = Float64Array.of(Number.NaN, 2, 0.5, 1);
    const masked = Float64Array.of(0, 1);
    const losses: Array<(rowLoss: Float64Array) => number> = [
      (rowLoss) => crossEntropyFromLogits(2, 2, garbage, 0, ids, 0, masked, 0, rowLoss, 0),
      (rowLoss) => crossEntropyFromProbs(2, 2, garbage, 0, ids, 0, masked, 0, rowLoss, 0),
      (rowLoss) => mse(2, 2, garbage, 0, targets, 0, masked, 0, rowLoss, 0),
      (rowLoss) => binaryCrossEntropy(2, 2, garbage, 0, targets, 0, masked, 0, rowLoss, 0),
      (rowLoss) => binaryCrossEntropyFromLogits(2, 2, garbage, 0, targets, 0, masked, 0, rowLoss, 0),
    ];
    for (const loss of losses) {
      const rowLoss = Float64Array.of(7, 7);
      const total = loss(rowLoss);
      expect(rowLoss[0]).toBe(0);
      expect(Number.isFinite(rowLoss[1])).toBe(true);
      expect(total).toBe(rowLoss[1]);
    }
  });

  it("reads every operand at its offset and skips absent outputs", () => {
    // Row (ln 3, 0) with target 0 sits at offset 2; its weight at offset 1; its loss written at offset 1.
    const logits = Float64Array.of(9, 9, Math.log(3), 0);
    const rowLoss = Float64Array.of(5, 5);
    const total = crossEntropyFromLogits(
      1,
      2,
      logits,
      2,
      Int32Array.of(-1, 0),
      1,
      Float64Array.of(0, 2),
      1,
      rowLoss,
      1,
    );
    expect(total).toBeCloseTo(2 * Math.log(4 / 3), 15);
    expectAllClose(rowLoss, [5, 2 * Math.log(4 / 3)], 1e-15);
    expect(crossEntropyFromLogits(1, 2, logits, 2, Int32Array.of(0), 0, null, 0, null, 0)).toBeCloseTo(
      Math.log(4 / 3),
      15,
    );
  });

  it("rejects a target id outside [0, K) in a scored row", () => {
    for (const kernel of [crossEntropyFromLogits, crossEntropyFromProbs]) {
      expect(() => evaluate(kernel, 1, 2, Float64Array.of(0.5, 0.5), Int32Array.of(2))).toThrow(
        /target id 2 at scored row 0/,
      );
      expect(() => evaluate(kernel, 1, 2, Float64Array.of(0.5, 0.5), Int32Array.of(-1))).toThrow(
        /give padded rows weight 0/,
      );
    }
  });
});
