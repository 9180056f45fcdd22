/**
 * Mutation fuzzing of models: whatever the text (random bytes, random token soup, examples
 * and fixtures mutated token by token and character by character, generated models mutated),
 * the front end returns diagnostics inside the text and never throws; a mutant that still
 * parses formats stably, and one that checks clean lowers to IR.
 *
 * The budget is fixed for CI (the runs below, from one seed, so a run is reproducible);
 * RNNC_FUZZ_RUNS sets the runs of every property and RNNC_FUZZ_SEED another seed
 * (docs/reliability.md). A failure prints its seed and the shrunk counterexample, and
 * RNNC_FUZZ_SEED=<seed> replays it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { lower } from "../../compiler/ir/lower.js";
import { parse } from "../../grammar/parse.js";
import { examples, pytorchFixtures } from "../compiler/front/helpers.js";
import { formatsStably, mutate, mutation, survives, vocabulary, wellPlaced } from "../support/front-fuzz.js";
import { modelSource } from "../support/model-generator.js";

const seed = Number(process.env["RNNC_FUZZ_SEED"] ?? 20_251_205);
/** The runs of a property: its CI budget, or RNNC_FUZZ_RUNS. */
const runs = (ci: number) => Number(process.env["RNNC_FUZZ_RUNS"] ?? ci);
const sources = [...examples(), ...pytorchFixtures()];

/** What a mutant must survive: the front end, formatting when it parses, lowering when it checks. */
function survivesAll(text: string): void {
  survives(text);
  if (parse(text).diagnostics.length === 0) formatsStably(text);
  const { model } = analyze(text);
  if (model) expect(() => lower(model)).not.toThrow();
}

describe(`the front end never throws, it only reports (RNNC_FUZZ_SEED=${seed})`, () => {
  it("on random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        survives(Buffer.from(bytes).toString("utf8"));
        survives(Buffer.from(bytes).toString("latin1"));
      }),
      { numRuns: runs(100), seed },
    );
  });

  it("on random strings of any characters", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: "binary" }), survives), { numRuns: runs(100), seed });
  });

  it("on random sequences of the language's own tokens", () => {
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 80 }).map((ts) => ts.join(" "));
    const inModel = soup.map((body) => `model M {\n${body}\n}\n`);
    fc.assert(fc.property(fc.oneof(soup, inModel), survives), { numRuns: runs(150), seed });
  });

  it("on random mutations of the examples and fixtures; a mutant that parses formats stably, one that checks lowers", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (source, mutations) => {
          survivesAll(mutate(source.text, mutations));
        },
      ),
      { numRuns: runs(200), seed },
    );
  });

  it("on the mutants it once failed on", () => {
    // Counterexamples of the property above, found running it over many seeds, cut down by hand.
    // The first five made `analyze` throw: a cell whose arguments the parser gave up on was
    // expanded anyway, its template printed with "<error>" in it, or a same-step cycle walked
    // into a dead end. The last two parse cleanly and broke `formatsStably` (comments out of
    // order, a block comment's text changed); the random runs did not reach those.
    const mutants = [
      "model M {\n  dim D = 3\n  input x : [D]\n  cell h = lstm(x, size = model)\n}\n",
      "model M {\n  dim D = 3\n  input x : [D]\n  cell h = elman(x, size = cell, act = tanh)\n}\n",
      "model M {\n  dim D = 3\n  input x : [D]\n  cell h = gru(x, size = /*D)\n}\n",
      "model M {\n  dim D = 3\n  input x : [[/D]\n  cell h = lstm(x, size = D)\n}\n",
      "model M {\n  a = b\n  b = c + a\n  c = b\n}\n",
      "model // c\n M { /* c */\n  dim D = 4\n}\n",
      "/* a  \n b  \n */\nmodel M {\n}\n",
    ];
    for (const text of mutants) survivesAll(text);
  });

  it("on random mutations of generated models", () => {
    fc.assert(
      fc.property(modelSource(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (source, mutations) => {
        survivesAll(mutate(source, mutations));
      }),
      { numRuns: runs(50), seed },
    );
  });

  it("the mutation helper is exact: no mutation gives the text back", () => {
    for (const s of sources) expect(mutate(s.text, [])).toBe(s.text);
  });

  it("with any --dim overrides", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.dictionary(fc.constantFrom("H", "V", "D", "K", "Q"), fc.integer({ min: 1, max: 64 })),
        (source, dims) => {
          const result = analyze(source.text, dims);
          for (const d of result.diagnostics) expect(wellPlaced(d, source.text)).toBe(true);
        },
      ),
      { numRuns: runs(100), seed },
    );
  });
});
