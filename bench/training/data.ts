/**
 * The data of the training section, the same at every run (fixed seeds): the adding problem as
 * normative JSON, and a text for the character model.
 */
import { Rng } from "../../runtime/rng.js";

/**
 * `n` sequences of `T` steps of (value, marker): values uniform in [0, 1) to 4 decimals, the marker 1
 * at one step of the first half and one of the second; the target is the sum of the two marked values.
 * As rnnc's normative JSON: "x" [T][n][2], "y" [n][1].
 */
export function addingProblem(n: number, T: number, seed = 1): string {
  const rng = new Rng(seed);
  const x = Array.from({ length: T }, () => Array.from({ length: n }, () => [0, 0]));
  const y: number[][] = [];
  const half = Math.floor(T / 2);
  for (let b = 0; b < n; b++) {
    const first = rng.int(half);
    const second = half + rng.int(T - half);
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const value = rng.int(10_000) / 10_000;
      const step = x[t]![b]!;
      step[0] = value;
      if (t === first || t === second) {
        step[1] = 1;
        sum += value;
      }
    }
    y.push([Math.round(sum * 10_000) / 10_000]);
  }
  return JSON.stringify({ x, y });
}

const NOUNS = ["cat", "dog", "bird", "fox", "horse", "sailor", "miller", "queen", "farmer", "child"];
const ADJECTIVES = ["old", "small", "quick", "grey", "tired", "clever", "quiet", "brave"];
const VERBS = ["sees", "follows", "finds", "helps", "calls", "meets", "watches", "carries"];
const PLACES = ["by the river", "in the mill", "at the market", "on the hill", "near the old bridge", "in winter"];

/** About `chars` characters of sentences from a small grammar: lower-case English words, punctuation and newlines. */
export function text(chars: number, seed = 1): string {
  const rng = new Rng(seed);
  const pick = (xs: readonly string[]) => xs[rng.int(xs.length)]!;
  const phrase = () => `${pick(["the", "a"])} ${rng.int(2) ? pick(ADJECTIVES) + " " : ""}${pick(NOUNS)}`;
  let out = "";
  while (out.length < chars) {
    let s = `${phrase()} ${pick(VERBS)} ${phrase()}`;
    if (rng.int(2)) s += ` ${pick(PLACES)}`;
    if (rng.int(4) === 0) s += ` and ${pick(VERBS)} ${phrase()}`;
    out += s + (rng.int(5) === 0 ? ".\n" : ". ");
  }
  return out;
}
