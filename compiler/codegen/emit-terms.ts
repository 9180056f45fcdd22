/**
 * The terms of a derivative rule made of kernels and element-wise ops (temporaries.ts says
 * which), at step t: each value a kernel computes or reads is written into its array of one
 * step's rows, operands first, and the element-wise ops around them are the expressions of
 * the loops that read them; the term itself is added into the adjoint it feeds by a last loop.
 * The adjoint of softmax over the steps of another sequence, α ⊙ (dy − spread(Σ_s α_s dy_s)),
 * is a loop for α ⊙ dy, the sum over the steps, its spread, and a loop adding α ⊙ (dy − ·).
 */
import type { GradId, GradNode } from "../grad/grad-ir.js";
import { gradRowsOver } from "../grad/grad-ir.js";
import { num, type Expr } from "../ops/expr.js";
import { opNamed } from "../ops/registry.js";
import { adjointLocation, kernelRows, valueExpr, valueLocation } from "./access.js";
import { product } from "./arith.js";
import { StreamTable, type Statement } from "./element-loop.js";
import { originComment } from "./emit-forward.js";
import { stepsKernelCall } from "./steps-kernels.js";
import { emitElementLoop, emitRowKernel, type FusedLoops } from "./fused-loops.js";
import type { Location } from "./location.js";
import type { CodePlan } from "./plan.js";
import { elementwiseTerm, writtenInPlace, type Contribution } from "./temporaries.js";

type Apply = Extract<GradNode, { op: "apply" }>;

/** What forward node `id`'s rule sends its operands at step t. */
export function emitTerms(
  plan: CodePlan,
  id: number,
  own: readonly Contribution[],
  t: string,
  fused: FusedLoops | undefined,
): string[] {
  const grad = plan.grad!;
  const over = gradRowsOver(grad);
  const rowsOf = (g: GradId) => {
    const axis = over[g] === undefined ? undefined : plan.attention.axes.get(over[g]!);
    return axis ? { rows: product("B", axis.steps) } : {};
  };
  const temporary = (g: GradId): Location => {
    const buffer = plan.temporaries.get(g);
    if (buffer === undefined) throw new Error(`internal error: backward value %${g} has no array`);
    return { buffer, slot: "0", stride: grad.nodes[g]!.size, offset: 0 };
  };
  // Where a kernel reads an operand: a forward value, an adjoint, or the array of a value computed before it.
  const rowsAt = (g: GradId): Location => {
    const n = grad.nodes[g]!;
    if (n.op === "value") return valueLocation(plan, n.of, t);
    if (n.op === "adjoint") return adjointAt(plan, n.of, t);
    return temporary(g);
  };
  const expression = (g: GradId, streams: StreamTable): Expr => {
    const n = grad.nodes[g]!;
    if (plan.temporaries.has(g) && computed.has(g)) return streams.read(temporary(g));
    switch (n.op) {
      case "value":
        return valueExpr(plan, n.of, t, streams, new Set());
      case "adjoint":
        return streams.read(adjointAt(plan, n.of, t));
      case "const":
        return num(n.value);
      case "apply": {
        const spec = opNamed(n.fn);
        if (spec.kind !== "elementwise") throw new Error(`internal error: ${n.fn} inside an element-wise loop`);
        return spec.expr(...n.args.map((a) => expression(a, streams)));
      }
      default:
        throw new Error(`internal error: ${n.op} in a term`);
    }
  };
  // One loop over the rows of `g`: `statement` of its expression.
  const loop = (g: GradId, statement: (value: Expr, streams: StreamTable) => Statement): string[] => {
    const streams = new StreamTable();
    const body = [statement(expression(g, streams), streams)];
    return emitElementLoop({ size: grad.nodes[g]!.size, ...rowsOf(g), streams: streams.streams, body }, fused);
  };
  const computed = new Set<GradId>();
  const out: string[] = [];
  // The arrays of `g`'s tree, operands first.
  const compute = (g: GradId) => {
    const n = grad.nodes[g]!;
    if (n.op !== "apply" || computed.has(g)) return;
    n.args.forEach(compute);
    if (!plan.temporaries.has(g)) return;
    if (elementwiseTerm(n))
      out.push(...loop(g, (value, streams) => ({ kind: "store", stream: streams.of(temporary(g)), value })));
    else out.push(...kernelCall(plan, n, rowsAt, temporary(g), rowsOf(g).rows ?? "B", fused));
    computed.add(g);
  };
  out.push(originComment(plan.ir.nodes[id]!).replace("// ", "// d "));
  for (const { term, to } of own) {
    const into = adjointAt(plan, to, t);
    const n = grad.nodes[term]!;
    if (writtenInPlace(grad, own, { term, to }, plan.storedFirst) && n.op === "apply") {
      // The adjoint's one term, a kernel's result: the kernel writes it there, not into an array to be copied.
      n.args.forEach(compute);
      out.push(...kernelCall(plan, n, rowsAt, into, rowsOf(term).rows ?? "B", fused));
      continue;
    }
    compute(term);
    const kind = plan.storedFirst.has(to) ? "store" : "storeAdd";
    out.push(...loop(term, (value, streams) => ({ kind, stream: streams.of(into), value })));
  }
  return out;
}

/** A kernel computing backward value `n` into its array `to`, over `rows` rows. */
function kernelCall(
  plan: CodePlan,
  n: Apply,
  rowsAt: (g: GradId) => Location,
  to: Location,
  rows: string,
  fused: FusedLoops | undefined,
): string[] {
  const spec = opNamed(n.fn);
  const grad = plan.grad!;
  const operand = rowsAt(n.args[0]!);
  if (spec.kind === "steps") return stepsKernelCall(plan, n, operand, to, fused);
  if (spec.kind !== "rowwise" || n.args.length !== 1)
    throw new Error(`internal error: a term computes ${n.fn}, which no kernel of one operand computes`);
  const K = spec.rowsOfOperand ? grad.nodes[n.args[0]!]!.size : n.size;
  const call = `${spec.kernel}(${rows}, ${K}, ${kernelRows(operand, grad.nodes[n.args[0]!]!.size)}, ${kernelRows(to, n.size)});`;
  return emitRowKernel(call, spec.kernel, rows, K, operand, to, fused);
}

/** Where the adjoint of forward node `id` accumulates at step t; every node a term feeds has one. */
export function adjointAt(plan: CodePlan, id: number, t: string): Location {
  const location = adjointLocation(plan, id, t);
  if (!location) throw new Error(`internal error: the adjoint of %${id} has no place to accumulate`);
  return location;
}
