/**
 * How `rnnc sample` draws the next character from the model's output: at temperature 0 the
 * likeliest, otherwise at random in proportion, for a vocabulary of any size; and where it
 * reads a model's vocabulary from weights alone (the playground's download).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { lower } from "../../compiler/ir/lower.js";
import { charVocabulary } from "../../engine/data/vocabulary.js";
import { initialWeights } from "../../engine/init-weights.js";
import type { Weights } from "../../engine/interpret/batch.js";
import { vocabularyMetadata } from "../../engine/io/weights-metadata.js";
import { encodeSafetensors } from "../../runtime/io/safetensors.js";
import { namedRecord } from "../../runtime/records.js";
import { rnnc } from "../support/cli.js";
import { draw } from "../../engine/sample.js";
import { Rng } from "../../runtime/rng.js";

describe("draw", () => {
  const n = 200_000; // more characters than Math.max(...logits) can spread (about 120,000)
  const probabilities = new Float64Array(n).fill(0.5 / (n - 1));
  probabilities[150_000] = 0.5;

  it("takes the likeliest id at temperature 0, from a vocabulary of 200,000 characters", () => {
    expect(draw(probabilities, false, 0, new Rng(1), n)).toBe(150_000);
    expect(draw(probabilities.map(Math.log), true, 0, new Rng(1), n)).toBe(150_000);
  });

  it("draws in proportion at temperature 1, only ids in the vocabulary", () => {
    const rng = new Rng(7);
    const ids = Array.from({ length: 20 }, () => draw(probabilities, false, 1, rng, n));
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < n)).toBe(true);
    const likeliest = ids.filter((id) => id === 150_000).length;
    expect(likeliest).toBeGreaterThan(4); // half of 20 expected (binomial sd 2.2); the seed is fixed
    expect(likeliest).toBeLessThan(16);
  });
});

describe("rnnc sample --weights", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-sample-weights-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const model = "examples/char-lm.rnn";
  const vocabulary = charVocabulary("the cat sat on the mat\n");
  // As the playground trains it: V fitted to the text's 10 characters (the file says 65).
  const ir = lower(analyze(readFileSync(model, "utf8"), { V: vocabulary.entries.length }).model!);
  const tensors = (weights: Weights) =>
    namedRecord(ir.params.map((p) => [p.name, { shape: p.shape, data: weights[p.name]! }]));
  const weights = initialWeights(ir, 3);

  it("reads the vocabulary from the file's metadata, as the playground writes it, sets V from it and samples", async () => {
    const file = join(dir, "with-vocabulary.safetensors");
    writeFileSync(file, encodeSafetensors(tensors(weights), "F64", vocabularyMetadata(vocabulary)));
    const r = await rnnc("sample", model, "--weights", file, "--length", "30", "--seed", "2");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const text = r.out.slice(0, -1);
    expect([...text]).toHaveLength(30);
    expect([...text].every((c) => vocabulary.entries.includes(c))).toBe(true);
    // The same file and seed draw the same text.
    expect((await rnnc("sample", model, "--weights", file, "--length", "30", "--seed", "2")).out).toBe(r.out);
    // A --dim that disagrees with the weights is refused by their shapes.
    const wrong = await rnnc("sample", model, "--weights", file, "--dim", "V=12");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^rnnc: .*shape/);
    expect(wrong.err).not.toMatch(/\n\s+at /);
  });

  it("prints each warning of the model once, though V set from the vocabulary makes it read the model twice", async () => {
    const warned = join(dir, "warned.rnn");
    writeFileSync(
      warned,
      readFileSync(model, "utf8").replace("param Vo : [V, H]", "param unused : [H]\n  param Vo : [V, H]"),
    );
    const withUnused = lower(analyze(readFileSync(warned, "utf8"), { V: vocabulary.entries.length }).model!);
    const file = join(dir, "warned.safetensors");
    const all: Weights = { ...weights, unused: initialWeights(withUnused, 3).unused! };
    const tensorsOf = namedRecord(withUnused.params.map((p) => [p.name, { shape: p.shape, data: all[p.name]! }]));
    writeFileSync(file, encodeSafetensors(tensorsOf, "F64", vocabularyMetadata(vocabulary)));
    const r = await rnnc("sample", warned, "--weights", file, "--length", "5");
    expect(r.code).toBe(0);
    expect(r.err.match(/warning\[W001\]: parameter 'unused' is never used/g)).toHaveLength(1);
  });

  it("refuses weights without a vocabulary, saying where one comes from", async () => {
    const file = join(dir, "bare.safetensors");
    writeFileSync(file, encodeSafetensors(tensors(weights), "F64"));
    const r = await rnnc("sample", model, "--weights", file);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `rnnc: ${file} carries no vocabulary (rnnc.vocabulary in its metadata), so its ids cannot be turned into text: sample from a checkpoint of rnnc train with --checkpoint DIR, or from weights the playground trained on a text\n`,
    );
  });

  it("refuses a vocabulary that is not one, and --checkpoint with --weights", async () => {
    const file = join(dir, "bad-vocabulary.safetensors");
    writeFileSync(file, encodeSafetensors(tensors(weights), "F64", { "rnnc.vocabulary": '{"kind": "chars"}' }));
    const bad = await rnnc("sample", model, "--weights", file);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      `rnnc: ${file}: its rnnc.vocabulary is not a vocabulary ({"kind": "chars", "entries": [...]})\n`,
    );
    const both = await rnnc("sample", model, "--weights", file, "--checkpoint", dir);
    expect(both.code).toBe(2);
    expect(both.err).toBe("rnnc: give --checkpoint or --weights, not both\n");
  });
});
