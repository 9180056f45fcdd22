/**
 * Text from a language model, one token at a time: the prime read in one batch, then each
 * step run for T = 1 with the state the previous step carried over, the next token drawn
 * from the softmax of the logits divided by the temperature (0: always the most likely).
 * `rnnc sample`, and the playground's samples as it learns.
 */
import type { IrModel } from "../compiler/ir/ir.js";
import type { Rng } from "../runtime/rng.js";
import type { Batch, Weights } from "./interpret/batch.js";
import type { ForwardBackend } from "./model-backend.js";
import { dataRoles } from "./data/roles.js";

export interface SampleOptions {
  /** The ids read first (at least one). */
  prime: Int32Array;
  length: number;
  temperature: number;
  rng: Rng;
  /** Ids are drawn below it: the vocabulary's size, which the model's classes may exceed. */
  vocabularySize: number;
}

/**
 * The quantity a language model's loss scores, or undefined when the loss scores an
 * expression without a name (which cannot be read after a forward pass).
 */
export function sampledQuantity(ir: IrModel): string | undefined {
  const roles = dataRoles(ir, "text")!;
  const loss = ir.losses.find((l) => l.target === roles.target.name)!;
  return ir.quantities.find((q) => q.node === loss.prediction)?.name;
}

/** `length` ids drawn from the model after the prime; `sampledQuantity(ir)` must name the prediction. */
export async function sampleIds(
  backend: ForwardBackend,
  weights: Weights,
  options: SampleOptions,
): Promise<Int32Array> {
  const ir = backend.ir;
  const roles = dataRoles(ir, "text")!;
  const loss = ir.losses.find((l) => l.target === roles.target.name)!;
  const prediction = sampledQuantity(ir)!;
  const K = ir.nodes[loss.prediction]!.size;
  const isLogProb = loss.fusion?.kind === "log_softmax";
  const batchOf = (ids: Int32Array): Batch => ({
    T: ids.length,
    B: 1,
    inputs: { [roles.input]: { kind: "onehot", ids } },
    targets: { [roles.target.name]: { kind: "class", ids: new Int32Array(ids.length) } },
    lengths: Int32Array.of(ids.length),
  });
  let r = await backend.forward(weights, batchOf(options.prime));
  let carry = r.carry();
  const generated = new Int32Array(options.length);
  for (let i = 0; i < options.length; i++) {
    const values = r.quantity(prediction);
    const T = values.length / K;
    const last = values.subarray((T - 1) * K, T * K);
    const next = draw(last, isLogProb, options.temperature, options.rng, options.vocabularySize);
    generated[i] = next;
    if (i + 1 < options.length) {
      r = await backend.forward(weights, batchOf(Int32Array.of(next)), carry);
      carry = r.carry();
    }
  }
  return generated;
}

/**
 * A class drawn from probabilities (or log-probabilities), sharpened or flattened by the
 * temperature; only ids in the vocabulary. Loops over typed arrays: a vocabulary of more than
 * about 120,000 characters overflowed the stack in Math.max(...logits).
 */
export function draw(p: Float64Array, isLog: boolean, temp: number, rng: Rng, vocab: number): number {
  const n = Math.min(vocab, p.length);
  const logits = new Float64Array(n);
  let max = -Infinity;
  let likeliest = 0;
  for (let k = 0; k < n; k++) {
    logits[k] = isLog ? p[k]! : Math.log(Math.max(p[k]!, 0));
    if (logits[k]! > max) [max, likeliest] = [logits[k]!, k];
  }
  if (temp === 0) return likeliest;
  const weights = logits.map((l) => Math.exp((l - max) / temp));
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.next() * total;
  for (let k = 0; k < n; k++) {
    u -= weights[k]!;
    if (u < 0) return k;
  }
  return n - 1;
}
