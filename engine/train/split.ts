/**
 * Deterministic validation splits. Sequences: a seeded permutation, the first share held
 * out. A stream: its last share (a language model is validated on text it has not read,
 * and a contiguous tail keeps the text's order).
 */
import type { Dataset } from "../data/dataset.js";
import { DataError } from "../io/data-error.js";
import { Rng } from "../../runtime/rng.js";
import { plural } from "../../compiler/plural.js";

/** Independent seeds for the separate random streams of one run (weights, split, shuffling, dropout's masks). */
export function deriveSeed(seed: number, stream: number): number {
  return (seed + stream * 0x9e3779b9) >>> 0;
}

export const SEED_STREAM = { weights: 0, split: 1, shuffle: 2, dropout: 3 } as const;

export function splitDataset(d: Dataset, valSplit: number, seed: number): { train: Dataset; val?: Dataset } {
  if (!(valSplit >= 0 && valSplit < 1)) throw new RangeError(`--val-split is a fraction in [0, 1), got ${valSplit}`);
  if (valSplit === 0) return { train: d };
  if (d.kind === "stream") {
    const n = d.ids.length;
    const nVal = Math.floor(n * valSplit);
    if (nVal < 2 || n - nVal < 2)
      throw new DataError(
        `--val-split ${valSplit} of ${n} ${d.unit ?? "characters"} leaves too little to train on or to validate with (each needs 2 ${d.unit ?? "characters"}); use a longer text or --val-split 0`,
      );
    return { train: { ...d, ids: d.ids.subarray(0, n - nVal) }, val: { ...d, ids: d.ids.subarray(n - nVal) } };
  }
  const n = d.examples.length;
  const nVal = Math.max(1, Math.round(n * valSplit));
  if (n - nVal < 1)
    throw new DataError(
      `--val-split ${valSplit} of ${n} ${plural(n, "sequence")} leaves none to train on; use more data or --val-split 0`,
    );
  const order = new Rng(deriveSeed(seed, SEED_STREAM.split)).shuffle(Array.from({ length: n }, (_, i) => i));
  const pick = (ids: number[]) => ids.sort((a, b) => a - b).map((i) => d.examples[i]!);
  return {
    train: { kind: "sequences", examples: pick(order.slice(nVal)) },
    val: { kind: "sequences", examples: pick(order.slice(0, nVal)) },
  };
}
