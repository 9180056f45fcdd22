/** What the interpreter promises beyond matching PyTorch: padding, chunking, overflow, edge sizes. */
import { describe, expect, it } from "vitest";
import { interpret } from "../../engine/interpret/interpret.js";
import type { Batch } from "../../engine/interpret/batch.js";
import { NumericError } from "../../engine/interpret/numeric-error.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { maxRelativeError } from "../support/compare.js";
import { irFromText, smallIrFromFile } from "../support/models.js";

/** The first `T` steps of sequence `b` of a batch, as a batch of one. */
function slice(batch: Batch, b: number, T: number, atEach: boolean): Batch {
  const inputs = Object.fromEntries(
    Object.entries(batch.inputs).map(([name, d]) => {
      if (d.kind === "onehot")
        return [name, { kind: "onehot", ids: Int32Array.from({ length: T }, (_, t) => d.ids[t * batch.B + b]!) }];
      const n = d.values.length / (batch.T * batch.B);
      return [
        name,
        {
          kind: "dense",
          values: Float64Array.from(
            { length: T * n },
            (_, i) => d.values[(Math.floor(i / n) * batch.B + b) * n + (i % n)]!,
          ),
        },
      ];
    }),
  ) as Batch["inputs"];
  const targets = Object.fromEntries(
    Object.entries(batch.targets).map(([name, d]) => {
      if (d.kind === "class")
        return [
          name,
          {
            kind: "class",
            ids: atEach ? Int32Array.from({ length: T }, (_, t) => d.ids[t * batch.B + b]!) : Int32Array.of(d.ids[b]!),
          },
        ];
      throw new Error("real targets not needed here");
    }),
  ) as Batch["targets"];
  return { T, B: 1, inputs, targets, lengths: Int32Array.of(T) };
}

describe("padding", () => {
  for (const [file, atEach] of [
    ["examples/lstm.rnn", false],
    ["examples/char-lm.rnn", true],
    ["examples/jordan.rnn", false],
  ] as const) {
    it(`padded steps change nothing (${file})`, () => {
      const ir = smallIrFromFile(file);
      const rng = new Rng(3);
      const weights = initialWeights(ir, 3);
      const batch = randomBatch(ir, rng, { T: 6, B: 3 });
      batch.lengths = Int32Array.of(6, 4, 2);
      const whole = interpret(ir, weights, batch, { grad: true });
      // Sum-reduced losses of each sequence run alone, on its real steps only, add up to the batch's.
      const alone = [0, 1, 2].map((b) =>
        interpret(ir, weights, slice(batch, b, batch.lengths[b]!, atEach), { grad: true }),
      );
      const positions = (r: number) => (atEach ? batch.lengths[r]! : 1);
      const total = positions(0) + positions(1) + positions(2);
      const expectedLoss = alone.reduce((s, r, b) => s + r.loss! * positions(b), 0) / total;
      expect(Math.abs(whole.loss! - expectedLoss)).toBeLessThan(1e-12);
      for (const p of ir.params) {
        const expected = new Float64Array(whole.grads![p.name]!.length);
        alone.forEach((r, b) => r.grads![p.name]!.forEach((g, i) => (expected[i] += (g * positions(b)) / total)));
        expect(maxRelativeError(whole.grads![p.name]!, expected), p.name).toBeLessThan(1e-10);
      }
      // Past its end a sequence's quantities repeat the value at its last real step.
      for (const q of ir.quantities) {
        const values = whole.quantity(q.name);
        const n = ir.nodes[q.node]!.size;
        const at = (t: number, b: number) => values.slice((t * 3 + b) * n, (t * 3 + b + 1) * n);
        expect(Array.from(at(5, 2))).toEqual(Array.from(at(1, 2)));
      }
    });
  }
});

describe("chunks of a stream", () => {
  it("two chunks with the carry equal one pass", () => {
    const ir = irFromText(`model M {
      dim V = 4
      dim H = 3
      input x : onehot[V]
      target y : class[V]
      param W : [H, H]
      param W2 : [H, H]
      param U : [H, 2 * V]
      param Vo : [V, H]
      state h : [H] = learned
      h = tanh(W @ h[t-1] + W2 @ h[t-2] + U @ [x, x[t-1]])
      o = softmax(Vo @ h)
      loss cross_entropy(o, y) at each
    }`);
    const weights = initialWeights(ir, 5);
    weights["h.init"]!.fill(0.3);
    const batch = randomBatch(ir, new Rng(5), { T: 8, B: 2 });
    const whole = interpret(ir, weights, batch);
    const half = (from: number): Batch => ({
      T: 4,
      B: 2,
      inputs: {
        x: { kind: "onehot", ids: (batch.inputs["x"] as { ids: Int32Array }).ids.slice(from * 2, (from + 4) * 2) },
      },
      targets: {
        y: { kind: "class", ids: (batch.targets["y"] as { ids: Int32Array }).ids.slice(from * 2, (from + 4) * 2) },
      },
      lengths: Int32Array.of(4, 4),
    });
    const first = interpret(ir, weights, half(0));
    const second = interpret(ir, weights, half(4), { carry: first.carry() });
    const joined = new Float64Array([...first.quantity("o"), ...second.quantity("o")]);
    expect(maxRelativeError(joined, whole.quantity("o"))).toBeLessThan(1e-15);
    expect(Math.abs((first.loss! + second.loss!) / 2 - whole.loss!)).toBeLessThan(1e-12);
  });
});

describe("long sequences with a recurrent spectral radius above 1", () => {
  const model = (act: string) => `model Long {
    dim H = 8
    input x : [2]
    target y : class[2]
    param W : [H, H] = orthogonal(gain = 1.5)
    param U : [H, 2]
    param Vo : [2, H]
    state h : [H] = zeros
    h = ${act}(W @ h[t-1] + U @ x)
    o = softmax(Vo @ h)
    loss cross_entropy(o, y) at last
  }`;

  it("stays finite with tanh over T = 500, gradients included", () => {
    const ir = irFromText(model("tanh"));
    const r = interpret(ir, initialWeights(ir, 1), randomBatch(ir, new Rng(1), { T: 500, B: 2 }), { grad: true });
    expect(Number.isFinite(r.loss)).toBe(true);
    for (const g of Object.values(r.grads!)) expect(g.every(Number.isFinite)).toBe(true);
  });

  it("reports overflow where it starts instead of returning NaN", () => {
    const ir = irFromText(model("identity"));
    const run = () => interpret(ir, initialWeights(ir, 1), randomBatch(ir, new Rng(1), { T: 2000, B: 2 }));
    expect(run).toThrow(NumericError);
    expect(run).toThrow(/'h' is (Infinity|-Infinity|NaN) at step \d+ of sequence \d: the forward pass overflowed/);
  });
});
