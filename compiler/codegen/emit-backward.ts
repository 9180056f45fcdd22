/**
 * The backward pass of one step t, as code: the loss seeds, then every node's adjoint rule
 * in reverse order. Each fused element-wise run is differentiated in one loop with its
 * adjoints as locals; products of a group share one transposed product per block.
 */
import type { IrNode, NodeId } from "../ir/ir.js";
import { RowBases, adjointLocation, paramIndex, readValue, rowOffset, slot, valueLocation } from "./access.js";
import { emitLossSeeds } from "./emit-loss.js";
import { originComment } from "./emit-forward.js";
import type { CodePlan, ElementwiseRun, MatvecGroup } from "./plan.js";

export function emitBackwardStep(plan: CodePlan, t: string): string[] {
  const out = [...emitLossSeeds(plan)];
  const emittedRuns = new Set<number>();
  for (let id = plan.ir.nodes.length - 1; id >= 0; id--) {
    const n = plan.ir.nodes[id]!;
    const p = plan.nodes[id]!;
    if (n.op === "matvec") {
      const group = plan.groups[plan.groupOf.get(id)!]!;
      // Every member's adjoint is complete once the lowest member is reached.
      if (group.members[0] !== id) continue;
      out.push(...emitMaskingBackward(plan, group.members, t), ...emitGroupBackward(plan, group, t));
    } else if (p.run >= 0) {
      if (emittedRuns.has(p.run)) continue;
      emittedRuns.add(p.run);
      const run = plan.runs[p.run]!;
      out.push(...emitMaskingBackward(plan, run.nodes, t), ...emitRunBackward(plan, run, t));
    } else if ((n.op === "softmax" || n.op === "log_softmax" || n.op === "concat") && p.receivesAdjoint) {
      out.push(...emitMaskingBackward(plan, [id], t), ...(n.op === "concat" ? emitConcatBackward(plan, n, t) : emitSoftmaxBackward(plan, n, t)));
    }
  }
  return out;
}

/** A padded row hands its adjoint to the previous step, where its value was copied from. */
function emitMaskingBackward(plan: CodePlan, ids: readonly NodeId[], t: string): string[] {
  const quantities = ids.filter((q) => plan.quantityNodes.has(q));
  if (quantities.length === 0 || t === "0") return [];
  const out = [`if (ragged) {`, `for (let b = 0; b < B; b++) {`, `if (${t} < lengths[b]!) continue;`];
  for (const q of quantities) {
    const p = plan.nodes[q]!;
    const here = rowOffset(slot(t, p.pre), p.stride, p.offset);
    const before = rowOffset(slot(t, p.pre, 1), p.stride, p.offset);
    out.push(`for (let i = 0; i < ${plan.ir.nodes[q]!.size}; i++) {`, `${p.adjointBuffer}[${before} + i] += ${p.adjointBuffer}[${here} + i]!;`, `${p.adjointBuffer}[${here} + i] = 0;`, `}`);
  }
  out.push(`}`, `}`);
  return out;
}

/** Adds `expr` to the adjoint of operand `id`: a local of the run, a parameter's gradient, or a buffer. */
function accumulateInto(plan: CodePlan, id: NodeId, expr: string, t: string, rows: RowBases, runLocals: ReadonlySet<NodeId>): string | undefined {
  if (runLocals.has(id)) return `d${id} += ${expr};`;
  const n = plan.ir.nodes[id]!;
  if (n.op === "const" || n.scalar) return undefined;
  const location = adjointLocation(plan, id, t);
  if (location === undefined) return undefined;
  return `${rows.at(location)} += ${expr};`;
}

/** The adjoint rule of an element-wise node: what it adds to each operand's adjoint, given its own `dy`. */
function elementwiseRule(n: IrNode, dy: string, value: (id: NodeId) => string): [NodeId, string][] {
  switch (n.op) {
    case "add":
      return [
        [n.a, dy],
        [n.b, dy],
      ];
    case "sub":
      return [
        [n.a, dy],
        [n.b, `-${dy}`],
      ];
    case "mul":
      return [
        [n.a, `${dy} * ${value(n.b)}`],
        [n.b, `${dy} * ${value(n.a)}`],
      ];
    case "div":
      return [
        [n.a, `${dy} / ${value(n.b)}`],
        [n.b, `-((${dy} * ${value(n.a)}) / (${value(n.b)} * ${value(n.b)}))`],
      ];
    case "neg":
      return [[n.a, `-${dy}`]];
    case "activation": {
      const y = value(n.id);
      switch (n.fn) {
        case "sigmoid":
          return [[n.a, `${dy} * ${y} * (1 - ${y})`]];
        case "tanh":
          return [[n.a, `${dy} * (1 - ${y} * ${y})`]];
        case "relu":
          return [[n.a, `${y} > 0 ? ${dy} : 0`]];
        case "exp":
          return [[n.a, `${dy} * ${y}`]];
        case "log":
          return [[n.a, `${dy} / ${value(n.a)}`]];
        case "identity":
          return [[n.a, dy]];
      }
    }
    // eslint-disable-next-line no-fallthrough
    default:
      throw new Error(`internal error: ${n.op} is not element-wise`);
  }
}

function emitRunBackward(plan: CodePlan, run: ElementwiseRun, t: string): string[] {
  const rows = new RowBases("r");
  const inRun = new Set(run.nodes);
  const loaded = new Set<NodeId>();
  const body: string[] = [];
  // The forward values the rules read, loaded once per element.
  for (const id of run.nodes) {
    if (!plan.neededBackward.has(id)) continue;
    body.push(`const a${id} = ${rows.at(valueLocation(plan, id, t))}!;`);
    loaded.add(id);
  }
  // Each node's adjoint starts from what consumers outside the run left in its buffer.
  for (const id of run.nodes) {
    const location = plan.nodes[id]!.adjoint === "local" ? undefined : adjointLocation(plan, id, t);
    body.push(`let d${id} = ${location ? `${rows.at(location)}!` : "0"};`);
  }
  const value = (id: NodeId) => (loaded.has(id) ? `a${id}` : readValue(plan, id, t, rows, new Set()));
  let lastOrigin = "";
  for (const id of [...run.nodes].reverse()) {
    const n = plan.ir.nodes[id]!;
    const comment = originComment(n);
    if (comment !== lastOrigin) body.push(comment);
    lastOrigin = comment;
    for (const [operand, expr] of elementwiseRule(n, `d${id}`, value)) {
      const line = accumulateInto(plan, operand, expr, t, rows, inRun);
      if (line) body.push(line);
    }
  }
  return [`for (let b = 0; b < B; b++) {`, ...rows.lines, `for (let i = 0; i < ${run.size}; i++) {`, ...body, `}`, `}`];
}

/** dX_k += dY W_k at step t; the weight gradients wait for `emitWeightGradients`. */
function emitGroupBackward(plan: CodePlan, group: MatvecGroup, t: string): string[] {
  const out = origins(plan, group.members).map((c) => c.replace("// ", "// d "));
  const member = plan.ir.nodes[group.members[0]!] as Extract<IrNode, { op: "matvec" }>;
  // Like the value, the adjoint is the first member's: its own, or the shared one at offset 0.
  const dy = adjointLocation(plan, member.id, t);
  if (dy === undefined) return [];
  group.blocks.forEach((block, k) => {
    const dx = adjointLocation(plan, block.x, t);
    if (dx === undefined) return;
    const weights = group.direct ? `P${paramIndex(plan, member.param)}` : `W${group.index}_${k}`;
    out.push(`matmulBatchBackwardInput(B, ${group.rows}, ${block.width}, ${dy.buffer}, (${dy.slot}) * B * ${group.rows}, ${weights}, 0, ${dx.buffer}, (${dx.slot}) * B * ${block.width});`);
  });
  return out;
}

/**
 * dW_k += Σ_t dY[t]ᵀ X_k[t] for every product, once after the time loop: the adjoints and
 * the operands of all steps lie contiguous in time, so the sum over steps is one product
 * over T·B rows, which streams W once instead of once per step (a one-hot X_k scatters
 * into the columns it picked). Padded steps contribute nothing: their adjoints are zero.
 */
export function emitWeightGradients(plan: CodePlan): string[] {
  const out: string[] = [];
  for (const group of plan.groups) {
    const member = plan.ir.nodes[group.members[0]!] as Extract<IrNode, { op: "matvec" }>;
    const dy = adjointLocation(plan, member.id, "0");
    if (dy === undefined) continue;
    out.push(...origins(plan, group.members).map((c) => c.replace("// ", "// d weights of ")));
    const dyOffset = `(${dy.slot}) * B * ${group.rows}`;
    group.blocks.forEach((block, k) => {
      const dWeights = group.direct ? `G${paramIndex(plan, member.param)}` : `dW${group.index}_${k}`;
      const x = valueLocation(plan, block.x, "0");
      if (plan.ir.nodes[block.x]!.onehot) out.push(`scatterColumnsBatch(T * B, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, (${x.slot}) * B, ${dWeights}, 0);`);
      else out.push(`matmulBatchBackwardWeight(T * B, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, (${x.slot}) * B * ${block.width}, ${dWeights}, 0);`);
    });
  }
  return out;
}

function origins(plan: CodePlan, ids: readonly NodeId[]): string[] {
  return [...new Set(ids.map((id) => originComment(plan.ir.nodes[id]!)))];
}

function emitSoftmaxBackward(plan: CodePlan, n: Extract<IrNode, { op: "softmax" | "log_softmax" }>, t: string): string[] {
  const y = valueLocation(plan, n.id, t);
  const dy = adjointLocation(plan, n.id, t);
  const dx = adjointLocation(plan, n.a, t);
  if (dy === undefined || dx === undefined) return [];
  const K = n.size;
  const rule =
    n.op === "softmax"
      ? [`let dot = 0;`, `for (let i = 0; i < ${K}; i++) dot += ${dy.buffer}[rdy + i]! * ${y.buffer}[ry + i]!;`, `for (let i = 0; i < ${K}; i++) ${dx.buffer}[rdx + i] += ${y.buffer}[ry + i]! * (${dy.buffer}[rdy + i]! - dot);`]
      : [`let sum = 0;`, `for (let i = 0; i < ${K}; i++) sum += ${dy.buffer}[rdy + i]!;`, `for (let i = 0; i < ${K}; i++) ${dx.buffer}[rdx + i] += ${dy.buffer}[rdy + i]! - Math.exp(${y.buffer}[ry + i]!) * sum;`];
  return [
    originComment(n).replace("// ", "// d "),
    `for (let b = 0; b < B; b++) {`,
    `const ry = ${rowOffset(y.slot, y.stride, y.offset)};`,
    `const rdy = ${rowOffset(dy.slot, dy.stride, dy.offset)};`,
    `const rdx = ${rowOffset(dx.slot, dx.stride, dx.offset)};`,
    ...rule,
    `}`,
  ];
}

function emitConcatBackward(plan: CodePlan, n: Extract<IrNode, { op: "concat" }>, t: string): string[] {
  const dy = adjointLocation(plan, n.id, t);
  if (dy === undefined) return [];
  const out = [originComment(n).replace("// ", "// d "), `for (let b = 0; b < B; b++) {`, `const rdy = ${rowOffset(dy.slot, dy.stride, dy.offset)};`];
  let col = 0;
  for (const part of n.parts) {
    const width = plan.ir.nodes[part]!.size;
    const rows = new RowBases(`r${part}_`);
    const line = accumulateInto(plan, part, `${dy.buffer}[rdy + ${col} + i]!`, t, rows, new Set());
    if (line) out.push(...rows.lines, `for (let i = 0; i < ${width}; i++) ${line}`);
    col += width;
  }
  out.push(`}`);
  return out;
}
