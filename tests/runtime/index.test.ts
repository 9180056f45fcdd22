import { describe, expect, it } from "vitest";
import * as runtime from "../../runtime/index.js";

describe("runtime/index.ts", () => {
  it("exports the public API of the numeric runtime modules", () => {
    const expected = [
      "Rng",
      "RNG_ALGORITHM",
      "householderQr",
      "initialise",
      "matmulBatch",
      "matmulBatchBackwardInput",
      "matmulBatchBackwardWeight",
      "gatherColumnsBatch",
      "scatterColumnsBatch",
      "gatherRowsBatch",
      "scatterRowsBatch",
      "PAD_ID",
      "addBiasBatch",
      "addBiasBatchBackward",
      "softmaxRows",
      "logSoftmaxRows",
      "softmaxRowsBackward",
      "logSoftmaxRowsBackward",
      "rowMax",
      "logSumExp",
      "crossEntropyFromLogits",
      "crossEntropyFromProbs",
      "mse",
      "binaryCrossEntropy",
      "binaryCrossEntropyFromLogits",
      "sumOfSquares",
      "maxAbs",
      "l2Norm",
      "clipByValue",
      "clipByGlobalNorm",
      "float16BitsToNumber",
      "bfloat16BitsToNumber",
      "encodeSafetensors",
      "decodeSafetensors",
    ];
    expect(Object.keys(runtime)).toEqual(expect.arrayContaining(expected));
  });
});
