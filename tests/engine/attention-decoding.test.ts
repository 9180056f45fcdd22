/**
 * The attention weights recorded while decoding (generateAttending, what `rnnc translate
 * --attention-plot` draws) are those of the decoding pass itself: at each step of the output it
 * chose, greedy or by beam search, they equal the weights of a teacher-forced run on that output.
 */
import { describe, expect, it } from "vitest";
import { sequenceBatch, type Example } from "../../engine/data/dataset.js";
import { initialWeights } from "../../engine/init-weights.js";
import { attentionWeights, generate, generateAttending } from "../../engine/interpret/generate.js";
import { interpret } from "../../engine/interpret/interpret.js";
import { Rng } from "../../runtime/rng.js";
import { irFromFile } from "../support/models.js";

const ir = irFromFile("examples/translate-attention.rnn", { V: 6, W: 5, H: 4 });
const stop = 0;
const rng = new Rng(3);
const weights = initialWeights(ir, 3);
for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-1, 1);
const sources = [2, 5, 3, 4].map((n) => Int32Array.from({ length: n }, () => rng.int(6)));
const source = (ids: Int32Array, target = new Int32Array(1)): Example => ({
  length: target.length,
  lengths: { s: ids.length, t: target.length },
  inputs: { x: ids },
  targets: { y: target },
});
const batch = sequenceBatch(
  ir,
  sources.map((ids) => source(ids)),
  sources.map((_, i) => i),
);

describe("attention weights recorded while decoding", () => {
  it("finds the softmax over the source's steps, and none in a model without attention", () => {
    expect(attentionWeights(ir)?.over).toBe("s");
    expect(attentionWeights(irFromFile("examples/translate.rnn"))).toBeUndefined();
  });

  it.each([[undefined], [1], [3]])(
    "with beam %s: the output generate gives, and at each of its steps the teacher-forced weights",
    (beam) => {
      const options = { maxLength: 6, stop, classes: 5, ...(beam === undefined ? {} : { beam }) };
      const { outputs, attention } = generateAttending(ir, weights, batch, options);
      expect(outputs).toEqual(generate(ir, weights, batch, options));
      // Some outputs end with the stop class (a step more than their classes), some run to the last step
      // (these weights, seed 3, are chosen for it).
      expect(new Set(outputs.map((o, b) => attention[b]!.length - o.length))).toEqual(new Set([0, 1]));
      outputs.forEach((output, b) => {
        const steps = attention[b]!;
        const target = Int32Array.from(steps.length > output.length ? [...output, stop] : output);
        const forced = interpret(ir, weights, sequenceBatch(ir, [source(sources[b]!, target)], [0])).quantity("α");
        const S = sources[b]!.length;
        steps.forEach((row, k) => {
          expect(row).toHaveLength(5); // the batch's longest source
          for (let j = 0; j < 5; j++) {
            const expected = j < S ? forced[k * S + j]! : 0;
            expect(Math.abs(row[j]! - expected), `example ${b}, step ${k}, source step ${j}`).toBeLessThan(1e-12);
          }
        });
      });
    },
  );

  it("refuses a model without attention", () => {
    const plain = irFromFile("examples/translate.rnn", { V: 6, W: 5, H: 4 });
    const plainBatch = sequenceBatch(
      plain,
      sources.map((ids) => source(ids)),
      [0],
    );
    expect(() =>
      generateAttending(plain, initialWeights(plain, 1), plainBatch, { maxLength: 3, stop, classes: 5 }),
    ).toThrow("Translate has no softmax over another sequence's steps: there is no attention to record");
  });
});
