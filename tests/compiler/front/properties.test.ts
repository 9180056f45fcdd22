/**
 * Properties of the front end over generated inputs:
 * - `formatFile` is idempotent and keeps the AST (parse(fmt(x)) = parse(x) up to ranges),
 *   on every example and fixture and on generated well-formed models;
 * - generated well-formed models check clean, to the parameters and quantities they declare.
 * That nothing thrown at the front end makes it throw is tests/reliability/models-fuzz.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/parse.js";
import { analyze } from "../../../compiler/frontend.js";
import { formatFile } from "../../../compiler/format/format.js";
import { generatedModel, modelSource } from "../../support/model-generator.js";
import { formatsStably } from "../../support/front-fuzz.js";
import { examples, pytorchFixtures } from "./helpers.js";
import { startOf } from "../../../grammar/source-range.js";

const sources = [...examples(), ...pytorchFixtures()];

describe("rnnc fmt is idempotent and keeps the AST", () => {
  for (const source of sources) {
    it(source.path, () => formatsStably(source.text));
  }

  it("on generated well-formed models", () => {
    fc.assert(fc.property(modelSource(), formatsStably), { numRuns: 100 });
  });

  it("leaves a generated model in canonical layout exactly as it is", () => {
    fc.assert(
      fc.property(modelSource({ messyLayout: false }), (text) => {
        expect(formatFile(parse(text).file)).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  it("really reformats: generated layouts are not already canonical, and fmt output is", () => {
    const texts = fc.sample(modelSource(), { numRuns: 40, seed: 1 });
    const changed = texts.filter((t) => formatFile(parse(t).file) !== t);
    expect(changed.length).toBeGreaterThan(20);
  });
});

describe("generated well-formed models", () => {
  it("check clean: no error, no warning, and the checked model has what the text declares", () => {
    fc.assert(
      fc.property(generatedModel(), (m) => {
        const result = analyze(m.text);
        expect(
          result.diagnostics.map((d) => `${d.code} ${startOf(d.range).line}:${startOf(d.range).column} ${d.message}`),
        ).toEqual([]);
        const model = result.model!;
        const params = new Map(model.params.map((p) => [p.name, p.shape.map((s) => s.value)]));
        for (const p of m.params) expect(params.get(p.name)).toEqual(p.shape);
        const quantities = new Map(model.quantities.map((q) => [q.name, q]));
        for (const q of m.quantities) {
          expect(quantities.get(q.name)?.size.value).toBe(q.size);
          expect(quantities.get(q.name)?.gate).toBe(q.gate);
        }
        for (const c of m.cells) expect(quantities.get(c.name)?.size.value).toBe(c.size);
        expect(model.states.map((s) => s.name)).toEqual(expect.arrayContaining(m.states.map((s) => s.name)));
        expect(model.losses).toHaveLength(1);
        expect(model.losses[0]).toMatchObject({
          fn: m.loss.fn,
          prediction: m.loss.prediction,
          target: "y",
          at: m.loss.at,
          reduce: m.loss.reduce ?? "mean",
        });
        // Every same-step read comes before its reader.
        const position = new Map(model.quantities.map((q, i) => [q.name, i]));
        for (const q of model.quantities)
          for (const r of q.sameStepReads) expect(position.get(r)!).toBeLessThan(position.get(q.name)!);
      }),
      { numRuns: 100 },
    );
  });

  it("with safe numerics and without cells, still check clean and use neither exp, log, '/' nor cells", () => {
    fc.assert(
      fc.property(modelSource({ safeNumerics: true, cells: false }), (text) => {
        expect(analyze(text).diagnostics).toEqual([]);
        const code = text.replace(/\/\/.*|\/\*[^]*?\*\//g, "");
        expect(code).not.toMatch(/\b(exp|log)\(|\/ *[(\p{L}]|^\s*cell /mu);
      }),
      { numRuns: 60 },
    );
  });

  it("cover the language: every construct shows up in a sample", () => {
    const texts = fc.sample(modelSource(), { numRuns: 200, seed: 3 }).join("\n");
    for (const construct of [
      "onehot[",
      "class[",
      "= learned",
      "gate ",
      "[t-2]",
      "@ [",
      "cell ",
      "lstm(",
      "gru(",
      "jordan(",
      "elman_jordan(",
      "xavier",
      "orthogonal(gain",
      "uniform(",
      "normal(",
      "softmax(",
      "mse(",
      "binary_cross_entropy(",
      "reduce = sum",
      "at each",
      "at last",
      "-",
    ]) {
      expect(texts, construct).toContain(construct);
    }
  });
});
