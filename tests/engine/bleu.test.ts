/**
 * Corpus BLEU gives sacrebleu's figures (tests/fixtures/bleu/bleu.json, made by make_bleu.py
 * with the sacrebleu version it records): the score, each order's precision, the brevity
 * penalty and the lengths, and the 13a tokenization of every line.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corpusBleu, tokenize13a } from "../../engine/train/bleu.js";

interface Case {
  name: string;
  hypotheses: string[];
  references: string[][];
  score: number;
  precisions: number[];
  brevity_penalty: number;
  hypothesis_length: number;
  reference_length: number;
  tokenized: string[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/bleu/bleu.json", import.meta.url), "utf8")) as {
  sacrebleu: string;
  cases: Case[];
};

describe(`corpus BLEU against sacrebleu ${fixture.sacrebleu}`, () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const bleu = corpusBleu(c.hypotheses, c.references);
    expect(bleu.score).toBeCloseTo(c.score, 10);
    bleu.precisions.forEach((p, n) => expect(p).toBeCloseTo(c.precisions[n]!, 10));
    expect(bleu.brevityPenalty).toBeCloseTo(c.brevity_penalty, 12);
    expect([bleu.hypothesisLength, bleu.referenceLength]).toEqual([c.hypothesis_length, c.reference_length]);
    const lines = [...c.hypotheses, ...c.references.flat()];
    expect(lines.map((line) => tokenize13a(line.trimEnd()))).toEqual(c.tokenized);
  });

  it("covers what makes BLEU differ: partial matches, brevity, smoothing, punctuation, several references", () => {
    const scores = fixture.cases.map((c) => c.score);
    expect(scores.some((s) => s > 0 && s < 100)).toBe(true);
    expect(fixture.cases.some((c) => c.brevity_penalty < 1)).toBe(true);
    expect(fixture.cases.some((c) => c.references.length > 1)).toBe(true);
  });

  it("refuses a reference stream of another length", () => {
    expect(() => corpusBleu(["a b"], [["a b", "c d"]])).toThrow("a reference stream has 2 lines for 1 hypotheses");
  });
});
