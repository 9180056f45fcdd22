/**
 * The cell shorthand means exactly its gate-by-gate core equations:
 * - each cell kind expands to the hand-written core items below (same names, same order,
 *   compared as ASTs without source ranges): this file is the specification of every cell;
 * - `rnnc expand` prints text that parses and checks to the same checked model;
 * - examples/lstm.rnn (shorthand) and examples/lstm-gates.rnn (gate by gate) are the same
 *   network up to the names of its parts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type * as A from "../../../grammar/ast.js";
import { parse } from "../../../grammar/parse.js";
import { analyze } from "../../../compiler/frontend.js";
import { expandCells } from "../../../compiler/expand/expand.js";
import { printExpr } from "../../../compiler/format/print-expr.js";
import type { CheckedModel } from "../../../compiler/check/model.js";
import { main } from "../../../compiler/cli/main.js";
import type { Output } from "../../../compiler/cli/io.js";
import { withoutRanges } from "./helpers.js";

/** The items of the only model in a text. */
function itemsOf(text: string): A.Item[] {
  const { file, diagnostics } = parse(text);
  expect(diagnostics).toEqual([]);
  return file.models[0]!.items;
}

interface Case {
  name: string;
  /** Declarations around the cell, shared by both forms. */
  before: string;
  cell: string;
  /** What the cell line stands for, written out by hand. */
  core: string;
  after: string;
}

const dense = `
  dim D = 3
  dim H = 5
  dim K = 2
  input x : [D]
  target y : class[K]`;
const onehot = `
  dim V = 7
  dim H = 5
  dim K = 2
  input x : onehot[V]
  target y : class[K]`;
const output = `
  param Vo : [K, H]
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at last`;

const cases: Case[] = [
  {
    name: "elman: h = tanh(W h[t-1] + U x + b)",
    before: dense,
    cell: "cell h = elman(x, size = H)",
    core: `
      param h.W : [H, H]
      param h.U : [H, D]
      param h.b : [H] = zeros
      state h : [H] = zeros
      h = tanh(h.W @ h[t-1] + h.U @ x + h.b)`,
    after: output,
  },
  {
    name: "elman with act and a learned initial state",
    before: onehot,
    cell: "cell h = elman(x, size = H, act = relu, init = learned)",
    core: `
      param h.W : [H, H]
      param h.U : [H, V]
      param h.b : [H] = zeros
      state h : [H] = learned
      h = relu(h.W @ h[t-1] + h.U @ x + h.b)`,
    after: output,
  },
  {
    name: "jordan: h = act(W o[t-1] + U x + b), through the previous output",
    before: `${dense}
  state o : [K] = zeros`,
    cell: "cell h = jordan(x, size = H, out = o, act = sigmoid)",
    core: `
      param h.W : [H, K]
      param h.U : [H, D]
      param h.b : [H] = zeros
      h = sigmoid(h.W @ o[t-1] + h.U @ x + h.b)`,
    after: output,
  },
  {
    name: "elman_jordan: both recurrences at once",
    before: `${dense}
  state o : [K] = zeros`,
    cell: "cell h = elman_jordan(x, size = H, out = o)",
    core: `
      param h.W : [H, H]
      param h.W_o : [H, K]
      param h.U : [H, D]
      param h.b : [H] = zeros
      state h : [H] = zeros
      h = tanh(h.W @ h[t-1] + h.W_o @ o[t-1] + h.U @ x + h.b)`,
    after: output,
  },
  {
    name: "lstm: input, forget, output gates, candidate, additive cell state",
    before: onehot,
    cell: "cell h = lstm(x, size = H)",
    core: `
      param h.W_i : [H, H + V]
      param h.b_i : [H] = zeros
      param h.W_f : [H, H + V]
      param h.b_f : [H] = zeros
      param h.W_g : [H, H + V]
      param h.b_g : [H] = zeros
      param h.W_o : [H, H + V]
      param h.b_o : [H] = zeros
      state h : [H] = zeros
      state h.c : [H] = zeros
      gate h.i = sigmoid(h.W_i @ [h[t-1], x] + h.b_i)
      gate h.f = sigmoid(h.W_f @ [h[t-1], x] + h.b_f)
      h.g = tanh(h.W_g @ [h[t-1], x] + h.b_g)
      gate h.o = sigmoid(h.W_o @ [h[t-1], x] + h.b_o)
      h.c = h.f * h.c[t-1] + h.i * h.g
      h = h.o * tanh(h.c)`,
    after: output,
  },
  {
    name: "lstm with learned initial states (both h and h.c)",
    before: dense,
    cell: "cell h = lstm(x, size = H, init = learned)",
    core: `
      param h.W_i : [H, H + D]
      param h.b_i : [H] = zeros
      param h.W_f : [H, H + D]
      param h.b_f : [H] = zeros
      param h.W_g : [H, H + D]
      param h.b_g : [H] = zeros
      param h.W_o : [H, H + D]
      param h.b_o : [H] = zeros
      state h : [H] = learned
      state h.c : [H] = learned
      gate h.i = sigmoid(h.W_i @ [h[t-1], x] + h.b_i)
      gate h.f = sigmoid(h.W_f @ [h[t-1], x] + h.b_f)
      h.g = tanh(h.W_g @ [h[t-1], x] + h.b_g)
      gate h.o = sigmoid(h.W_o @ [h[t-1], x] + h.b_o)
      h.c = h.f * h.c[t-1] + h.i * h.g
      h = h.o * tanh(h.c)`,
    after: output,
  },
  {
    name: "lstm with forget_bias = 1: the forget gate's bias starts at 1, the gate open",
    before: dense,
    cell: "cell h = lstm(x, size = H, forget_bias = 1)",
    core: `
      param h.W_i : [H, H + D]
      param h.b_i : [H] = zeros
      param h.W_f : [H, H + D]
      param h.b_f : [H] = 1
      param h.W_g : [H, H + D]
      param h.b_g : [H] = zeros
      param h.W_o : [H, H + D]
      param h.b_o : [H] = zeros
      state h : [H] = zeros
      state h.c : [H] = zeros
      gate h.i = sigmoid(h.W_i @ [h[t-1], x] + h.b_i)
      gate h.f = sigmoid(h.W_f @ [h[t-1], x] + h.b_f)
      h.g = tanh(h.W_g @ [h[t-1], x] + h.b_g)
      gate h.o = sigmoid(h.W_o @ [h[t-1], x] + h.b_o)
      h.c = h.f * h.c[t-1] + h.i * h.g
      h = h.o * tanh(h.c)`,
    after: output,
  },
  {
    name: "gru with forget_bias = -0.5: the update gate's bias (z keeps h[t-1])",
    before: dense,
    cell: "cell h = gru(x, size = H, forget_bias = -0.5)",
    core: `
      param h.W_r : [H, H + D]
      param h.b_r : [H] = zeros
      param h.W_z : [H, H + D]
      param h.b_z : [H] = -0.5
      param h.W_in : [H, D]
      param h.b_in : [H] = zeros
      param h.W_hn : [H, H]
      param h.b_hn : [H] = zeros
      state h : [H] = zeros
      gate h.r = sigmoid(h.W_r @ [h[t-1], x] + h.b_r)
      gate h.z = sigmoid(h.W_z @ [h[t-1], x] + h.b_z)
      h.n = tanh(h.W_in @ x + h.b_in + h.r * (h.W_hn @ h[t-1] + h.b_hn))
      h = (1 - h.z) * h.n + h.z * h[t-1]`,
    after: output,
  },
  {
    name: "gru, PyTorch variant: n = tanh(W_in x + b_in + r * (W_hn h[t-1] + b_hn)), h = (1 - z) * n + z * h[t-1]",
    before: dense,
    cell: "cell h = gru(x, size = H)",
    core: `
      param h.W_r : [H, H + D]
      param h.b_r : [H] = zeros
      param h.W_z : [H, H + D]
      param h.b_z : [H] = zeros
      param h.W_in : [H, D]
      param h.b_in : [H] = zeros
      param h.W_hn : [H, H]
      param h.b_hn : [H] = zeros
      state h : [H] = zeros
      gate h.r = sigmoid(h.W_r @ [h[t-1], x] + h.b_r)
      gate h.z = sigmoid(h.W_z @ [h[t-1], x] + h.b_z)
      h.n = tanh(h.W_in @ x + h.b_in + h.r * (h.W_hn @ h[t-1] + h.b_hn))
      h = (1 - h.z) * h.n + h.z * h[t-1]`,
    after: output,
  },
  {
    name: "gru reading a quantity, its size given with in",
    before: `${dense}
  param E : [H, D]
  e = tanh(E @ x)`,
    cell: "cell h = gru(e, size = H, in = H)",
    core: `
      param h.W_r : [H, H + H]
      param h.b_r : [H] = zeros
      param h.W_z : [H, H + H]
      param h.b_z : [H] = zeros
      param h.W_in : [H, H]
      param h.b_in : [H] = zeros
      param h.W_hn : [H, H]
      param h.b_hn : [H] = zeros
      state h : [H] = zeros
      gate h.r = sigmoid(h.W_r @ [h[t-1], e] + h.b_r)
      gate h.z = sigmoid(h.W_z @ [h[t-1], e] + h.b_z)
      h.n = tanh(h.W_in @ e + h.b_in + h.r * (h.W_hn @ h[t-1] + h.b_hn))
      h = (1 - h.z) * h.n + h.z * h[t-1]`,
    after: output,
  },
];

const model = (body: string) => `model Cell {${body}\n}\n`;

/** What a checked model is, by value: what lowering and the runtime see. */
function summary(m: CheckedModel) {
  return {
    dims: m.dims.map((d) => [d.name, d.value]),
    inputs: m.inputs.map((i) => [i.name, i.encoding, i.size.value]),
    targets: m.targets.map((t) => [t.name, t.kind, t.size.value]),
    params: m.params.map((p) => ({
      name: p.name,
      shape: p.shape.map((s) => [s.symbol, s.value]),
      init: p.init,
      initialStateOf: p.initialStateOf,
    })),
    states: m.states.map((s) => ({ name: s.name, size: s.size.value, init: s.init, maxDelay: s.maxDelay })),
    quantities: m.quantities.map((q) => ({
      name: q.name,
      gate: q.gate,
      size: q.size.value,
      equation: printExpr(q.equation.value),
      reads: q.sameStepReads,
    })),
    losses: m.losses.map((l) => ({
      fn: l.fn,
      prediction: l.prediction,
      target: l.target,
      at: l.at,
      reduce: l.reduce,
      fusedWith: l.fusedWith,
    })),
  };
}

function checked(text: string): CheckedModel {
  const result = analyze(text);
  expect(result.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return result.model!;
}

const scratch = mkdtempSync(join(tmpdir(), "rnnc-shorthand-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function rnncExpand(path: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await main(["expand", path], io);
  return { code, out, err };
}

describe("each cell kind expands to its gate-by-gate core equations", () => {
  for (const c of cases) {
    it(c.name, () => {
      const shorthand = parse(model(`${c.before}\n  ${c.cell}${c.after}`));
      expect(shorthand.diagnostics).toEqual([]);
      const expanded = expandCells(shorthand.file.models[0]!);
      expect(expanded.diagnostics).toEqual([]);
      const byHand = itemsOf(model(`${c.before}${c.core}${c.after}`));
      expect(withoutRanges(expanded.model.items)).toEqual(withoutRanges(byHand));
      // Both forms check to the same model, and it has no warning.
      expect(summary(checked(model(`${c.before}\n  ${c.cell}${c.after}`)))).toEqual(
        summary(checked(model(`${c.before}${c.core}${c.after}`))),
      );
    });

    it(`${c.name}: rnnc expand prints it as .rnn that checks to the same model`, async () => {
      const path = join(scratch, `${c.cell.split(" ")[3]!.replace(/\W/g, "")}-${cases.indexOf(c)}.rnn`);
      const text = model(`${c.before}\n  ${c.cell}${c.after}`);
      writeFileSync(path, text);
      const { code, out, err } = await rnncExpand(path);
      expect({ code, err }).toEqual({ code: 0, err: "" });
      expect(out).not.toContain("cell ");
      expect(summary(checked(out))).toEqual(summary(checked(text)));
    });
  }

  it("the generated items point at the cell's line, so diagnostics about them do too", () => {
    const text = model(`${dense}\n  cell h = elman(x, size = H)${output}`);
    const parsed = parse(text).file.models[0]!;
    const cell = parsed.items.find((i) => i.kind === "cell")!;
    const { model: expanded } = expandCells(parsed);
    const generated = expanded.items.filter((i) => i.kind !== "loss" && i.name.text.startsWith("h"));
    expect(generated).toHaveLength(5);
    for (const item of generated) expect(item.range).toEqual(cell.range);
  });
});

describe("rnnc expand on the examples", () => {
  for (const name of ["lstm", "gru", "char-lm", "regression", "stacked", "elman"]) {
    it(`examples/${name}.rnn: the expansion parses and checks to the same model`, async () => {
      const { code, out, err } = await rnncExpand(`examples/${name}.rnn`);
      expect({ code, err }).toEqual({ code: 0, err: "" });
      expect(out).not.toMatch(/^\s*cell /m);
      expect(summary(checked(out))).toEqual(summary(checked(readFileSync(`examples/${name}.rnn`, "utf8"))));
    });
  }

  it("keeps the comments of the file", async () => {
    const { out } = await rnncExpand("examples/lstm.rnn");
    expect(out).toContain("// The same kind of classifier with the LSTM shorthand");
    expect(out).toContain("// params h.W_i, h.b_i, h.W_f, ... ; states h, h.c");
  });
});

describe("examples/lstm.rnn and examples/lstm-gates.rnn are the same LSTM up to renaming", () => {
  /** Names in lstm-gates.rnn → names the shorthand gives them. */
  const renaming: Record<string, string> = {
    Wi: "h.W_i",
    bi: "h.b_i",
    Wf: "h.W_f",
    bf: "h.b_f",
    Wc: "h.W_g",
    bc: "h.b_g",
    Wo: "h.W_o",
    bo: "h.b_o",
    i: "h.i",
    f: "h.f",
    Cc: "h.g",
    og: "h.o",
    C: "h.c",
  };
  const rename = (n: string) => renaming[n] ?? n;
  const renameExpr = (e: A.Expr): A.Expr => {
    switch (e.kind) {
      case "ref":
      case "delay":
        return { ...e, name: { ...e.name, text: rename(e.name.text) } };
      case "neg":
        return { ...e, operand: renameExpr(e.operand) };
      case "binary":
        return { ...e, left: renameExpr(e.left), right: renameExpr(e.right) };
      case "concat":
        return { ...e, parts: e.parts.map(renameExpr) };
      case "call":
        return { ...e, args: e.args.map((a) => ({ ...a, value: renameExpr(a.value) })) };
      default:
        return e;
    }
  };
  const structure = (m: CheckedModel, map: (n: string) => string, mapExpr: (e: A.Expr) => A.Expr) => ({
    dims: m.dims.map((d) => [d.name, d.value]),
    inputs: m.inputs.map((i) => [i.name, i.encoding, i.size.value]),
    targets: m.targets.map((t) => [t.name, t.kind, t.size.value]),
    params: m.params
      .map((p) => ({ name: map(p.name), shape: p.shape.map((s) => [s.symbol, s.value]) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    states: m.states
      .map((s) => ({ name: map(s.name), size: s.size.value, init: s.init, maxDelay: s.maxDelay }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    quantities: m.quantities
      .map((q) => ({
        name: map(q.name),
        gate: q.gate,
        size: q.size.value,
        equation: printExpr(mapExpr(q.equation.value)),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    losses: m.losses.map((l) => ({
      fn: l.fn,
      prediction: map(l.prediction),
      target: l.target,
      at: l.at,
      reduce: l.reduce,
    })),
  });

  it("same dims, parameters and shapes, states, gates and equations", () => {
    const gates = checked(readFileSync("examples/lstm-gates.rnn", "utf8"));
    const shorthand = checked(readFileSync("examples/lstm.rnn", "utf8"));
    // The renaming covers every name of the gate-by-gate form that the shorthand names differently.
    const names = [...gates.params, ...gates.states, ...gates.quantities].map((x) => x.name);
    for (const from of Object.keys(renaming)) expect(names).toContain(from);
    expect(structure(gates, rename, renameExpr)).toEqual(
      structure(
        shorthand,
        (n) => n,
        (e) => e,
      ),
    );
  });

  it("differ only in the forget-gate bias initialiser, which lstm-gates.rnn starts open", () => {
    const gates = checked(readFileSync("examples/lstm-gates.rnn", "utf8"));
    const shorthand = checked(readFileSync("examples/lstm.rnn", "utf8"));
    const initOf = (m: CheckedModel, map: (n: string) => string) => new Map(m.params.map((p) => [map(p.name), p.init]));
    const a = initOf(gates, rename);
    const b = initOf(shorthand, (n) => n);
    const different = [...a.keys()].filter((k) => JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k)));
    expect(different).toEqual(["h.b_f"]);
    expect(a.get("h.b_f")).toEqual({ kind: "ones" });
    expect(b.get("h.b_f")).toEqual({ kind: "zeros" });
  });

  it("with forget_bias = 1 the shorthand starts open too: every initialiser is the same", () => {
    const gates = checked(readFileSync("examples/lstm-gates.rnn", "utf8"));
    const open = checked(
      readFileSync("examples/lstm.rnn", "utf8").replace("lstm(x, size = H)", "lstm(x, size = H, forget_bias = 1)"),
    );
    // `ones` and the constant 1 initialise alike.
    const initOf = (m: CheckedModel, map: (n: string) => string) =>
      new Map(
        m.params.map((p) => [
          map(p.name),
          JSON.stringify(p.init).replace('{"kind":"ones"}', '{"kind":"constant","value":1}'),
        ]),
      );
    expect(initOf(open, (n) => n)).toEqual(initOf(gates, rename));
  });
});
