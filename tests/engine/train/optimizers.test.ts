/** The optimisers against steps computed by hand. */
import { describe, expect, it } from "vitest";
import {
  adamStep,
  completeOptimizerConfig,
  defaultOptimizerConfig,
  momentumStep,
  Optimizer,
  optimizerKinds,
  sgdStep,
} from "../../../engine/train/optimizers.js";

const close = (a: ArrayLike<number>, b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(Math.abs(a[i]! - v), `index ${i}: ${a[i]} vs ${v}`).toBeLessThan(tol));
};
const adam = (lr: number) => ({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });

describe("optimiser steps", () => {
  it("sgd: w − lr·g", () => {
    const w = Float64Array.of(1, -2, 0.5);
    sgdStep(w, Float64Array.of(0.5, -1, 2), 0.1);
    close(w, [0.95, -1.9, 0.3]);
  });

  it("momentum: v ← μv + g, w ← w − lr·v (two steps)", () => {
    const w = Float64Array.of(1, 2);
    const v = new Float64Array(2);
    momentumStep(w, Float64Array.of(1, -1), v, { lr: 0.1, momentum: 0.9, weightDecay: 0 });
    close(v, [1, -1]);
    close(w, [0.9, 2.1]);
    momentumStep(w, Float64Array.of(0.5, 0.5), v, { lr: 0.1, momentum: 0.9, weightDecay: 0 });
    // v = 0.9·[1, −1] + [0.5, 0.5] = [1.4, −0.4]
    close(v, [1.4, -0.4]);
    close(w, [0.9 - 0.14, 2.1 + 0.04]);
  });

  it("adam: bias-corrected first step moves each weight by lr·sign(g)", () => {
    const w = Float64Array.of(1, 1, 1);
    const m = new Float64Array(3);
    const v = new Float64Array(3);
    adamStep(w, Float64Array.of(0.3, -5, 1e-3), m, v, 1, adam(0.01));
    // m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε)
    close(w, [1 - 0.01 * (0.3 / (0.3 + 1e-8)), 1 + 0.01 * (5 / (5 + 1e-8)), 1 - 0.01 * (1e-3 / (1e-3 + 1e-8))]);
    close(m, [0.03, -0.5, 1e-4]);
    close(v, [0.001 * 0.09, 0.001 * 25, 0.001 * 1e-6]);
  });

  it("adam: second step by hand", () => {
    const w = Float64Array.of(0);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    adamStep(w, Float64Array.of(1), m, v, 1, adam(0.1));
    adamStep(w, Float64Array.of(-2), m, v, 2, adam(0.1));
    const m2 = 0.9 * 0.1 + 0.1 * -2; // −0.11
    const v2 = 0.999 * 0.001 + 0.001 * 4; // 0.004999
    const step1 = (0.1 * (0.1 / 0.1)) / (Math.sqrt(0.001 / 0.001) + 1e-8);
    const step2 = (0.1 * (m2 / (1 - 0.81))) / (Math.sqrt(v2 / (1 - 0.998001)) + 1e-8);
    close(m, [m2]);
    close(v, [v2], 1e-15);
    close(w, [-step1 - step2]);
  });

  it.each(optimizerKinds)("%s: the Optimizer keeps per-parameter state and restores it exactly", (kind) => {
    const shapes = { a: 2, b: 1 };
    const make = () => new Optimizer(defaultOptimizerConfig(kind, 0.01, 0.01), shapes);
    const weights = () => ({ a: Float64Array.of(1, 2), b: Float64Array.of(3) });
    const grads = [
      { a: Float64Array.of(0.1, -0.2), b: Float64Array.of(0.3) },
      { a: Float64Array.of(-0.4, 0.5), b: Float64Array.of(0.6) },
      { a: Float64Array.of(0.7, 0.8), b: Float64Array.of(-0.9) },
    ];
    const straight = make();
    const w1 = weights();
    for (const g of grads) straight.step(w1, g);

    const first = make();
    const w2 = weights();
    first.step(w2, grads[0]!);
    const saved = JSON.parse(
      JSON.stringify({
        t: first.getState().t,
        slots: Object.fromEntries(
          Object.entries(first.getState().slots).map(([k, v]) => [
            k,
            Object.fromEntries(Object.entries(v).map(([p, a]) => [p, Array.from(a)])),
          ]),
        ),
      }),
    );
    const second = make();
    second.setState({
      t: saved.t,
      slots: Object.fromEntries(
        Object.entries(saved.slots as Record<string, Record<string, number[]>>).map(([k, v]) => [
          k,
          Object.fromEntries(Object.entries(v).map(([p, a]) => [p, Float64Array.from(a)])),
        ]),
      ),
    });
    second.step(w2, grads[1]!);
    second.step(w2, grads[2]!);
    expect(Array.from(w2.a)).toEqual(Array.from(w1.a));
    expect(Array.from(w2.b)).toEqual(Array.from(w1.b));
    expect(second.steps).toBe(3);
  });

  it("rejects bad settings", () => {
    expect(() => new Optimizer({ ...defaultOptimizerConfig("sgd"), lr: 0 }, {})).toThrow(/learning rate/);
    expect(() => new Optimizer({ ...defaultOptimizerConfig("momentum"), momentum: 1 }, {})).toThrow(/momentum/);
    expect(() => new Optimizer(defaultOptimizerConfig("sgd", 0.1, -0.01), {})).toThrow(
      /weight decay must be a number ≥ 0/,
    );
    expect(() => new Optimizer(defaultOptimizerConfig("adamw", 0.5, 2), {})).toThrow(
      /lr 0.5 × weight decay 2 must be below 1/,
    );
  });

  it("a configuration saved before weight decay and RMSProp existed reads as none and torch's α", () => {
    const old = { kind: "adam" as const, lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    expect(completeOptimizerConfig(old)).toEqual({ ...old, weightDecay: 0, alpha: 0.99 });
  });

  it("weight decay defaults to torch's: 0.01 for adamw, none for the others", () => {
    for (const kind of optimizerKinds)
      expect(defaultOptimizerConfig(kind).weightDecay, kind).toBe(kind === "adamw" ? 0.01 : 0);
  });

  it.each(optimizerKinds)(
    "%s: a parameter without a gradient (frozen) is not changed, not even by weight decay",
    (kind) => {
      const opt = new Optimizer(defaultOptimizerConfig(kind, 0.1, 0.5), { a: 1, b: 1 });
      const w = { a: Float64Array.of(1), b: Float64Array.of(1) };
      opt.step(w, { a: Float64Array.of(0.5) });
      expect(w.b[0]).toBe(1);
      expect(w.a[0]).not.toBe(1);
    },
  );
});
