/**
 * The op registry (compiler/ops): each op's derivative rule is the derivative of its forward
 * meaning, and each loss's seed the derivative of its kernel, checked against central
 * differences for every op and every loss form registered; and registration refuses a name
 * or an operator already taken.
 */
import { describe, expect, it } from "vitest";
import { read } from "../../compiler/ops/expr.js";
import type { GradContext, GradValue, KernelName, OpSpec, SeedContext } from "../../compiler/ops/op.js";
import { lossNames, lossNamed, opNamed, registeredOps, registerOp } from "../../compiler/ops/registry.js";
import { evaluateElementwise } from "../../engine/interpret/elementwise.js";
import { lossKernel, rowKernel } from "../../engine/interpret/kernels.js";
import { Rng } from "../../runtime/rng.js";
import { expectAllClose, numericalGradient } from "../runtime/helpers.js";

/** One row of `size` numbers per operand: the forward meaning of an element-wise or row-wise op. */
function forward(spec: OpSpec, operands: readonly Float64Array[], size: number): Float64Array {
  const out = new Float64Array(size);
  if (spec.kind === "elementwise")
    evaluateElementwise(
      spec.expr(...operands.map((_, k) => read(k))),
      operands.map((values) => ({ values, scalar: false })),
      out,
    );
  else if (spec.kind === "rowwise") rowKernel(spec.kernel)(1, size, ...operands.flatMap((o) => [o, 0]), out, 0);
  else throw new Error(`${spec.name} has no forward meaning on numbers here`);
  return out;
}

/** Backward IR built on numbers: each value is computed as the rule builds it. */
class Numbers {
  readonly values: Float64Array[] = [];

  constructor(readonly size: number) {}

  value(values: Float64Array, scalar = false): GradValue {
    this.values.push(values);
    return { id: this.values.length - 1, size: scalar ? 1 : this.size, scalar };
  }

  builder() {
    const apply = (fn: string, args: readonly GradValue[]) =>
      this.value(
        forward(
          opNamed(fn),
          args.map((a) => (a.scalar ? new Float64Array(this.size).fill(this.values[a.id]![0]!) : this.values[a.id]!)),
          this.size,
        ),
      );
    return {
      constant: (v: number) => this.value(Float64Array.of(v), true),
      apply,
      add: (a: GradValue, b: GradValue) => apply("add", [a, b]),
      sub: (a: GradValue, b: GradValue) => apply("sub", [a, b]),
      mul: (a: GradValue, b: GradValue) => apply("mul", [a, b]),
      div: (a: GradValue, b: GradValue) => apply("div", [a, b]),
      neg: (a: GradValue) => apply("neg", [a]),
    };
  }
}

/** What an op's derivative rule sends to each operand, for the adjoint dy of its output. */
function sent(spec: OpSpec, operands: Float64Array[], dy: Float64Array): Float64Array[] {
  const size = dy.length;
  const numbers = new Numbers(size);
  const args = operands.map((o) => numbers.value(o));
  const out = new Array(operands.length).fill(0).map(() => new Float64Array(size));
  const context: GradContext = {
    ...numbers.builder(),
    node: {
      op: "apply",
      fn: spec.name,
      args: args.map((a) => a.id),
      id: -1,
      size,
      scalar: false,
      onehot: false,
      origin: "",
    },
    dy: numbers.value(dy),
    output: () => numbers.value(forward(spec, operands, size)),
    operand: (k) => args[k]!,
    operandSize: () => size,
    operandOnehot: () => false,
    send: (k, term) => numbers.values[term.id]!.forEach((v, i) => (out[k]![i] += v)),
    sendToWeights: () => expect.fail(`${spec.name} sends to weights`),
  };
  spec.grad!(context);
  return out;
}

const withRules = registeredOps().filter((op) => op.grad && (op.kind === "elementwise" || op.kind === "rowwise"));

/** An element-wise function of one argument on each of `values`, by its expression. */
const applied = (name: string, values: number[]) =>
  Array.from(forward(opNamed(name), [Float64Array.from(values)], values.length));

describe("the functions' meanings", () => {
  it("compute hand-checked values", () => {
    expectAllClose(applied("sigmoid", [0, Math.log(3), -Math.log(3)]), [0.5, 0.75, 0.25], 1e-15);
    expectAllClose(applied("tanh", [0, Math.log(2)]), [0, 0.6], 1e-15); // tanh(ln 2) = (2 − ½)/(2 + ½)
    expect(applied("relu", [-2, 0, 3])).toEqual([0, 0, 3]);
    expectAllClose(applied("exp", [0, 1]), [1, Math.E], 1e-15);
    expectAllClose(applied("log", [1, Math.E]), [0, 1], 1e-15);
    expect(applied("identity", [-1, 2])).toEqual([-1, 2]);
  });

  it("saturate sigmoid to exactly 0 and 1 without NaN, and let NaN through relu", () => {
    expect(applied("sigmoid", [-1000, 1000])).toEqual([0, 1]);
    expect(applied("relu", [Number.NaN])[0]).toBeNaN();
  });
});

describe("every op's derivative rule", () => {
  it("covers the element-wise and row-wise ops of the language", () => {
    expect(withRules.map((op) => op.name)).toEqual(
      expect.arrayContaining([
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "sigmoid",
        "tanh",
        "relu",
        "exp",
        "log",
        "identity",
        "softmax",
        "log_softmax",
      ]),
    );
  });

  for (const spec of withRules) {
    it(`${spec.name}: sends each operand the derivative of ⟨dy, ${spec.name}(…)⟩`, () => {
      const rng = new Rng(7);
      const size = 6;
      // Away from kinks and poles, and positive where an op needs it (log): ±[0.5, 2], or [0.5, 2].
      for (const signed of [true, false]) {
        const operands = Array.from({ length: spec.arity === "any" ? 2 : spec.arity }, () =>
          Float64Array.from({ length: size }, () => (signed && rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.5, 2)),
        );
        const dy = Float64Array.from({ length: size }, () => rng.uniform(-1, 1));
        if (!forward(spec, operands, size).every(Number.isFinite)) continue;
        const rule = sent(spec, operands, dy);
        operands.forEach((operand, k) => {
          const numeric = numericalGradient((x) => {
            const y = forward(
              spec,
              operands.map((o, j) => (j === k ? x : o)),
              size,
            );
            return y.reduce((s, v, i) => s + v * dy[i]!, 0);
          }, operand);
          expectAllClose(rule[k]!, numeric, 1e-7);
        });
      }
    });
  }
});

describe("relu's rule", () => {
  it("passes no gradient where the output is 0", () => {
    const [dx] = sent(opNamed("relu"), [Float64Array.of(-1, 2)], Float64Array.of(5, 5));
    expect(Array.from(dx!)).toEqual([0, 5]);
  });
});

/** A loss form's seed on one row: prediction p (or, fused, the op's value of the scored z) and target y. */
function seedOf(loss: string, fusedWith: string | undefined, scored: number[], target: number[]): number[] {
  const spec = lossNamed(loss)!;
  const form = spec.forms.find((f) => f.fusedWith === fusedWith)!;
  const K = scored.length;
  const numbers = new Numbers(K);
  const z = Float64Array.from(scored);
  const context: SeedContext = {
    ...numbers.builder(),
    prediction: () => numbers.value(fusedWith ? forward(opNamed(fusedWith), [z], K) : z),
    target: () => numbers.value(Float64Array.from(target)),
  };
  return Array.from(numbers.values[form.seed(context).id]!);
}

describe("the seeds, on hand-checked rows", () => {
  it("cross_entropy of softmax(z): p − onehot(y), exact for logits far beyond exp's range", () => {
    // softmax rows (½, ½) and (¾, ¼)
    expectAllClose(seedOf("cross_entropy", "softmax", [0, 0], [1, 0]), [-0.5, 0.5], 1e-15);
    expectAllClose(seedOf("cross_entropy", "softmax", [Math.log(3), 0], [0, 1]), [0.75, -0.75], 1e-15);
    expect(seedOf("cross_entropy", "softmax", [1000, 0], [0, 1])).toEqual([1, -1]);
  });

  it("cross_entropy of probabilities: −1/p at the target, 0 elsewhere", () => {
    expect(seedOf("cross_entropy", undefined, [0.25, 0.75], [1, 0])).toEqual([-4, 0]);
    expect(seedOf("cross_entropy", undefined, [0.5, 0.5], [0, 1])).toEqual([0, -2]);
  });

  it("mse: p − y", () => {
    expect(seedOf("mse", undefined, [1, 2], [0, 4])).toEqual([1, -2]);
    expect(seedOf("mse", undefined, [0, 0], [3, 0])).toEqual([-3, 0]);
  });

  it("binary_cross_entropy: −y/p + (1 − y)/(1 − p), finite for saturated right predictions", () => {
    expectAllClose(seedOf("binary_cross_entropy", undefined, [0.25, 0.5], [1, 0]), [-4, 2], 1e-15);
    expect(seedOf("binary_cross_entropy", undefined, [1, 0], [1, 0])).toEqual([-1, 1]);
  });

  it("binary_cross_entropy of sigmoid(z): σ(z) − y, exact where σ(z) rounds to 0 or 1", () => {
    const z = [-2, 0.5];
    const y = [0, 1];
    expectAllClose(
      seedOf("binary_cross_entropy", "sigmoid", z, y),
      z.map((v, k) => 1 / (1 + Math.exp(-v)) - y[k]!),
      1e-15,
    );
    expect(seedOf("binary_cross_entropy", "sigmoid", [800, -800], [0, 0])).toEqual([1, 0]);
  });
});

describe("every loss's seed", () => {
  const K = 4;
  const B = 3;
  for (const name of lossNames()) {
    const spec = lossNamed(name)!;
    for (const form of spec.forms) {
      it(`${name}${form.fusedWith ? ` fused with ${form.fusedWith}` : ""}: is the gradient of ${form.kernel} at each scored row`, () => {
        const rng = new Rng(11);
        const classes = Int32Array.from({ length: B }, () => rng.int(K));
        const soft = Float64Array.from({ length: B * K }, () => rng.uniform(0, 1));
        // The kernel's input: logits for a fused form; probabilities for a plain one (every plain loss takes them).
        const logits = Float64Array.from({ length: B * K }, () => rng.uniform(-2, 2));
        const row = (a: Float64Array, b: number) => a.subarray(b * K, (b + 1) * K);
        const probabilities = (z: Float64Array) => {
          const p = new Float64Array(B * K);
          const op = opNamed(spec.target === "class" ? "softmax" : "sigmoid");
          for (let b = 0; b < B; b++) p.set(forward(op, [row(z, b)], K), b * K);
          return p;
        };
        const input = form.fusedWith ? logits : probabilities(logits);
        const weights = Float64Array.of(1, 0.5, 2);
        const kernel = lossKernel(form.kernel as KernelName);
        const targets = spec.target === "class" ? classes : soft;
        const value = (x: Float64Array) => kernel(B, K, x, 0, targets, 0, weights, 0, null, 0);
        const numeric = numericalGradient(value, input);
        for (let b = 0; b < B; b++) {
          const numbers = new Numbers(K);
          const prediction = form.fusedWith ? forward(opNamed(form.fusedWith), [row(input, b)], K) : row(input, b);
          const target =
            spec.target === "class"
              ? Float64Array.from({ length: K }, (_, i) => (i === classes[b] ? 1 : 0))
              : row(soft, b);
          const context: SeedContext = {
            ...numbers.builder(),
            prediction: () => numbers.value(prediction),
            target: () => numbers.value(target),
          };
          const seed = numbers.values[form.seed(context).id]!.map((v) => v * weights[b]!);
          expectAllClose(seed, row(numeric, b), 1e-7);
        }
      });
    }
  }
});

describe("registerOp", () => {
  it("refuses a name, an alias or an operator that another op has", () => {
    const sigmoid = opNamed("sigmoid");
    expect(() => registerOp({ ...sigmoid })).toThrow("an op named 'sigmoid' is already registered");
    expect(() => registerOp({ ...sigmoid, name: "logistic", written: { form: "call", aliases: ["tanh"] } })).toThrow(
      "an op named 'tanh' is already registered",
    );
    expect(() => registerOp({ ...opNamed("add"), name: "plus" })).toThrow("the operator binary + already has an op");
    expect(() => registerOp({ ...sigmoid, name: "mse" })).toThrow("an op named 'mse' is already registered");
  });
});
