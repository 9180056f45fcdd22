/**
 * The gradient pass (compiler/grad): the backward IR it derives from the forward IR. What
 * the backward step computes is checked numerically elsewhere (gradients against finite
 * differences, the interpreter against generated code and PyTorch); these tests say what
 * the IR holds: adjoints summing what readers send, states summing what their delays
 * received later, padded rows passed back, each parameter's gradient, shared values, and
 * nothing a gradient does not need.
 */
import { describe, expect, it } from "vitest";
import { differentiate } from "../../compiler/grad/differentiate.js";
import type { GradIr, GradNode } from "../../compiler/grad/grad-ir.js";
import { printGradIr } from "../../compiler/grad/print.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { irFromText } from "../support/models.js";

const elman = `model Elman {
  dim V = 3
  dim H = 2
  input  x : onehot[V]
  target y : class[V]
  param W : [H, H]
  param U : [H, V]
  param b : [H] = zeros
  param Vo : [V, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x + b)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at each
}`;

/** The forward node computing a quantity. */
const nodeOf = (ir: IrModel, name: string) => ir.quantities.find((q) => q.name === name)!.node;

const adjointOf = (grad: GradIr, forward: number): Extract<GradNode, { op: "adjoint" }> | undefined => {
  const id = grad.adjoints.get(forward);
  return id === undefined ? undefined : (grad.nodes[id] as Extract<GradNode, { op: "adjoint" }>);
};

describe("the gradient pass", () => {
  it("prints the backward step of an Elman network in the notation of rnnc ir", () => {
    expect(printGradIr(differentiate(irFromText(elman)))).toBe(
      `backward step t, for t = T-1 down to 0 (%n: forward node n's value at step t; d%n: its adjoint):
  // loss cross_entropy(o, y) at each
  %b0   = target y (one-hot)                           : [3]
  %b1   = sub %9, %b0                                  : [3]
  %b2   = seed %b1 at the positions the loss scores    : [3]
  // o = softmax(Vo @ h)
  d%8   = sum %b2                                      : [3]
  %b3   = matvec_t Vo[:, 0:2] @ d%8                    : [2]
  // h = tanh(W @ h[t-1] + U @ x + b)
  d%7   = sum %b3, d%0[t+1]                            : [2]   padded rows to t-1
  %b4   = mul %7, %7                                   : [2]
  %b5   = sub 1, %b4                                   : [2]
  %b6   = mul d%7, %b5                                 : [2]
  d%6   = sum %b6                                      : [2]
  d%5   = sum d%6                                      : [2]
  d%4   = sum d%6                                      : [2]
  d%3   = sum d%4                                      : [2]
  d%1   = sum d%4                                      : [2]
  %b7   = matvec_t W[:, 0:2] @ d%1                     : [2]
  d%0   = sum %b7                                      : [2]

gradients, summed over the batch and the steps:
  Vo += d%8ᵀ · %7
  b += d%5
  U += d%3ᵀ · onehot %2
  W += d%1ᵀ · %0
`,
    );
  });

  it("sums into a state's adjoint what each of its delays received k steps later", () => {
    const ir = irFromText(`model Two {
  dim H = 2
  input x : [H]
  target y : [H]
  param W : [H, H]
  param U : [H, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ h[t-2] + x)
  loss mse(h, y) at each
}`);
    const grad = differentiate(ir);
    const h = adjointOf(grad, nodeOf(ir, "h"))!;
    const delays = h.later.map((d) => ir.nodes[d]!);
    expect(delays.map((d) => (d.op === "delay" ? `${d.source}[t-${d.steps}]` : d.op)).sort()).toEqual([
      "h[t-1]",
      "h[t-2]",
    ]);
    // Each delay's own adjoint is what its reader sends it at its step.
    for (const d of h.later) expect(adjointOf(grad, d)!.terms.length).toBe(1);
    expect(printGradIr(grad)).toContain("d%0[t+1], d%2[t+2]");
  });

  it("passes padded rows back through every quantity, and through nothing else", () => {
    const ir = irFromText(elman);
    const grad = differentiate(ir);
    const quantities = new Set(ir.quantities.map((q) => q.node));
    const adjoints = grad.nodes.filter((n): n is Extract<GradNode, { op: "adjoint" }> => n.op === "adjoint");
    expect(adjoints.length).toBeGreaterThan(3);
    for (const a of adjoints) expect(a.masked, `d%${a.of}`).toBe(quantities.has(a.of));
  });

  it("gives every parameter its gradient: rows of a vector, products by block, learned initial values", () => {
    const ir = irFromText(`model Learned {
  dim D = 2
  dim H = 3
  input x : [D]
  target y : [H]
  param W : [H, H + D]
  param b : [H]
  state h : [H] = learned
  h = tanh(W @ [h[t-2], x] + b)
  loss mse(h, y) at last
}`);
    const updates = differentiate(ir).updates.map((u) =>
      u.kind === "outer"
        ? `${u.param}[:, ${u.col}:${u.col + u.width}] from %${u.x}`
        : u.kind === "initial"
          ? `${u.param} before t = ${u.steps}`
          : u.kind === "rows"
            ? `${u.param} from rows`
            : `${u.source}[last]`,
    );
    expect(updates.sort()).toEqual(["W[:, 0:3] from %0", "W[:, 3:5] from %1", "b from rows", "h.init before t = 2"]);
  });

  it("builds each forward value, constant and application once, however many rules read it", () => {
    const ir = irFromText(`model Square {
  dim H = 2
  input x : [H]
  target y : [H]
  param W : [H, H]
  a = W @ x
  o = a * a + 2 * a
  loss mse(o, y) at each
}`);
    const grad = differentiate(ir);
    const key = (n: GradNode) => (n.op === "value" ? `value ${n.of}` : n.op === "const" ? `const ${n.value}` : "");
    const leaves = grad.nodes.map(key).filter(Boolean);
    expect(new Set(leaves).size).toBe(leaves.length);
    // d(a * a) sends dy·a to a twice: one node, two terms.
    const a = adjointOf(grad, nodeOf(ir, "a"))!;
    const terms = a.terms.map((t) => t.node);
    expect(terms.length).toBe(3);
    expect(new Set(terms).size).toBe(2);
  });

  it("derives only what gradients need: no adjoint for an output no loss reads, nor for inputs", () => {
    const ir = irFromText(`model Outputs {
  dim H = 2
  input x : [H]
  target y : [H]
  param W : [H, H]
  param P : [H, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + x[t-1])
  unscored = P @ h
  loss mse(h, y) at each
}`);
    const grad = differentiate(ir);
    const withAdjoint = new Set(grad.adjoints.keys());
    expect(withAdjoint.has(nodeOf(ir, "unscored"))).toBe(false);
    for (const n of ir.nodes)
      if (n.op === "input" || (n.op === "delay" && n.source === "x"))
        expect(withAdjoint.has(n.id), n.origin).toBe(false);
    expect(grad.updates.some((u) => u.kind === "outer" && u.param === "P")).toBe(false);
  });

  it("seeds a fused loss at the softmax's operand: the softmax itself gets no adjoint", () => {
    const ir = irFromText(elman);
    const grad = differentiate(ir);
    const loss = ir.losses[0]!;
    expect(loss.fusion?.kind).toBe("softmax");
    expect(grad.adjoints.has(loss.prediction)).toBe(false);
    const seeded = adjointOf(grad, loss.fusion!.input)!;
    expect(seeded.terms.map((t) => t.by)).toEqual([{ loss: 0 }]);
  });
});
