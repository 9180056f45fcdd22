/**
 * Adding an op is one place (docs/architecture.md, "How to add an op"): `softplus` declared
 * once, below, through the registry's extension point, with its name, an alias, its shape
 * rule, its meaning and its derivative. Nothing else is written for it, and the whole
 * pipeline takes it: the checker, hover, the interpreter, the gradient pass, the generated
 * module (TypeScript and WebAssembly tiers), the gradient check.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { differentiate } from "../../compiler/grad/differentiate.js";
import { printGradIr } from "../../compiler/grad/print.js";
import { binary, math, num } from "../../compiler/ops/expr.js";
import { callOp, registerOp } from "../../compiler/ops/registry.js";
import { elementwise } from "../../compiler/ops/shapes.js";
import { functionSignature } from "../../compiler/lsp/describe.js";
import { gradcheck } from "../../engine/gradcheck.js";
import { initialWeights } from "../../engine/init-weights.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromText } from "../support/models.js";

registerOp({
  name: "softplus",
  kind: "elementwise",
  written: { form: "call", aliases: ["smooth_relu"] },
  arity: 1,
  operandNames: ["x"],
  shape: elementwise,
  doc: { formula: "softplus(x) = log(1 + e^x)", derivative: "softplus'(x) = σ(x)" },
  expr: (x) => math("log", binary("+", num(1), math("exp", x))),
  grad: (g) => g.send(0, g.mul(g.dy, g.apply("sigmoid", [g.operand(0)]))),
});

const model = (activation: string) => `model Soft {
  dim D = 3
  dim H = 4
  input  x : [D]
  target y : [H]
  param W : [H, H]
  param U : [H, D]
  state h : [H] = learned
  h = ${activation}(W @ h[t-1] + U @ x)
  loss mse(h, y) at each
}`;

describe("an op declared in one place", () => {
  it("is the declaration docs/architecture.md shows", () => {
    const doc = readFileSync(new URL("../../docs/architecture.md", import.meta.url), "utf8");
    const shown = /```ts checked-by=tests\/compiler\/new-op\.test\.ts\n([^]*?)```/.exec(doc)![1]!;
    expect(readFileSync(new URL(import.meta.url), "utf8")).toContain(shown);
  });

  it("is checked: its shape rule and its arity, by name and by alias", () => {
    expect(analyze(model("softplus")).diagnostics).toEqual([]);
    expect(analyze(model("smooth_relu")).diagnostics).toEqual([]);
    const matrix = analyze(model("softplus").replace("softplus(W @ h[t-1] + U @ x)", "softplus(W)"));
    expect(matrix.diagnostics.map((d) => d.message)).toContain(
      "softplus of a matrix: a matrix can only be used on the left of '@'",
    );
    const two = analyze(model("softplus").replace("softplus(W @ h[t-1] + U @ x)", "softplus(h[t-1], x)"));
    expect(two.diagnostics.map((d) => d.message)).toContain("softplus takes one argument, as in softplus(x)");
  });

  it("is described by hover and signature help", () => {
    const signature = functionSignature("smooth_relu", callOp("smooth_relu")!);
    expect(signature.label).toBe("smooth_relu(x)");
    expect(signature.doc).toContain("softplus(x) = log(1 + e^x)");
  });

  it("is interpreted by its expression: h = log(1 + e^(W h[t-1] + U x))", () => {
    const ir = irFromText(model("softplus"));
    const weights = initialWeights(ir, 3);
    const x = Float64Array.of(0.5, -1, 2);
    const r = interpreterBackend(ir).forward(weights, {
      T: 1,
      B: 1,
      inputs: { x: { kind: "dense", values: x } },
      targets: { y: { kind: "real", values: new Float64Array(4) } },
      lengths: Int32Array.of(1),
    });
    const [W, U, h0] = [weights["W"]!, weights["U"]!, weights["h.init"]!];
    const expected = Array.from({ length: 4 }, (_, i) => {
      let z = 0;
      for (let j = 0; j < 4; j++) z += W[i * 4 + j]! * h0[j]!;
      for (let j = 0; j < 3; j++) z += U[i * 3 + j]! * x[j]!;
      return Math.log(1 + Math.exp(z));
    });
    const h = Array.from(r.quantity("h"));
    for (let i = 0; i < 4; i++) expect(h[i]).toBeCloseTo(expected[i]!, 14);
  });

  it("is differentiated by its rule: the backward IR sends dy · σ(x)", () => {
    const printed = printGradIr(differentiate(irFromText(model("softplus"))));
    expect(printed).toMatch(/%b\d+ += sigmoid %\d+ .*\n.*= mul d%\d+, %b\d+/);
  });

  it("gives gradients that match finite differences", () => {
    const ir = irFromText(model("softplus"));
    const rng = new Rng(5);
    const weights = initialWeights(ir, 5);
    const batch = randomBatch(ir, rng, { T: 4, B: 2, ragged: true });
    const worst = Math.max(...gradcheck(interpreterBackend(ir), weights, batch, rng).map((r) => r.worstError));
    expect(worst).toBeLessThan(1e-5);
  });

  for (const kernels of ["js", "wasm"] as const)
    it(`is compiled (--kernels ${kernels}): the generated module equals the interpreter to 1e-12`, async () => {
      const ir = irFromText(model("softplus"));
      const rng = new Rng(9);
      const weights = initialWeights(ir, 9);
      const batch = randomBatch(ir, rng, { T: 5, B: 3, ragged: true });
      const { worst, where } = await backendDifference(ir, weights, batch, undefined, { kernels });
      expect(worst, where).toBeLessThan(1e-12);
    });
});
