/** The next token of a language model drawn from its prediction: `rnnc sample`, and the playground's samples as it learns. */
import type { Rng } from "../runtime/rng.js";

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
