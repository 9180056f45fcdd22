import { describe, expect, it } from "vitest";
import * as act from "../../../runtime/kernels/activations.js";
import { ACTIVATIONS, type ActivationName } from "../../../runtime/kernels/activations.js";
import { expectAllClose, numericalGradient } from "../helpers.js";

function apply(forward: act.ActivationForward, values: number[]): number[] {
  const x = Float64Array.from(values);
  const y = new Float64Array(x.length);
  forward(x.length, x, 0, y, 0);
  return Array.from(y);
}

describe("activation forward kernels", () => {
  it("compute hand-checked values", () => {
    expectAllClose(apply(act.sigmoid, [0, Math.log(3), -Math.log(3)]), [0.5, 0.75, 0.25], 1e-15);
    expectAllClose(apply(act.tanh, [0, Math.log(2)]), [0, 0.6], 1e-15); // tanh(ln 2) = (2 − ½)/(2 + ½)
    expect(apply(act.relu, [-2, 0, 3])).toEqual([0, 0, 3]);
    expectAllClose(apply(act.exp, [0, 1]), [1, Math.E], 1e-15);
    expectAllClose(apply(act.log, [1, Math.E]), [0, 1], 1e-15);
    expect(apply(act.identity, [-1, 2])).toEqual([-1, 2]);
  });

  it("sigmoid saturates to exactly 0 and 1 without NaN", () => {
    expect(apply(act.sigmoid, [-1000, 1000])).toEqual([0, 1]);
  });

  it("relu propagates NaN instead of hiding it", () => {
    expect(apply(act.relu, [Number.NaN])[0]).toBeNaN();
  });

  it("may run in place at an offset", () => {
    const x = Float64Array.of(7, -1, 2, 7);
    act.relu(2, x, 1, x, 1);
    expect(Array.from(x)).toEqual([7, 0, 2, 7]);
  });
});

describe("activation backward kernels", () => {
  const inputs: Record<ActivationName, number[]> = {
    sigmoid: [-3, -0.5, 0, 0.7, 4],
    tanh: [-2, -0.3, 0, 0.4, 1.5],
    relu: [-2, -0.3, 0.4, 1.5, 3],
    exp: [-2, -0.3, 0, 0.4, 1.5],
    log: [0.1, 0.5, 1, 2, 7],
    identity: [-2, -0.3, 0, 0.4, 1.5],
  };
  const dy = Float64Array.of(0.3, -1.1, 0.8, 2, -0.5);

  for (const name of Object.keys(ACTIVATIONS) as ActivationName[]) {
    it(`${name}: dx += dy ⊙ f′(x), from the saved value its table entry names`, () => {
      const { forward, backward, backwardReads } = ACTIVATIONS[name];
      const x = Float64Array.from(inputs[name]);
      const y = new Float64Array(x.length);
      forward(x.length, x, 0, y, 0);
      const saved =
        backwardReads === "input" ? x : backwardReads === "output" ? y : new Float64Array(x.length).fill(Number.NaN);
      const dx = new Float64Array(x.length).fill(1);
      backward(x.length, dy, 0, saved, 0, dx, 0);

      const loss = (xx: Float64Array): number => {
        const yy = new Float64Array(xx.length);
        forward(xx.length, xx, 0, yy, 0);
        return yy.reduce((s, v, i) => s + dy[i] * v, 0);
      };
      const numeric = numericalGradient(loss, Float64Array.from(x));
      expectAllClose(
        dx,
        Array.from(numeric, (g) => 1 + g),
        1e-7,
      );
    });
  }

  it("relu passes no gradient where the output is 0", () => {
    const dx = new Float64Array(2);
    act.reluBackward(2, Float64Array.of(5, 5), 0, Float64Array.of(0, 2), 0, dx, 0);
    expect(Array.from(dx)).toEqual([0, 5]);
  });
});
