/** A toy text for training tests. */
import { Rng } from "../../runtime/rng.js";

/** Sentences of a toy language ("the cat sat on the mat."), one a line: a text a small character model learns in seconds. */
export function toyCorpus(rng: Rng, lines = 120): string {
  const words = ["the cat", "a dog", "my bird", "sat on", "ran to", "the mat", "a tree"];
  return (
    Array.from({ length: lines }, () => `${words[rng.int(3)]} ${words[3 + rng.int(2)]} ${words[5 + rng.int(2)]}.`).join(
      "\n",
    ) + "\n"
  );
}
