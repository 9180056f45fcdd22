/**
 * What the checker gives for a correct model (the corpus covers wrong ones): resolved dims
 * and overrides, shapes with their symbols, initialisers and their defaults, learned initial
 * states, delays, evaluation order, loss fusion, and the unused-name warnings' scope.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/frontend.js";
import type { CheckedModel } from "../../../compiler/check/model.js";
import { startOf } from "../../../grammar/source-range.js";

function check(text: string, dims: Record<string, number> = {}): CheckedModel {
  const result = analyze(text, dims);
  expect(
    result.diagnostics.map((d) => `${d.code} ${startOf(d.range).line}:${startOf(d.range).column} ${d.message}`),
  ).toEqual([]);
  return result.model!;
}

const lstmish = `model M {
  dim G = 4 * H        // declared before what it uses
  dim H = 3
  dim D = H + 1
  input x : [D]
  target y : class[H]
  param W : [H, H + D]
  param b : [H] = ones
  param P : [G, H]
  state h : [H] = learned
  state c : [H] = 0.5
  z = W @ [h[t-1], x[t-2]] + b
  o = softmax(h)
  p = P @ o
  h = tanh(c)
  c = sigmoid(h[t-3]) + c[t-1]
  loss cross_entropy(o, y) at each
}
`;

describe("a correct model, checked", () => {
  const m = check(
    lstmish
      .replace("  z = W @", "  gate z = W @")
      .replace("sigmoid(h[t-3]) + c[t-1]", "sigmoid(h[t-3]) + c[t-1] + z - z"),
  );

  it("resolves dims in any order, from each other", () => {
    expect(m.dims.map((d) => [d.name, d.value, d.overridden])).toEqual(
      expect.arrayContaining([
        ["G", 12, false],
        ["H", 3, false],
        ["D", 4, false],
      ]),
    );
    expect(m.dims).toHaveLength(3);
  });

  it("keeps every size with the dim expression it came from", () => {
    const w = m.params.find((p) => p.name === "W")!;
    expect(w.shape).toEqual([
      { value: 3, symbol: "H" },
      { value: 7, symbol: "H + D" },
    ]);
  });

  it("turns a learned initial state into a parameter NAME.init of the state's size, initialised to zeros", () => {
    expect(m.params.map((p) => p.name)).toEqual(["W", "b", "P", "h.init"]);
    expect(m.params[3]).toMatchObject({
      name: "h.init",
      shape: [{ value: 3, symbol: "H" }],
      init: { kind: "zeros" },
      initialStateOf: "h",
    });
    expect(m.states.map((s) => [s.name, s.init])).toEqual([
      ["h", { kind: "learned", param: "h.init" }],
      ["c", { kind: "constant", value: 0.5 }],
    ]);
  });

  it("records the longest delay each state is read through", () => {
    expect(m.states.map((s) => [s.name, s.maxDelay])).toEqual([
      ["h", 3],
      ["c", 1],
    ]);
    expect(m.uses.filter((u) => u.name === "x")).toMatchObject([{ usedBy: "z", delay: 2 }]);
  });

  it("orders quantities so that every same-step read comes first, else in source order", () => {
    expect(m.quantities.map((q) => [q.name, q.sameStepReads])).toEqual([
      ["z", []],
      ["c", ["z"]],
      ["h", ["c"]],
      ["o", ["h"]],
      ["p", ["o"]],
    ]);
    expect(m.quantities.find((q) => q.name === "z")!.gate).toBe(true);
  });

  it("fuses cross_entropy with the softmax that defines its prediction", () => {
    expect(m.losses).toEqual([
      expect.objectContaining({
        fn: "cross_entropy",
        prediction: "o",
        target: "y",
        at: "each",
        reduce: "mean",
        fusedWith: "softmax",
      }),
    ]);
  });

  it("fuses binary_cross_entropy with sigmoid, and not mse with anything", () => {
    const text = (fn: string) =>
      `model M { dim K = 2 input x : [K] target y : [K] param W : [K, K] p = sigmoid(W @ x) loss ${fn}(p, y, reduce = sum) at last }`;
    expect(check(text("binary_cross_entropy")).losses[0]).toMatchObject({
      fusedWith: "sigmoid",
      reduce: "sum",
      at: "last",
    });
    expect(check(text("mse")).losses[0]!.fusedWith).toBeUndefined();
  });

  it("types every expression node: one-hot inputs, concatenations, matrices", () => {
    const onehot = check(
      "model M { dim V = 5 dim H = 2 input x : onehot[V] param U : [H, V + H] state h : [H] h = tanh(U @ [x, h[t-1]]) }",
    );
    const types = [...onehot.types.values()];
    expect(types).toContainEqual({ kind: "vector", size: { value: 5, symbol: "V" }, onehot: true });
    expect(types).toContainEqual({ kind: "vector", size: { value: 7, symbol: "V + H" }, onehot: true });
    expect(types).toContainEqual({
      kind: "matrix",
      rows: { value: 2, symbol: "H" },
      cols: { value: 7, symbol: "V + H" },
    });
  });
});

describe("--dim overrides", () => {
  it("replace a dim before the dims that depend on it are computed", () => {
    const m = check(lstmish, { H: 5 });
    expect(m.dims.map((d) => [d.name, d.value, d.overridden])).toEqual(
      expect.arrayContaining([
        ["G", 20, false],
        ["H", 5, true],
        ["D", 6, false],
      ]),
    );
    expect(m.params.find((p) => p.name === "W")!.shape.map((s) => s.value)).toEqual([5, 11]);
    expect(m.params.find((p) => p.name === "P")!.shape.map((s) => s.value)).toEqual([20, 5]);
  });

  it("may set a derived dim directly", () => {
    expect(check(lstmish, { D: 9 }).dims.find((d) => d.name === "D")).toMatchObject({ value: 9, overridden: true });
  });

  it("apply to the cell shorthand's sizes too", () => {
    const text = "model M { dim D = 2 dim H = 3 input x : [D] cell h = lstm(x, size = H) }";
    expect(
      check(text, { H: 8 })
        .params.find((p) => p.name === "h.W_i")!
        .shape.map((s) => s.value),
    ).toEqual([8, 10]);
  });
});

describe("unused-name warnings", () => {
  it("are given for parameters, inputs and targets nothing reads, not for quantities", () => {
    const r = analyze("model M { dim K = 2 input x : [K] input z : [K] target y : [K] param P : [K] q = x }");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W002", "W004", "W001"]);
    expect(r.model).toBeDefined();
  });

  it("are not given when the file has a syntax error: the skipped text might have used the name", () => {
    const r = analyze("model M { dim K = 2 input x : [K] param P : [K] q = x + }");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E002"]);
  });

  it("count a name read by a call that is itself wrong as used", () => {
    const r = analyze("model M { dim K = 2 input x : [K] param P : [K] q = tanhh(x + P) }");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E104"]);
  });
});

describe("a model read through a delay of an input", () => {
  it("needs no state: inputs have a past of zeros", () => {
    const m = check(
      "model M { dim V = 4 dim K = 2 input x : onehot[V] target y : class[K] param W : [K, V + V] o = softmax(W @ [x, x[t-1]]) loss cross_entropy(o, y) at each }",
    );
    expect(m.states).toEqual([]);
  });
});
