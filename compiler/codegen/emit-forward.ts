/**
 * The forward pass of one step t, as code: fused products for groups of gates, one fused
 * loop per run of element-wise nodes, softmax and concatenation written out, and the
 * padded rows of each quantity restored from the previous step. The pass is two loops over
 * time: the recurrence first, then what only reads it (plan.recurrent); products whose
 * operands are all known before a loop are computed for every step at once before it. A
 * model with a backward phase runs it first, in a loop of its own from the last step down.
 */
import type { ApplyNode, IrNode, NodeId } from "../ir/ir.js";
import { local, type Expr } from "../ops/expr.js";
import { elementwiseOp, nodeKind, opNamed } from "../ops/registry.js";
import { adjointLocation, axisOf, kernelRows, paramArray, rowsOf, slot, valueExpr, valueLocation } from "./access.js";
import { product, sum } from "./arith.js";
import { rowOffset } from "./location.js";
import { StreamTable, type Statement } from "./element-loop.js";
import { emitElementLoop, emitRowKernel, type FusedLoops } from "./fused-loops.js";
import { commentText, quote } from "./names.js";
import { stepsKernelCall } from "./steps-kernels.js";
import {
  byRowsLocal,
  productPhase,
  timeLoopOf,
  type CodePlan,
  type ElementwiseRun,
  type MatvecGroup,
  type ProductPhase,
  type TimeLoop,
} from "./plan.js";

export const loopOf = (plan: CodePlan, id: NodeId): TimeLoop => timeLoopOf(plan.ir, plan.recurrent, id);

export function emitForwardStep(plan: CodePlan, t: string, loop: TimeLoop, fused: FusedLoops | undefined): string[] {
  const out: string[] = [];
  const emittedRuns = new Set<number>();
  for (const n of plan.ir.nodes) {
    const p = plan.nodes[n.id]!;
    if (loopOf(plan, n.id) !== loop || n.op !== "apply") continue;
    const kind = nodeKind(n);
    if (kind === "matvec") {
      const group = plan.groups[plan.groupOf.get(n.id)!]!;
      if (group.members[0] === n.id) out.push(...emitGroupProduct(plan, group, t));
    } else if (p.run >= 0) {
      if (emittedRuns.has(p.run)) continue;
      emittedRuns.add(p.run);
      out.push(...emitRun(plan, plan.runs[p.run]!, t, fused));
    } else if (kind === "rowwise") {
      out.push(...emitRowwise(plan, n, t, fused));
    } else if (kind === "concat") {
      out.push(...emitConcat(plan, n, t));
    } else if (kind === "steps") {
      if (p.invariant) continue; // emitInvariantSpreads
      out.push(...emitStepsOp(plan, n, t, fused));
    } else {
      continue;
    }
    out.push(...emitMasking(plan, producedBy(plan, n.id), t));
  }
  return out;
}

/** The quantities a node's code produced: a run's stored quantities, or the node itself. */
function producedBy(plan: CodePlan, id: NodeId): NodeId[] {
  const p = plan.nodes[id]!;
  const produced =
    p.run >= 0 ? plan.runs[p.run]!.nodes : plan.groupOf.has(id) ? plan.groups[plan.groupOf.get(id)!]!.members : [id];
  return produced.filter((q) => plan.quantityNodes.has(q));
}

export function originComment(n: IrNode): string {
  return `// ${commentText(n.origin)}`;
}

function origins(plan: CodePlan, ids: readonly NodeId[]): string[] {
  return [...new Set(ids.map((id) => originComment(plan.ir.nodes[id]!)))];
}

/** A group's product calls of one phase, the first block of the group (in phase order) overwriting, the others adding. */
function productCalls(plan: CodePlan, group: MatvecGroup, phase: ProductPhase, t: string, steps: "T" | 1): string[] {
  const order: ProductPhase[] = ["before", "between", "step"];
  // The rows of that many steps: B each, or B · S at every step of another sequence.
  const rows = product(steps, rowsOf(plan, group.members[0]!));
  const blocks = group.blocks
    .map((block, k) => ({ k, phase: productPhase(plan.ir, plan.recurrent, group, block) }))
    .sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase));
  return blocks.flatMap(({ k, phase: p }, j) => (p === phase ? productCall(plan, group, k, t, rows, j > 0) : []));
}

/** The products of every block in `phase` ("before" or "between"), all steps at once. */
export function emitWholeBatchProducts(plan: CodePlan, phase: Exclude<ProductPhase, "step">): string[] {
  return plan.groups.flatMap((group) => {
    const calls = productCalls(plan, group, phase, "0", group.once ? 1 : "T");
    const what = group.once ? "// every step, once: " : phase === "before" ? "// input part of " : "// all steps of ";
    return calls.length === 0 ? [] : [...origins(plan, group.members).map((c) => c.replace("// ", what)), ...calls];
  });
}

/** The parameters spread over every step of another sequence (NodePlan.invariant): once, before the loops over time. */
export function emitInvariantSpreads(plan: CodePlan, fused: FusedLoops | undefined): string[] {
  return plan.ir.nodes.flatMap((n) =>
    n.op === "apply" && plan.nodes[n.id]!.invariant
      ? [originComment(n).replace("// ", "// every step, once: "), ...emitStepsOp(plan, n, "0", fused).slice(1)]
      : [],
  );
}

/** y = Σ_k W_k x_k at step t for all members at once: one product per block with the stacked weights, whole-batch blocks done. */
function emitGroupProduct(plan: CodePlan, group: MatvecGroup, t: string): string[] {
  const calls = productCalls(plan, group, "step", t, 1);
  return calls.length === 0 ? [] : [...origins(plan, group.members), ...calls];
}

/**
 * The kernel call for block k of a group, from step t over `rows` batch rows (B: one step, T * B: every step; times S
 * at every step of another sequence): a product of dot products, or where the block has transposed weights, the
 * adjoint kernel's sum of their rows weighted by x (which adds: what it adds to is zeroed first when it is the first).
 */
function productCall(
  plan: CodePlan,
  group: MatvecGroup,
  k: number,
  t: string,
  rows: string,
  accumulate: boolean,
): string[] {
  const block = group.blocks[k]!;
  // The first member's location is the group's: its own buffer, or the shared one at offset 0.
  const y = valueLocation(plan, group.members[0]!, t);
  const yOffset = product(y.slot, "B", group.rows);
  const x = valueLocation(plan, block.x, t);
  const weights = group.direct
    ? paramArray(plan, (plan.ir.nodes[group.members[0]!] as ApplyNode).param!)
    : group.stacked[k]!;
  const xNode = plan.ir.nodes[block.x]!;
  const xOffset = product(x.slot, "B", xNode.onehot ? 1 : block.width);
  const kernel = xNode.onehot ? "gatherRowsBatch" : "matmulBatch";
  const dots = `${kernel}(${rows}, ${group.rows}, ${block.width}, ${x.buffer}, ${xOffset}, ${weights}, 0, ${y.buffer}, ${yOffset}, ${accumulate});`;
  const transposed = group.transposed[k];
  if (!transposed) return [dots];
  // By rows when the call has rows enough to pay for transposing the weights (byRows: BY_ROWS_MIN_ROWS; a wide block
  // only on the relaxed tier, byRowsFma), else dot products.
  const call = `matmulBatchBackwardInput(${rows}, ${block.width}, ${group.rows}, ${x.buffer}, ${xOffset}, ${transposed}, 0, ${y.buffer}, ${yOffset});`;
  const zero = accumulate ? "" : `${y.buffer}.fill(0, ${yOffset}, ${sum(yOffset, product(rows, group.rows))}); `;
  return [`if (${byRowsLocal(block.width)}) { ${zero}${call} } else ${dots}`];
}

/** The expression computing an element-wise node from its operands: its op's, from the registry. */
export function elementwiseExpression(n: ApplyNode, operand: (id: NodeId) => Expr): Expr {
  return elementwiseOp(n.fn).expr(...n.args.map(operand));
}

/**
 * A run's nodes: one loop over the batch rows and the vector, computing them as locals and
 * storing those needed later; or, where kernel activations split the run (plan.ts), its
 * loops with the `activateRows` calls between them.
 */
function emitRun(plan: CodePlan, run: ElementwiseRun, t: string, fused: FusedLoops | undefined): string[] {
  const out: string[] = [];
  for (let loop = 0; loop < run.loops; loop++) {
    const here = run.nodes.filter((id) => plan.nodes[id]!.loop === loop);
    for (const id of here.filter((id) => plan.nodes[id]!.byKernel)) out.push(...emitKernelActivation(plan, id, t));
    const computed = here.filter((id) => !plan.nodes[id]!.byKernel);
    if (computed.length > 0) out.push(...emitLoop(plan, computed, run.size, t, fused));
  }
  return out;
}

function emitLoop(
  plan: CodePlan,
  ids: readonly NodeId[],
  size: number,
  t: string,
  fused: FusedLoops | undefined,
): string[] {
  const streams = new StreamTable();
  const locals = new Set<NodeId>();
  const body: Statement[] = [];
  let lastOrigin = "";
  for (const id of ids) {
    const n = plan.ir.nodes[id] as ApplyNode;
    const comment = originComment(n);
    if (comment !== lastOrigin) body.push({ kind: "comment", text: comment });
    lastOrigin = comment;
    body.push({
      kind: "define",
      name: `a${id}`,
      value: elementwiseExpression(n, (o) => valueExpr(plan, o, t, streams, locals)),
      mutable: false,
    });
    locals.add(id);
    if (plan.nodes[id]!.stored)
      body.push({ kind: "store", stream: streams.of(valueLocation(plan, id, t)), value: local(`a${id}`) });
  }
  return emitElementLoop({ size, ...rowsOfLoop(plan, ids[0]!), streams: streams.streams, body }, fused);
}

/** The rows of a loop over a run's nodes, where they are not B: B · S at every step of another sequence. */
export function rowsOfLoop(plan: CodePlan, id: NodeId): { rows?: string } {
  return plan.ir.nodes[id]!.over === undefined ? {} : { rows: rowsOf(plan, id) };
}

/** y = f(x) for every row of step t at once: the kernel reads and writes the nodes' buffers. */
function emitKernelActivation(plan: CodePlan, id: NodeId, t: string): string[] {
  const n = plan.ir.nodes[id] as ApplyNode;
  const x = valueLocation(plan, n.args[0]!, t);
  const y = valueLocation(plan, id, t);
  return [
    originComment(n),
    `activateRows(${quote(elementwiseOp(n.fn).rowKernel!)}, ${rowsOf(plan, id)}, ${n.size}, ${x.buffer}, ${rowOffset(x.slot, x.stride, x.offset, "0")}, ${x.stride}, ${y.buffer}, ${rowOffset(y.slot, y.stride, y.offset, "0")}, ${y.stride});`,
  ];
}

/**
 * A row-wise op at step t: its kernel over the B rows (the kernel object's, where it has one: onKernelSet), or the
 * module's WebAssembly row kernel (sumRows, repeatRows) on the wasm tiers.
 */
function emitRowwise(plan: CodePlan, n: ApplyNode, t: string, fused: FusedLoops | undefined): string[] {
  const spec = opNamed(n.fn);
  if (spec.kind !== "rowwise") throw new Error(`internal error: ${n.fn} is not row-wise`);
  // K: the width of a row, the operand's for a kernel that reduces it (`sum`).
  const K = spec.rowsOfOperand ? plan.ir.nodes[n.args[0]!]!.size : n.size;
  const operands = n.args.map((a) => kernelRows(valueLocation(plan, a, t), plan.ir.nodes[a]!.size));
  const y = valueLocation(plan, n.id, t);
  const rows = rowsOf(plan, n.id);
  const call = `${spec.kernel}(${rows}, ${K}, ${[...operands, kernelRows(y, n.size)].join(", ")});`;
  if (n.args.length !== 1) return [originComment(n), call];
  return [originComment(n), ...emitRowKernel(call, spec.kernel, rows, K, valueLocation(plan, n.args[0]!, t), y, fused)];
}

/**
 * A steps op at step t (attention): its kernel between the B rows of one step and the B · S rows of every step of
 * the other sequence, S its steps and the lengths its padding. A parameter is one row that every example reads.
 */
function emitStepsOp(plan: CodePlan, n: ApplyNode, t: string, fused: FusedLoops | undefined): string[] {
  return [
    originComment(n),
    ...stepsKernelCall(plan, n, valueLocation(plan, n.args[0]!, t), valueLocation(plan, n.id, t), fused),
  ];
}

function emitConcat(plan: CodePlan, n: ApplyNode, t: string): string[] {
  const y = valueLocation(plan, n.id, t);
  const out = [
    originComment(n),
    `for (let b = 0; b < B; b++) {`,
    `const ry = ${rowOffset(y.slot, y.stride, y.offset)};`,
  ];
  let col = 0;
  for (const part of n.args) {
    const x = valueLocation(plan, part, t);
    const width = plan.ir.nodes[part]!.size;
    out.push(
      `for (let i = 0; i < ${width}; i++) ${y.buffer}[${sum("ry", col, "i")}] = ${x.buffer}[${sum(rowOffset(x.slot, x.stride, x.offset), "i")}]!;`,
    );
    col += width;
  }
  out.push(`}`);
  return out;
}

/**
 * Past its end a sequence keeps the previous step's value of every quantity; a quantity of
 * the backward phase takes the next step's (past the last step, its value after the sequence).
 */
function emitMasking(plan: CodePlan, quantities: NodeId[], t: string): string[] {
  const backward = quantities.length > 0 && plan.ir.nodes[quantities[0]!]!.backward === true;
  if (quantities.length === 0 || (t === "0" && !backward)) return [];
  const out = [`if (ragged) {`, `for (let b = 0; b < B; b++) {`, `if (${t} < lengths[b]!) continue;`];
  for (const q of quantities) {
    const p = plan.nodes[q]!;
    const axis = axisOf(plan, q);
    if (axis) {
      // Example b's S rows of every step of the other sequence.
      const [here, from] = [t, sum(t, backward ? 1 : -1)].map((step) => exampleRows(plan, q, step));
      out.push(`${p.buffer}.copyWithin(${here}, ${from}, ${sum(from, product(axis.steps, plan.ir.nodes[q]!.size))});`);
      continue;
    }
    const here = rowOffset(slot(t, p.pre), p.stride, p.offset);
    const from = rowOffset(slot(t, p.pre, backward ? -1 : 1), p.stride, p.offset);
    out.push(`${p.buffer}.copyWithin(${here}, ${from}, ${sum(from, plan.ir.nodes[q]!.size)});`);
  }
  out.push(`}`, `}`);
  return out;
}

/** Where example b's first row of every step of the other sequence lies at step t, for a node over its steps. */
export function exampleRows(plan: CodePlan, id: NodeId, t: string, adjoint = false): string {
  const at = adjoint ? adjointLocation(plan, id, t)! : valueLocation(plan, id, t);
  return rowOffset(at.slot, at.stride, at.offset, product("b", axisOf(plan, id)!.steps));
}
