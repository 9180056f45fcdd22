/**
 * The lecture's recurrences transcribed in its own notation (`h[t] = σ(W · h[t-1] + U · x[t] + b)`,
 * `⊙`, names such as `C̃` and `ŷ`) give exactly, to the last bit, what the shorthand cells give:
 * the same loss, the same outputs and the same gradient for every parameter, the lecture's
 * names matched to the cell's. Elman, Jordan, both at once, and the LSTM gate by gate.
 *
 * The LSTM's gradient with respect to h[t-1] is a sum over the four gates, added up in the
 * order the equations come in: written in the lecture's order (f, i, C̃, o) its gradients
 * differ from the cell's (i, f, g, o) by that reordering of a sum only, within 1e-14 of their
 * scale; written in the cell's order they are the same to the last bit.
 */
import { describe, expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { interpret } from "../../engine/interpret/interpret.js";
import type { Weights } from "../../engine/interpret/batch.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { maxRelativeError } from "../support/compare.js";
import { irFromText } from "../support/models.js";

const declarations = `
  dim D = 3
  dim H = 5
  dim K = 4
  input x : [D]
  target y : class[K]
  param V : [K, H]
  param c : [K] = zeros`;

interface Case {
  name: string;
  /** The lecture's equations, in its notation. */
  lecture: string;
  /** The same network with a cell. */
  shorthand: string;
  /** Each parameter of the lecture's form and the cell's name for it. */
  names: Record<string, string>;
  /** Whether the lecture's equations add up the gradient in the cell's order (else: within 1e-14). */
  sameOrder: boolean;
}

/** The lecture's LSTM, its gates in the order given, then h. */
function lstm(name: string, order: string[]): Case {
  const gates: Record<string, string> = {
    f: "f[t] = σ(W_f · [h[t-1], x[t]] + b_f)",
    i: "i[t] = σ(W_i · [h[t-1], x[t]] + b_i)",
    C̃: "C̃[t] = tanh(W_C · [h[t-1], x[t]] + b_C)",
    C: "C[t] = f[t] ⊙ C[t-1] + i[t] ⊙ C̃[t]",
    o: "o[t] = σ(W_o · [h[t-1], x[t]] + b_o)",
  };
  const parts = ["f", "i", "C", "o"];
  return {
    name,
    lecture: [
      ...parts.flatMap((g) => [`param W_${g} : [H, H + D]`, `param b_${g} : [H] = zeros`]),
      "state h : [H] = zeros",
      "state C : [H] = zeros",
      ...order.map((g) => gates[g]!),
      "h[t] = o[t] * tanh(C[t])",
      "ŷ[t] = softmax(V · h[t] + c)",
    ]
      .map((line) => `\n  ${line}`)
      .join(""),
    shorthand: `
  cell h = lstm(x, size = H)
  ŷ = softmax(V @ h + c)`,
    names: Object.fromEntries(
      parts.flatMap((g) => ["W", "b"].map((p) => [`${p}_${g}`, `h.${p}_${g === "C" ? "g" : g}`])),
    ),
    // Only with the cell's order is the sum into h[t-1]'s gradient added up in the same order.
    sameOrder: order.join() === "i,f,C̃,o,C",
  };
}

const cases: Case[] = [
  {
    name: "Elman: h_t = σ(W h_{t-1} + U x_t + b), ŷ_t = softmax(V h_t + c)",
    lecture: `
  param W : [H, H]
  param U : [H, D]
  param b : [H] = zeros
  state h : [H] = zeros
  h[t] = σ(W · h[t-1] + U · x[t] + b)
  ŷ[t] = softmax(V · h[t] + c)`,
    shorthand: `
  cell h = elman(x, size = H, act = sigmoid)
  ŷ = softmax(V @ h + c)`,
    names: { W: "h.W", U: "h.U", b: "h.b" },
    sameOrder: true,
  },
  {
    name: "Jordan: h_t = σ(W ŷ_{t-1} + U x_t + b), through the previous output",
    lecture: `
  param W : [H, K]
  param U : [H, D]
  param b : [H] = zeros
  state ŷ : [K] = zeros
  h[t] = σ(W · ŷ[t-1] + U · x[t] + b)
  ŷ[t] = softmax(V · h[t] + c)`,
    shorthand: `
  state ŷ : [K] = zeros
  cell h = jordan(x, size = H, out = ŷ, act = sigmoid)
  ŷ = softmax(V @ h + c)`,
    names: { W: "h.W", U: "h.U", b: "h.b" },
    sameOrder: true,
  },
  {
    name: "both: h_t = σ(W h_{t-1} + W_o ŷ_{t-1} + U x_t + b)",
    lecture: `
  param W : [H, H]
  param W_o : [H, K]
  param U : [H, D]
  param b : [H] = zeros
  state h : [H] = zeros
  state ŷ : [K] = zeros
  h[t] = σ(W · h[t-1] + W_o · ŷ[t-1] + U · x[t] + b)
  ŷ[t] = softmax(V · h[t] + c)`,
    shorthand: `
  state ŷ : [K] = zeros
  cell h = elman_jordan(x, size = H, out = ŷ, act = sigmoid)
  ŷ = softmax(V @ h + c)`,
    names: { W: "h.W", W_o: "h.W_o", U: "h.U", b: "h.b" },
    sameOrder: true,
  },
  lstm("LSTM gate by gate: f_t, i_t, C̃_t, C_t = f_t * C_{t-1} + i_t * C̃_t, o_t, h_t = o_t * tanh(C_t)", [
    "f",
    "i",
    "C̃",
    "C",
    "o",
  ]),
  lstm("LSTM gate by gate, the equations in the cell's order (i, f, C̃, o)", ["i", "f", "C̃", "o", "C"]),
];

const model = (body: string) => `model M {${declarations}${body}\n  loss cross_entropy(ŷ, y) at last\n}`;

describe("the lecture's notation gives exactly the shorthand cells' results", () => {
  for (const c of cases) {
    it(c.name, () => {
      const lecture = irFromText(model(c.lecture));
      const shorthand = irFromText(model(c.shorthand));
      const rename = (n: string) => c.names[n] ?? n;
      // Every parameter is matched, and nothing else differs.
      expect(lecture.params.map((p) => rename(p.name)).sort()).toEqual(shorthand.params.map((p) => p.name).sort());
      const rng = new Rng(11);
      const byLecture: Weights = initialWeights(lecture, 7);
      for (const w of Object.values(byLecture)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.5, 0.5);
      const byCell: Weights = Object.fromEntries(Object.entries(byLecture).map(([n, w]) => [rename(n), w]));
      const batch = randomBatch(shorthand, new Rng(3), { T: 6, B: 4, ragged: true });

      const a = interpret(lecture, byLecture, batch, { grad: true });
      const b = interpret(shorthand, byCell, batch, { grad: true });
      expect(a.loss).toBe(b.loss);
      expect(a.quantity("ŷ")).toEqual(b.quantity("ŷ"));
      for (const [n, g] of Object.entries(a.grads!)) {
        if (c.sameOrder) expect(g, n).toEqual(b.grads![rename(n)]);
        else expect(maxRelativeError(g, b.grads![rename(n)]!), n).toBeLessThan(1e-14);
      }
    });
  }
});
