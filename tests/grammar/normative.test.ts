/**
 * The normative examples of the design brief parse and check exactly as written, and every
 * example model checks clean. The brief's three code blocks are copied here verbatim (the
 * brief lives outside the repository); the Jordan and LSTM blocks are fragments, so they
 * are checked inside the declarations they need, with their own lines unchanged.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import { analyze } from "../../compiler/frontend.js";
import { formatFile } from "../../compiler/format/format.js";
import { examples, pytorchFixtures } from "../compiler/front/helpers.js";
import { startOf } from "../../grammar/source-range.js";

const elman = `// Elman network: one label per sequence
model ElmanSentiment {
  dim V = 64                 // vocabulary (one-hot input)
  dim H = 32
  dim K = 2

  input  x : onehot[V]       // one token id per step
  target y : class[K]        // one class index

  param W  : [H, H]          // matrices default to Xavier/Glorot init
  param U  : [H, V]
  param b  : [H] = zeros
  param Vo : [K, H]
  param c  : [K] = zeros

  state h : [H] = zeros      // h_0; any name read through a delay is a state

  h = tanh(W @ h[t-1] + U @ x + b)
  o = softmax(Vo @ h + c)

  loss cross_entropy(o, y) at last
}
`;

const jordan = `// Jordan recurrence: through the previous output (o_0 = 0)
  state o : [K] = zeros
  h = tanh(W @ o[t-1] + U @ x + b)
  o = softmax(Vo @ h + c)
`;

const lstm = `// LSTM, gate by gate ([a, b] concatenates; * is element-wise)
  state h : [H] = zeros
  state C : [H] = zeros
  gate f  = sigmoid(Wf @ [h[t-1], x] + bf)
  gate i  = sigmoid(Wi @ [h[t-1], x] + bi)
  Cc      = tanh(Wc @ [h[t-1], x] + bc)
  C       = f * C[t-1] + i * Cc
  gate og = sigmoid(Wo @ [h[t-1], x] + bo)
  h       = og * tanh(C)
`;

function clean(text: string) {
  const result = analyze(text);
  expect(
    result.diagnostics.map((d) => `${startOf(d.range).line}:${startOf(d.range).column} ${d.code} ${d.message}`),
  ).toEqual([]);
  return result.model!;
}

describe("the brief's normative examples", () => {
  it("the Elman network checks as written, and is examples/elman.rnn as rnnc fmt lays it out", () => {
    const model = clean(elman);
    expect(model.name).toBe("ElmanSentiment");
    expect(model.params.map((p) => [p.name, p.shape.map((s) => s.value), p.init.kind])).toEqual([
      ["W", [32, 32], "xavier"],
      ["U", [32, 64], "xavier"],
      ["b", [32], "zeros"],
      ["Vo", [2, 32], "xavier"],
      ["c", [2], "zeros"],
    ]);
    expect(model.losses).toMatchObject([
      { fn: "cross_entropy", prediction: "o", target: "y", at: "last", reduce: "mean", fusedWith: "softmax" },
    ]);
    // examples/elman.rnn is the brief's text in rnnc fmt's layout: only the spaces differ.
    const example = readFileSync("examples/elman.rnn", "utf8");
    expect(example).toBe(formatFile(parse(elman).file));
    expect(example.replace(/ +/g, " ")).toBe(elman.replace(/ +/g, " "));
  });

  it("the Jordan fragment checks inside the Elman declarations (W reads the output, so it is [H, K])", () => {
    const model = clean(`model Jordan {
  dim V = 64
  dim H = 32
  dim K = 2
  input  x : onehot[V]
  target y : class[K]
  param W  : [H, K]
  param U  : [H, V]
  param b  : [H] = zeros
  param Vo : [K, H]
  param c  : [K] = zeros
${jordan}
  loss cross_entropy(o, y) at last
}
`);
    expect(model.states.map((s) => [s.name, s.maxDelay])).toEqual([["o", 1]]);
    expect(model.quantities.map((q) => q.name)).toEqual(["h", "o"]);
  });

  it("the LSTM fragment checks with its gate parameters declared", () => {
    const model = clean(`model Lstm {
  dim V = 64
  dim H = 32
  dim K = 2
  input  x : onehot[V]
  target y : class[K]
  param Wf : [H, H + V]
  param bf : [H]
  param Wi : [H, H + V]
  param bi : [H]
  param Wc : [H, H + V]
  param bc : [H]
  param Wo : [H, H + V]
  param bo : [H]
  param Vo : [K, H]
  param c  : [K] = zeros
${lstm}
  o = softmax(Vo @ h + c)
  loss cross_entropy(o, y) at last
}
`);
    expect(model.quantities.filter((q) => q.gate).map((q) => q.name)).toEqual(["f", "i", "og"]);
    // Same-step order: the gates and the candidate before C, C before h, h before o.
    const order = model.quantities.map((q) => q.name);
    expect(order.indexOf("C")).toBeGreaterThan(order.indexOf("Cc"));
    expect(order.indexOf("h")).toBeGreaterThan(order.indexOf("C"));
    expect(order.indexOf("o")).toBeGreaterThan(order.indexOf("h"));
  });

  it("a fixed-window feed-forward model is one line, reading inputs through delays", () => {
    const model = clean(`model Window {
  dim V = 10
  dim K = 3
  input x : onehot[V]
  target y : class[K]
  param V3 : [K, V + V + V]
  param c : [K] = zeros
  o = softmax(V3 @ [x, x[t-1], x[t-2]] + c)
  loss cross_entropy(o, y) at each
}
`);
    expect(model.states).toEqual([]);
    expect(model.uses.filter((u) => u.name === "x").map((u) => u.delay)).toEqual([0, 1, 2]);
  });
});

describe("the examples", () => {
  for (const source of [...examples(), ...pytorchFixtures()]) {
    it(`${source.path} checks clean`, () => {
      expect(parse(source.text).diagnostics).toEqual([]);
      clean(source.text);
    });
  }

  it("cover what the issue lists", () => {
    const names = examples().map((e) => e.path);
    expect(names).toEqual(
      expect.arrayContaining([
        "examples/elman.rnn",
        "examples/jordan.rnn",
        "examples/elman-jordan.rnn",
        "examples/lstm-gates.rnn",
        "examples/lstm.rnn",
        "examples/gru.rnn",
        "examples/char-lm.rnn",
        "examples/regression.rnn",
        "examples/stacked.rnn",
      ]),
    );
    const models = Object.fromEntries(examples().map((e) => [e.path, clean(e.text)]));
    expect(models["examples/char-lm.rnn"]!.losses[0]).toMatchObject({ fn: "cross_entropy", at: "each" });
    expect(models["examples/regression.rnn"]!.losses[0]).toMatchObject({ fn: "mse", at: "each" });
    expect(models["examples/elman.rnn"]!.losses[0]).toMatchObject({ at: "last" });
    expect(models["examples/stacked.rnn"]!.expansions.map((x) => x.cell.cell.text)).toEqual(["lstm", "gru"]);
  });
});
