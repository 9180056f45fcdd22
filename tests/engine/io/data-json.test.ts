/**
 * The normative JSON batch written and read back: batchToJson is batchFromJson's inverse, for a
 * model of one sequence and for one of several (each input and target over its own sequence's
 * steps, "lengths" by step variable), as examples/data/make.mjs writes the shipped batches.
 */
import { describe, expect, it } from "vitest";
import { batchFromJson, batchToJson } from "../../../engine/io/data-json.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { Rng } from "../../../runtime/rng.js";
import { irFromFile } from "../../support/models.js";

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe("a batch as JSON and back", () => {
  it("of a model of one sequence", () => {
    const ir = irFromFile("examples/gru.rnn");
    const batch = randomBatch(ir, new Rng(3), { T: 6, B: 4, ragged: true });
    expect(batchFromJson(ir, viaJson(batchToJson(ir, batch)))).toEqual(batch);
  });

  it("of an encoder-decoder: source and target each over its own steps and lengths", () => {
    const ir = irFromFile("examples/translate.rnn");
    const batch = randomBatch(ir, new Rng(3), { T: 4, B: 3, ragged: true, steps: { s: 7 } });
    const json = batchToJson(ir, batch) as { x: unknown[]; y: unknown[]; lengths: Record<string, number[]> };
    expect([json.x.length, json.y.length]).toEqual([7, 4]);
    expect(Object.keys(json.lengths)).toEqual(["s", "t"]);
    expect(batchFromJson(ir, viaJson(json))).toEqual(batch);
  });
});
