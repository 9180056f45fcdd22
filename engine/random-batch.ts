/**
 * Random batches of the right shapes for a model: for gradient checks, property tests and
 * benchmarks. Ids and classes are uniform, dense values and real targets standard normal.
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { Batch, InputData, SequenceExtent, TargetData } from "./interpret/batch.js";
import { namedRecord } from "../runtime/records.js";
import type { Rng } from "../runtime/rng.js";

export interface RandomBatchOptions {
  T: number;
  B: number;
  /** Random lengths in [1, T] (at least one sequence keeps the full T), or all T. */
  ragged?: boolean;
  /** In a model of several sequences, the steps of each by its step variable (T for those not given). */
  steps?: Record<string, number>;
}

export function randomBatch(ir: IrModel, rng: Rng, { T, B, ragged = false, steps = {} }: RandomBatchOptions): Batch {
  const names = ir.sequences ?? ["t"];
  const stepsOf = (sequence: string | undefined) => steps[sequence ?? "t"] ?? T;
  const inputs = namedRecord<InputData>();
  for (const input of ir.inputs) {
    const n = stepsOf(input.sequence) * B;
    inputs[input.name] =
      input.encoding === "onehot"
        ? { kind: "onehot", ids: Int32Array.from({ length: n }, () => rng.int(input.size)) }
        : { kind: "dense", values: Float64Array.from({ length: n * input.size }, () => rng.normal()) };
  }
  const targets = namedRecord<TargetData>();
  for (const target of ir.targets) {
    const each = ir.losses.some((l) => l.target === target.name && l.at === "each");
    const positions = each ? stepsOf(target.sequence) * B : B;
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
  // Lengths are drawn last, so a model of one sequence draws what it always did.
  const sequences = namedRecord<SequenceExtent>(
    names.map((s) => {
      const n = stepsOf(s);
      return [s, { T: n, lengths: Int32Array.from({ length: B }, (_, b) => (ragged && b > 0 ? 1 + rng.int(n) : n)) }];
    }),
  );
  // The batch's own steps and lengths are those of the sequence computed last.
  const last = sequences[names.at(-1)!]!;
  return { T: last.T, B, inputs, targets, lengths: last.lengths, ...(ir.sequences ? { sequences } : {}) };
}
