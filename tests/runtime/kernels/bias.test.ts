import { describe, expect, it } from "vitest";
import { addBiasBatch, addBiasBatchBackward } from "../../../runtime/kernels/bias.js";

describe("bias kernels", () => {
  it("addBiasBatch adds the vector to every row of a slice", () => {
    const y = Float64Array.of(99, 1, 2, 3, 4, 99);
    addBiasBatch(2, 2, Float64Array.of(0, 10, 20), 1, y, 1);
    expect(Array.from(y)).toEqual([99, 11, 22, 13, 24, 99]);
  });

  it("addBiasBatchBackward accumulates the column sums of dY", () => {
    const dc = Float64Array.of(1, 1);
    addBiasBatchBackward(3, 2, Float64Array.of(1, 2, 3, 4, 5, 6), 0, dc, 0);
    expect(Array.from(dc)).toEqual([10, 13]);
  });
});
