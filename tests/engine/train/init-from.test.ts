/**
 * Starting weights (`--init-from`) matched by name with shape checks and a report, and
 * frozen parameters (`--freeze`): unchanged by training, left out of the gradient's norm.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpreterBackend } from "../../../engine/interpreter-backend.js";
import { examplesFromBatch, sequenceBatch, type Dataset } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { l2Norm } from "../../../runtime/kernels/reductions.js";
import { encodeSafetensors } from "../../../runtime/io/safetensors.js";
import { Rng } from "../../../runtime/rng.js";
import { applyStartingWeights, frozenParameters, readStartingWeights } from "../../../engine/train/init-from.js";
import { initialTrainState, trainLoop, type TrainConfig } from "../../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { irFromText } from "../../support/models.js";

const source = `model M {
  dim V = 4
  dim H = 3
  input x : onehot[V]
  target y : class[V]
  cell h = gru(x, size = H)
  param Vo : [V, H]
  param c : [V] = zeros
  o = softmax(Vo @ h + c)
  loss cross_entropy(o, y) at last
}`;
const ir = irFromText(source);
const dir = mkdtempSync(join(tmpdir(), "rnnc-init-from-"));

describe("--init-from", () => {
  it("loads the tensors a safetensors file names (F32 from PyTorch), keeps the rest at their initialisers and ignores the others", () => {
    const Vo = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const file = join(dir, "torch.safetensors");
    writeFileSync(
      file,
      encodeSafetensors(
        {
          Vo: { shape: [4, 3], data: Vo },
          "h.W_z": { shape: [3, 7], data: new Float64Array(21).fill(0.25) },
          extra: { shape: [2], data: Float64Array.of(1, 2) },
        },
        "F32",
      ),
    );
    const weights = initialWeights(ir, 1);
    const before = initialWeights(ir, 1);
    const report = applyStartingWeights(ir, weights, readStartingWeights(file));
    expect(report.loaded).toEqual(["h.W_z", "Vo"]);
    expect(report.ignored).toEqual(["extra"]);
    expect(report.initialised).toEqual(ir.params.map((p) => p.name).filter((n) => n !== "Vo" && n !== "h.W_z"));
    expect(Array.from(weights["Vo"]!)).toEqual(Array.from(Vo));
    expect(Array.from(weights["h.W_z"]!)).toEqual(Array(21).fill(0.25));
    for (const name of report.initialised) expect(weights[name]).toEqual(before[name]);
  });

  it("reads JSON weights, checking each one's nesting against the parameter", () => {
    const file = join(dir, "weights.json");
    writeFileSync(file, JSON.stringify({ c: [0.5, -1, 2, 3] }));
    const weights = initialWeights(ir, 1);
    expect(applyStartingWeights(ir, weights, readStartingWeights(file)).loaded).toEqual(["c"]);
    expect(Array.from(weights["c"]!)).toEqual([0.5, -1, 2, 3]);
    writeFileSync(
      file,
      JSON.stringify({
        Vo: [
          [1, 2, 3],
          [4, 5],
          [6, 7, 8],
          [9, 10, 11],
        ],
      }),
    );
    expect(() => applyStartingWeights(ir, initialWeights(ir, 1), readStartingWeights(file))).toThrow(/Vo/);
  });

  it("refuses a tensor of another shape, naming both, and a file none of whose tensors is a parameter", () => {
    const file = join(dir, "bad.safetensors");
    writeFileSync(file, encodeSafetensors({ Vo: { shape: [5, 3], data: new Float64Array(15) } }, "F64"));
    expect(() => applyStartingWeights(ir, initialWeights(ir, 1), readStartingWeights(file))).toThrow(
      "'Vo' is [5, 3] there but [4, 3] in the model (a --dim different from the one the weights were trained with?)",
    );
    writeFileSync(file, encodeSafetensors({ "rnn.weight_ih_l0": { shape: [2], data: new Float64Array(2) } }, "F64"));
    expect(() => applyStartingWeights(ir, initialWeights(ir, 1), readStartingWeights(file))).toThrow(
      /none of its 1 tensors \(rnn.weight_ih_l0\) is a parameter of model M \(h.W_r, h.b_r, h.W_z, /,
    );
    expect(() => readStartingWeights(join(dir, "missing.safetensors"))).toThrow(/cannot be read/);
    expect(() => readStartingWeights(dir)).toThrow(/holds no checkpoint \(checkpoint.json is missing\)/);
  });
});

describe("--freeze", () => {
  it("names parameters, or a cell's all", () => {
    expect(frozenParameters(ir, ["Vo"])).toEqual(["Vo"]);
    expect(frozenParameters(ir, ["h", "c"])).toEqual([
      ...ir.params.map((p) => p.name).filter((n) => n.startsWith("h.")),
      "c",
    ]);
    expect(() => frozenParameters(ir, ["W"])).toThrow(
      /'W' is not a parameter or cell of model M \(its parameters: h.W_r, h.b_r, h.W_z/,
    );
    expect(() => frozenParameters(ir, ["h", "Vo", "c"])).toThrow(/nothing to train/);
  });

  it("a frozen parameter is not changed by training, and its gradient is not in the norm", async () => {
    const backend = interpreterBackend(ir);
    const examples = examplesFromBatch(ir, randomBatch(ir, new Rng(3), { T: 5, B: 6, ragged: true }));
    const train: Dataset = { kind: "sequences", examples };
    const frozen = frozenParameters(ir, ["h"]);
    const config: TrainConfig = {
      epochs: 3,
      batch: 6,
      seqLen: 5,
      optimizer: defaultOptimizerConfig("adamw", 0.05, 0.1),
      clipValue: null,
      clipNorm: null,
      seed: 1,
      valSplit: 0,
      evalEvery: 0,
      frozen,
    };
    const w0 = initialWeights(ir, 2);
    const state = initialTrainState(initialWeights(ir, 2), config);
    const norms: number[] = [];
    await trainLoop(backend, { train }, config, state, { step: (r) => norms.push(r.gradNorm) });
    for (const name of frozen) expect(state.weights[name], name).toEqual(w0[name]);
    expect(state.weights["Vo"]).not.toEqual(w0["Vo"]);
    const order = initialTrainState(w0, config).shuffle.shuffle([0, 1, 2, 3, 4, 5]);
    const g = backend.lossAndGrad(w0, sequenceBatch(ir, examples, order)).grads;
    expect(norms[0]).toBeCloseTo(l2Norm([g["Vo"]!, g["c"]!]), 12);
    expect(norms[0]).toBeLessThan(l2Norm(Object.values(g)));
  });
});
