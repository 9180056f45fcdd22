/** What the tests of models of several sequences (encoder–decoders, attention) share. */
import { initialWeights } from "../../engine/init-weights.js";
import type { Batch, InputData, TargetData, Weights } from "../../engine/interpret/batch.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Rng } from "../../runtime/rng.js";

/** The model's initial weights (seed 1), each moved by a draw from U(−0.3, 0.3): no zero biases, no symmetric start. */
export function perturbedWeights(ir: IrModel, rng: Rng): Weights {
  const weights = initialWeights(ir, 1);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
  return weights;
}

/** Example b of a batch alone, cut to its own lengths (one-hot inputs and class targets). */
export function exampleAlone(batch: Batch, b: number): Batch {
  const extents = Object.values(batch.sequences!);
  const sequences = Object.fromEntries(
    Object.entries(batch.sequences!).map(([s, e]) => [s, { T: e.lengths[b]!, lengths: Int32Array.of(e.lengths[b]!) }]),
  );
  /** Row b of ids laid out [T][B], over the sequence whose T · B they fill. */
  const cut = (data: InputData | TargetData) => {
    if (!("ids" in data)) throw new Error("one-hot inputs and class targets only");
    const extent = extents.find((e) => e.T * batch.B === data.ids.length)!;
    return Int32Array.from({ length: extent.lengths[b]! }, (_, t) => data.ids[t * batch.B + b]!);
  };
  const inputs = Object.fromEntries(
    Object.entries(batch.inputs).map(([name, data]) => [name, { kind: "onehot" as const, ids: cut(data) }]),
  );
  const targets = Object.fromEntries(
    Object.entries(batch.targets).map(([name, data]) => [name, { kind: "class" as const, ids: cut(data) }]),
  );
  const last = Object.values(sequences).at(-1)!;
  return { T: last.T, B: 1, lengths: last.lengths, inputs, targets, sequences };
}
