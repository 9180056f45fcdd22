/**
 * Random batches of the right shapes for a model: for gradient checks, property tests and
 * benchmarks. Ids and classes are uniform, dense values and real targets standard normal.
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { Batch, InputData, TargetData } from "./interpret/batch.js";
import { namedRecord } from "../runtime/records.js";
import type { Rng } from "../runtime/rng.js";

export interface RandomBatchOptions {
  T: number;
  B: number;
  /** Random lengths in [1, T] (at least one sequence keeps the full T), or all T. */
  ragged?: boolean;
}

export function randomBatch(ir: IrModel, rng: Rng, { T, B, ragged = false }: RandomBatchOptions): Batch {
  const inputs = namedRecord<InputData>();
  for (const input of ir.inputs) {
    inputs[input.name] =
      input.encoding === "onehot"
        ? { kind: "onehot", ids: Int32Array.from({ length: T * B }, () => rng.int(input.size)) }
        : { kind: "dense", values: Float64Array.from({ length: T * B * input.size }, () => rng.normal()) };
  }
  const targets = namedRecord<TargetData>();
  for (const target of ir.targets) {
    const positions = ir.losses.some((l) => l.target === target.name && l.at === "each") ? T * B : B;
    targets[target.name] =
      target.kind === "class"
        ? { kind: "class", ids: Int32Array.from({ length: positions }, () => rng.int(target.size)) }
        : {
            kind: "real",
            values: Float64Array.from({ length: positions * target.size }, () =>
              ir.losses.some((l) => l.target === target.name && l.fn === "binary_cross_entropy")
                ? rng.next()
                : rng.normal(),
            ),
          };
  }
  const lengths = Int32Array.from({ length: B }, (_, b) => (ragged && b > 0 ? 1 + rng.int(T) : T));
  return { T, B, inputs, targets, lengths };
}
