/**
 * Properties of the front end over inputs nobody wrote by hand:
 * - whatever the text (random bytes, random token soup, mutated examples), `parse` and
 *   `analyze` return diagnostics and never throw, and every diagnostic points inside the text;
 * - `formatFile` is idempotent and keeps the AST (parse(fmt(x)) = parse(x) up to ranges),
 *   on every example and fixture and on generated well-formed models;
 * - generated well-formed models check clean, to the parameters and quantities they declare.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/parse.js";
import { analyze } from "../../../compiler/frontend.js";
import { formatFile } from "../../../compiler/format/format.js";
import { renderDiagnostics } from "../../../compiler/diagnostics/render.js";
import type { Diagnostic } from "../../../grammar/diagnostic.js";
import { generatedModel, modelSource } from "../../support/model-generator.js";
import { examples, pytorchFixtures, shapeOfFile } from "./helpers.js";

const sources = [...examples(), ...pytorchFixtures()];

/** A diagnostic's range lies inside the text and agrees with itself. */
function wellPlaced(d: Diagnostic, text: string): boolean {
  const lines = text.split(/\r\n|\r|\n/).length;
  const { start, end } = d.range;
  return (
    start.line >= 1 &&
    start.line <= lines &&
    start.column >= 1 &&
    start.offset >= 0 &&
    start.offset <= text.length &&
    end.offset >= start.offset &&
    end.offset <= text.length + 1 &&
    /^[EW]\d{3}$/.test(d.code) &&
    d.message.length > 0
  );
}

/** The whole front end on a text: nothing may throw, every diagnostic must point inside it. */
function survives(text: string): void {
  const parsed = parse(text);
  for (const d of parsed.diagnostics) expect(wellPlaced(d, text), `${d.code} ${JSON.stringify(d.range)}`).toBe(true);
  const result = analyze(text);
  for (const d of result.diagnostics)
    expect(wellPlaced(d, text), `${d.code} ${d.message} ${JSON.stringify(d.range)}`).toBe(true);
  expect(typeof renderDiagnostics(result.diagnostics, text, { fileName: "f.rnn" })).toBe("string");
  // An error-free analysis gives a model, and only then.
  expect(result.model !== undefined).toBe(!result.diagnostics.some((d) => d.severity === "error"));
}

/** fmt keeps the AST and the comments, and formatting its own output changes nothing. */
function formatsStably(text: string): void {
  const parsed = parse(text);
  expect(parsed.diagnostics).toEqual([]);
  const once = formatFile(parsed.file);
  const reparsed = parse(once);
  expect(reparsed.diagnostics).toEqual([]);
  expect(shapeOfFile(reparsed.file)).toEqual(shapeOfFile(parsed.file));
  expect(formatFile(reparsed.file)).toBe(once);
}

// Pieces of the language, for random token soup and mutations.
const vocabulary = [
  "model",
  "dim",
  "input",
  "target",
  "param",
  "state",
  "gate",
  "cell",
  "loss",
  "at",
  "M",
  "H",
  "D",
  "x",
  "h",
  "o",
  "y",
  "W",
  "b",
  "t",
  "h.W",
  "onehot",
  "class",
  "zeros",
  "learned",
  "xavier",
  "tanh",
  "softmax",
  "lstm",
  "gru",
  "elman",
  "cross_entropy",
  "mse",
  "last",
  "each",
  "reduce",
  "size",
  "0",
  "1",
  "2",
  "32",
  "0.5",
  "1e-3",
  ".5",
  "2.",
  "@",
  "*",
  "/",
  "+",
  "-",
  "=",
  ":",
  ",",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "[t-1]",
  "// c\n",
  "/* c */",
  "/*",
  "\n",
  " ",
  "$",
  "é",
  "\u0000",
];

/** Splits a text into tokens, whitespace and comments included, so that joining them gives it back. */
function pieces(text: string): string[] {
  return text.match(/\s+|\/\/[^\n]*|\/\*[^]*?\*\/|[\p{L}_][\p{L}\p{N}_.]*|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|[^]/gu) ?? [];
}

type Mutation =
  | { kind: "delete" | "duplicate" | "swap"; at: number }
  | { kind: "insert" | "replace"; at: number; piece: string }
  | { kind: "deleteChar"; at: number }
  | { kind: "insertChar"; at: number; char: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom("delete" as const, "duplicate" as const, "swap" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constantFrom("insert" as const, "replace" as const),
    at: fc.nat(),
    piece: fc.constantFrom(...vocabulary),
  }),
  fc.record({ kind: fc.constant("deleteChar" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insertChar" as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
  }),
);

function mutate(text: string, mutations: Mutation[]): string {
  let tokens = pieces(text);
  for (const m of mutations) {
    if (m.kind === "deleteChar" || m.kind === "insertChar") {
      const joined = tokens.join("");
      const at = m.at % (joined.length + 1);
      const changed =
        m.kind === "deleteChar"
          ? joined.slice(0, at) + joined.slice(at + 1)
          : joined.slice(0, at) + m.char + joined.slice(at);
      tokens = pieces(changed);
      continue;
    }
    if (tokens.length === 0) continue;
    const at = m.at % tokens.length;
    switch (m.kind) {
      case "delete":
        tokens.splice(at, 1);
        break;
      case "duplicate":
        tokens.splice(at, 0, tokens[at]!);
        break;
      case "swap":
        if (at + 1 < tokens.length) [tokens[at], tokens[at + 1]] = [tokens[at + 1]!, tokens[at]!];
        break;
      case "insert":
        tokens.splice(at, 0, m.piece);
        break;
      case "replace":
        tokens[at] = m.piece;
        break;
    }
  }
  return tokens.join("");
}

describe("the front end never throws, it only reports", () => {
  it("on random byte strings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        survives(Buffer.from(bytes).toString("utf8"));
        survives(Buffer.from(bytes).toString("latin1"));
      }),
      { numRuns: 100 },
    );
  });

  it("on random strings of any characters", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: "binary" }), survives), { numRuns: 100 });
  });

  it("on random sequences of the language's own tokens", () => {
    const soup = fc.array(fc.constantFrom(...vocabulary), { maxLength: 80 }).map((ts) => ts.join(" "));
    const inModel = soup.map((body) => `model M {\n${body}\n}\n`);
    fc.assert(fc.property(fc.oneof(soup, inModel), survives), { numRuns: 150 });
  });

  it("on random mutations of the examples and fixtures; a mutant that still parses formats stably", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (source, mutations) => {
          const text = mutate(source.text, mutations);
          survives(text);
          if (parse(text).diagnostics.length === 0) formatsStably(text);
        },
      ),
      { numRuns: 200 },
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
    for (const text of mutants) {
      survives(text);
      if (parse(text).diagnostics.length === 0) formatsStably(text);
    }
  });

  it("on random mutations of generated models", () => {
    fc.assert(
      fc.property(modelSource(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (source, mutations) => {
        const text = mutate(source, mutations);
        survives(text);
        if (parse(text).diagnostics.length === 0) formatsStably(text);
      }),
      { numRuns: 50 },
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
      { numRuns: 100 },
    );
  });
});

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
          result.diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column} ${d.message}`),
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
