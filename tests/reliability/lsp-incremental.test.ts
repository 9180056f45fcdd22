/**
 * The language server's edit path (compiler/lsp/incremental.ts) against a whole analysis:
 * random edits, most inside an equation's value or between items (where the edit path
 * applies), the rest anywhere; after each, the analysis made from the previous one and the edit must equal the
 * analysis of the new text from scratch: the same front-end result (AST with every position,
 * checker facts, types, uses), the same published diagnostics, and the same hovers and
 * completions at random places (after about half of the edits, so the name index is also
 * brought up to date over several). Each edit's analysis starts from the one before, so an
 * error left by one edit shows in the next comparisons.
 *
 * The budget is fixed for CI (RNNC_FUZZ_RUNS edits per model, 250 unless set; RNNC_FUZZ_SEED
 * another seed: docs/reliability.md). Every failure names its seed, model and edit.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generatedModel } from "../../bench/support/generated-model.js";
import { repoRoot } from "../../bench/support/lsp-client.js";
import { analyze, type FrontEndResult } from "../../compiler/frontend.js";
import { Analysis } from "../../compiler/lsp/analysis.js";
import { completion } from "../../compiler/lsp/completion.js";
import { toLspDiagnostics } from "../../compiler/lsp/diagnostics.js";
import { hover } from "../../compiler/lsp/hover.js";
import type * as A from "../../grammar/ast.js";
import { syntaxErrorCodes } from "../../grammar/diagnostic-codes.js";
import { walkExpr } from "../../grammar/walk.js";
import { random } from "../support/random.js";

const seed = Number(process.env["RNNC_FUZZ_SEED"] ?? 20_251_205);
const editsPerModel = Number(process.env["RNNC_FUZZ_RUNS"] ?? 250);
const uri = "file:///edited.rnn";

/** What is typed into an expression, and some of what breaks one. */
const snippets = [
  "0 + ",
  " + b",
  " - 1",
  " * 2",
  " @ ",
  "tanh(",
  "sigmoid(",
  "σ(",
  "softmax(",
  "(",
  ")",
  "[",
  "]",
  ", ",
  "[t-1]",
  "[t-2]",
  "[t]",
  "[t+1]",
  "h",
  "x",
  "W",
  "y",
  "H",
  "zeros",
  "0.5",
  "1e3",
  " · ",
  " ⊙ ",
  "/* note */",
  "// note\n",
  "\n    ",
  "\r\n",
  "q",
  "=",
  "param ",
  "dropout(x, p = 0.2)",
];

/** What is written between items. */
const between = ["\n", "\n  // a comment", "  /* a comment */", " ", "\n\n", "\r\n", "  // dim H = 4", "\n  /* open"];

/** An expression put in place of one (`e`): these keep the text readable, so what changes is its meaning. */
function rewrite(e: string, name: string, choice: number): string {
  const forms = [
    `${e} + 0`,
    `(${e})`,
    `tanh(${e})`,
    `0 * ${e}`,
    name,
    `${name}[t-1]`,
    `${name}[t-2]`,
    `${name}[t+1]`,
    `-${e}`,
    `${e} @ ${name}`,
    `[${e}, ${name}]`,
    `1.5`,
    `${e} * ${name}`,
    `sigmoid(${e}, ${name})`,
  ];
  return forms[Math.floor(choice * forms.length)]!;
}

const models: [string, string][] = [
  ...readdirSync(join(repoRoot, "examples"))
    .filter((f) => f.endsWith(".rnn"))
    .map((f): [string, string] => [f, readFileSync(join(repoRoot, "examples", f), "utf8")]),
  ["generated (12 layers)", generatedModel(12)],
  // Models of several sequences (e[last], x[s]), teacher forcing (y[t-1]) and attention (e[s]).
  ...["gru_seq2seq.rnn", "lstm_seq2seq.rnn", "attention_tutorial.rnn"].map((f): [string, string] => [
    f,
    readFileSync(join(repoRoot, "tests/fixtures/pytorch", f), "utf8"),
  ]),
];
/** The models of several sequences, which the language server always analyses whole. */
const severalSequences = new Set(
  models.filter(([, text]) => (analyze(text).facts?.sequences.length ?? 1) > 1).map(([name]) => name),
);

/** The front end's result as text: Maps as their entries (expressions named by kind and range), in a fixed order. */
function snapshot(result: FrontEndResult | undefined): string {
  return JSON.stringify(result ?? null, (_key, value: unknown) =>
    value instanceof Map
      ? [...value.entries()]
          .map(([k, v]) => JSON.stringify([typeof k === "object" ? nodeName(k as A.Expr) : k, v]))
          .sort()
      : value,
  );
}

/** Where two texts first differ, with some of each around it. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `${i}: …${a.slice(Math.max(0, i - 120), i + 60)}… from the edit, …${b.slice(Math.max(0, i - 120), i + 60)}… from scratch`;
}

function nodeName(e: A.Expr): string {
  return `${e.kind}@${e.range.startOffset}-${e.range.endOffset}`;
}

/** The expressions of the equations' values (where the edit path applies), and the names the model declares. */
function editable(analysis: Analysis): { exprs: A.Expr[]; names: string[] } {
  const items = analysis.file?.models[0]?.items ?? [];
  const exprs: A.Expr[] = [];
  for (const i of items) if (i.kind === "equation") walkExpr(i.value, (e) => void exprs.push(e));
  return { exprs, names: items.flatMap((i) => (i.kind === "loss" ? [] : [i.name.text])) };
}

function readable(analysis: Analysis): boolean {
  return !analysis.diagnostics.some((d) => syntaxErrorCodes.has(d.code));
}

describe("an edit analysed from the previous analysis equals the analysis from scratch", () => {
  for (const [name, source] of models) {
    test(name, () => {
      const next = random(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
      let previous = new Analysis(source, 0);
      /** The last text without a syntax error: a model left broken goes back to it now and then, as typing mends it. */
      let lastGood = source;
      let fromEdit = 0;
      for (let edit = 1; edit <= editsPerModel; edit++) {
        const text = previous.text;
        let edited: string;
        let where: string;
        const { exprs, names } = editable(previous);
        const kind = next();
        if (!readable(previous) && kind < 0.5) {
          edited = lastGood;
          where = `RNNC_FUZZ_SEED=${seed}: ${name} edit ${edit} (back to the last text without a syntax error)`;
        } else {
          let from: number;
          let to: number;
          let inserted: string;
          if (exprs.length > 0 && kind < 0.5) {
            // An expression replaced by another.
            const e = pick(exprs);
            [from, to] = [e.range.startOffset, e.range.endOffset];
            inserted = rewrite(text.slice(from, to), pick(names), next());
          } else if (kind < 0.65) {
            // A comment or a line written between items, or one taken away.
            const items = previous.file?.models[0]?.items ?? [];
            const comments = previous.file?.comments ?? [];
            if (comments.length > 0 && next() < 0.3) {
              const c = pick(comments);
              [from, to] = [c.range.startOffset, c.range.endOffset];
              inserted = "";
            } else {
              from = to = items.length > 0 ? pick(items).range.endOffset : 0;
              inserted = pick(between);
            }
          } else if (exprs.length > 0 && kind < 0.85) {
            // Typing inside an equation's value.
            const e = pick(exprs);
            from = e.range.startOffset + Math.floor(next() * (e.range.endOffset - e.range.startOffset + 1));
            to = next() < 0.6 ? from : Math.min(e.range.endOffset, from + Math.floor(next() * 6));
            inserted = next() < 0.8 ? pick(snippets) : "";
          } else {
            from = Math.floor(next() * (text.length + 1));
            to = Math.min(text.length, from + Math.floor(next() * 8));
            inserted = next() < 0.8 ? pick(snippets) : "";
          }
          edited = text.slice(0, from) + inserted + text.slice(to);
          where = `RNNC_FUZZ_SEED=${seed}: ${name} edit ${edit} (${JSON.stringify(text.slice(from, to))} at ${from} → ${JSON.stringify(inserted)})`;
        }

        const incremental = new Analysis(edited, edit, undefined, previous);
        const whole = new Analysis(edited, edit);
        if (incremental.fromEdit) fromEdit++;
        expect(incremental.lines, `${where}: lines`).toEqual(whole.lines);
        const [mine, theirs] = [snapshot(incremental.result), snapshot(whole.result)];
        if (mine !== theirs) expect.fail(`${where}: the results differ at ${firstDifference(mine, theirs)}`);
        expect(toLspDiagnostics(incremental, uri), where).toEqual(toLspDiagnostics(whole, uri));
        // Not after every edit: the name index of a version not asked about is brought up to date later, over several edits.
        const probes = next() < 0.5 ? 3 : 0;
        for (let probe = 0; probe < probes; probe++) {
          const offset = Math.floor(next() * (edited.length + 1));
          expect(hover(incremental, offset), `${where}: hover at ${offset}`).toEqual(hover(whole, offset));
          expect(completion(incremental, uri, offset, { snippets: true }), `${where}: completion at ${offset}`).toEqual(
            completion(whole, uri, offset, { snippets: true }),
          );
        }
        previous = incremental;
        if (readable(previous)) lastGood = edited;
      }
      // The comparisons above are only worth something if the edit path was taken; a model of several sequences is
      // always analysed whole (which quantity runs over which sequence is inferred for the whole model).
      if (severalSequences.has(name)) expect(fromEdit, `${name}: edits analysed from the previous analysis`).toBe(0);
      else expect(fromEdit, `${name}: edits analysed from the previous analysis`).toBeGreaterThan(editsPerModel / 20);
    });
  }
});

describe("in a 10,000-line model, what is analysed from the previous analysis", () => {
  const text = generatedModel(2000);
  const cases: [string, string, string][] = [
    ["an edit inside an equation", "h1234 = tanh(", "h1234 = tanh(0 + "],
    ["a comment written between items", "  state h1234", "  // the 1235th layer\n  state h1234"],
  ];
  for (const [what, from, to] of cases) {
    test(what, () => {
      const edited = text.replace(from, to);
      const after = new Analysis(edited, 2, undefined, new Analysis(text, 1));
      expect(after.fromEdit).toBe(true);
      expect(after.diagnostics).toEqual([]);
      expect(snapshot(after.result)).toBe(snapshot(new Analysis(edited, 2).result));
    });
  }
});

describe("an edit that reaches past where it is typed is analysed as a whole", () => {
  const model = [
    "model M {",
    "  dim D = 4",
    "  dim K = 3",
    "  input x : [D]",
    "  target y : class[K]",
    "  param W : [K, D]",
    "  param V : [K, K]",
    "  h = tanh(W @ x) + W @ x  o = softmax(V @ h)",
    "  loss cross_entropy(o, y) at last",
    "}",
    "",
  ].join("\n");
  const cases: [string, string, string][] = [
    // A line comment typed in a value, or after an item, runs over the item after it on the line.
    ["a line comment in a value", "tanh(W @ x) + W", "tanh(W @ x) // + W"],
    ["a line comment between items", "W @ x  o", "W @ x\n  // note  o"],
    // A comment opened and not closed runs to the end of the file.
    ["a comment left open", "tanh(W @ x)", "tanh(W /* @ x)"],
  ];
  for (const [what, from, to] of cases) {
    test(what, () => {
      const edited = model.replace(from, to);
      const incremental = new Analysis(edited, 1, undefined, new Analysis(model, 0));
      expect(snapshot(incremental.result)).toBe(snapshot(new Analysis(edited, 1).result));
    });
  }

  test("two edits after a comment that ends where a value starts", () => {
    const commented = model.replace("  h = tanh(", "  g = tanh(W @ x)\n  h = /* c */tanh(");
    const first = commented.replace("+ W @ x", "- W @ x");
    const second = first.replace("g = tanh(W @ x)", "g = tanh(0 + W @ x)");
    const afterFirst = new Analysis(first, 1, undefined, new Analysis(commented, 0));
    const afterSecond = new Analysis(second, 2, undefined, afterFirst);
    expect([afterFirst.fromEdit, afterSecond.fromEdit]).toEqual([true, true]);
    expect(snapshot(afterSecond.result)).toBe(snapshot(new Analysis(second, 2).result));
  });

  test("an edit of a model with a state read both ways", () => {
    // E303 points at the first read ahead the check meets: b's, inferred before a, which reads b.
    const bothWays = [
      "model M {",
      "  dim D = 4",
      "  input x : [D]",
      "  target y : class[D]",
      "  param W : [D, D]",
      "  state s : [D] = zeros",
      "  a = tanh(W @ s[t+1] + b)",
      "  b = tanh(W @ s[t+1])",
      "  s = tanh(W @ s[t-1] + a + x)",
      "  o = softmax(W @ s)",
      "  loss cross_entropy(o, y) at last",
      "}",
      "",
    ].join("\n");
    const edited = bothWays.replace("+ a + x)", "+ a + 0 * x)");
    const incremental = new Analysis(edited, 1, undefined, new Analysis(bothWays, 0));
    expect(snapshot(incremental.result)).toBe(snapshot(new Analysis(edited, 1).result));
  });

  test("a misspelt name typed after suggesting has spent its budget", () => {
    // Forty misspelt names among 3,000 long ones spend the budget of "did you mean": from
    // scratch, the first equation's new misspelling is asked first and gets its suggestion.
    const params = Array.from({ length: 3000 }, (_, i) => `  param parameter_number_${i} : [D]`);
    const equations = Array.from({ length: 40 }, (_, i) => `  q${i} = tanh(parameter_numbr_${i} + x)`);
    const spent = ["model M {", "  dim D = 4", "  input x : [D]", ...params, ...equations, "}", ""].join("\n");
    const edited = spent.replace("tanh(parameter_numbr_0 +", "tanh(parameter_numbe_1 +");
    const incremental = new Analysis(edited, 1, undefined, new Analysis(spent, 0));
    const whole = new Analysis(edited, 1);
    expect(whole.diagnostics.find((d) => d.message.includes("parameter_numbe_1"))?.hint).toMatch(/did you mean/);
    expect(snapshot(incremental.result)).toBe(snapshot(whole.result));
  });

  test("a space put between two items that touch", () => {
    // `3input`: where the dim ends, the input starts, one position for both.
    const touching = model.replace("= 3\n  input", "= 3input");
    const edited = model.replace("= 3\n  input", "= 3 input");
    const incremental = new Analysis(edited, 1, undefined, new Analysis(touching, 0));
    expect(snapshot(incremental.result)).toBe(snapshot(new Analysis(edited, 1).result));
  });
});
