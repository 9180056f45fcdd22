/**
 * The backward pass of one step t, as code: the loss seeds, then every node's adjoint rule
 * in reverse order. Each fused element-wise run is differentiated in one loop with its
 * adjoints as locals; products of a group share one transposed product per block.
 */
import type { ApplyNode, NodeId } from "../ir/ir.js";
import { binary, local, neg, num, type Expr } from "../ops/expr.js";
import { nodeKind } from "../ops/registry.js";
import { adjointLocation, paramIndex, slot, valueExpr, valueLocation } from "./access.js";
import { rowOffset, type Location } from "./location.js";
import { StreamTable, withoutUnusedLocals, type Statement } from "./element-loop.js";
import { emitElementLoop, type FusedLoops } from "./fused-loops.js";
import { emitLossSeeds } from "./emit-loss.js";
import { originComment } from "./emit-forward.js";
import type { CodePlan, ElementwiseRun, MatvecGroup } from "./plan.js";

export function emitBackwardStep(plan: CodePlan, t: string, fused: FusedLoops | undefined): string[] {
  const out = [...emitLossSeeds(plan)];
  const emittedRuns = new Set<number>();
  for (let id = plan.ir.nodes.length - 1; id >= 0; id--) {
    const n = plan.ir.nodes[id]!;
    const p = plan.nodes[id]!;
    if (n.op !== "apply") continue;
    const kind = nodeKind(n);
    if (kind === "matvec") {
      const group = plan.groups[plan.groupOf.get(id)!]!;
      // Every member's adjoint is complete once the lowest member is reached.
      if (group.members[0] !== id) continue;
      out.push(...emitMaskingBackward(plan, group.members, t), ...emitGroupBackward(plan, group, t));
    } else if (p.run >= 0) {
      if (emittedRuns.has(p.run)) continue;
      emittedRuns.add(p.run);
      const run = plan.runs[p.run]!;
      out.push(...emitMaskingBackward(plan, run.nodes, t), ...emitRunBackward(plan, run, t, fused));
    } else if ((kind === "rowwise" || kind === "concat") && p.receivesAdjoint) {
      out.push(
        ...emitMaskingBackward(plan, [id], t),
        ...(kind === "concat" ? emitConcatBackward(plan, n, t) : emitSoftmaxBackward(plan, n, t)),
      );
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
    out.push(
      `for (let i = 0; i < ${plan.ir.nodes[q]!.size}; i++) {`,
      `${p.adjointBuffer}[${before} + i] += ${p.adjointBuffer}[${here} + i]!;`,
      `${p.adjointBuffer}[${here} + i] = 0;`,
      `}`,
    );
  }
  out.push(`}`, `}`);
  return out;
}

/** Adds `value` to the adjoint of operand `id`: a local of the run, a parameter's gradient, or a buffer. */
function accumulateInto(
  plan: CodePlan,
  id: NodeId,
  value: Expr,
  t: string,
  streams: StreamTable,
  runLocals: ReadonlySet<NodeId>,
): Statement | undefined {
  if (runLocals.has(id)) return { kind: "accumulate", name: `d${id}`, value };
  const location = operandAdjoint(plan, id, t);
  return location && { kind: "storeAdd", stream: streams.of(location), value };
}

/** Where an operand's adjoint accumulates; undefined for constants and what is not differentiated. */
function operandAdjoint(plan: CodePlan, id: NodeId, t: string): Location | undefined {
  const n = plan.ir.nodes[id]!;
  return n.op === "const" || n.scalar ? undefined : adjointLocation(plan, id, t);
}

/** The adjoint rule of an element-wise node: what it adds to each operand's adjoint, given its own `dy`. */
function elementwiseRule(n: ApplyNode, dy: Expr, value: (id: NodeId) => Expr): [NodeId, Expr][] {
  const [a, b] = n.args as [NodeId, NodeId];
  switch (n.fn) {
    case "add":
      return [
        [a, dy],
        [b, dy],
      ];
    case "sub":
      return [
        [a, dy],
        [b, neg(dy)],
      ];
    case "mul":
      return [
        [a, binary("*", dy, value(b))],
        [b, binary("*", dy, value(a))],
      ];
    case "div":
      return [
        [a, binary("/", dy, value(b))],
        [b, neg(binary("/", binary("*", dy, value(a)), binary("*", value(b), value(b))))],
      ];
    case "neg":
      return [[a, neg(dy)]];
    case "sigmoid": {
      const y = value(n.id);
      return [[a, binary("*", binary("*", dy, y), binary("-", num(1), y))]];
    }
    case "tanh": {
      const y = value(n.id);
      return [[a, binary("*", dy, binary("-", num(1), binary("*", y, y)))]];
    }
    case "relu":
      return [[a, { kind: "select", compare: ">", a: value(n.id), b: num(0), then: dy, otherwise: num(0) }]];
    case "exp":
      return [[a, binary("*", dy, value(n.id))]];
    case "log":
      return [[a, binary("/", dy, value(a))]];
    case "identity":
      return [[a, dy]];
    default:
      throw new Error(`internal error: ${n.fn} is not element-wise`);
  }
}

function emitRunBackward(plan: CodePlan, run: ElementwiseRun, t: string, fused: FusedLoops | undefined): string[] {
  const streams = new StreamTable();
  const inRun = new Set(run.nodes);
  const loaded = new Set<NodeId>();
  const body: Statement[] = [];
  // The forward values the rules read, loaded once per element.
  for (const id of run.nodes) {
    if (!plan.neededBackward.has(id)) continue;
    body.push({ kind: "define", name: `a${id}`, value: streams.read(valueLocation(plan, id, t)), mutable: false });
    loaded.add(id);
  }
  // Each node's adjoint starts from what consumers outside the run left in its buffer.
  for (const id of run.nodes) {
    const location = plan.nodes[id]!.adjoint === "local" ? undefined : adjointLocation(plan, id, t);
    body.push({ kind: "define", name: `d${id}`, value: location ? streams.read(location) : num(0), mutable: true });
  }
  const value = (id: NodeId) => valueExpr(plan, id, t, streams, loaded);
  let lastOrigin = "";
  for (const id of [...run.nodes].reverse()) {
    const n = plan.ir.nodes[id] as ApplyNode;
    const comment = originComment(n);
    if (comment !== lastOrigin) body.push({ kind: "comment", text: comment });
    lastOrigin = comment;
    for (const [operand, expr] of elementwiseRule(n, local(`d${id}`), value)) {
      const statement = accumulateInto(plan, operand, expr, t, streams, inRun);
      if (statement) body.push(statement);
    }
  }
  return emitElementLoop(withoutUnusedLocals({ size: run.size, streams: streams.streams, body }), fused);
}

/** dX_k += dY W_k at step t; the weight gradients wait for `emitWeightGradients`. */
function emitGroupBackward(plan: CodePlan, group: MatvecGroup, t: string): string[] {
  const out = origins(plan, group.members).map((c) => c.replace("// ", "// d "));
  const member = plan.ir.nodes[group.members[0]!] as ApplyNode;
  // Like the value, the adjoint is the first member's: its own, or the shared one at offset 0.
  const dy = adjointLocation(plan, member.id, t);
  if (dy === undefined) return [];
  group.blocks.forEach((block, k) => {
    const dx = adjointLocation(plan, block.x, t);
    if (dx === undefined) return;
    const weights = group.direct ? `P${paramIndex(plan, member.param!)}` : `W${group.index}_${k}`;
    out.push(
      `matmulBatchBackwardInput(B, ${group.rows}, ${block.width}, ${dy.buffer}, (${dy.slot}) * B * ${group.rows}, ${weights}, 0, ${dx.buffer}, (${dx.slot}) * B * ${block.width});`,
    );
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
    const member = plan.ir.nodes[group.members[0]!] as ApplyNode;
    const dy = adjointLocation(plan, member.id, "0");
    if (dy === undefined) continue;
    out.push(...origins(plan, group.members).map((c) => c.replace("// ", "// d weights of ")));
    const dyOffset = `(${dy.slot}) * B * ${group.rows}`;
    group.blocks.forEach((block, k) => {
      const dWeights = group.direct ? `G${paramIndex(plan, member.param!)}` : `dW${group.index}_${k}`;
      const x = valueLocation(plan, block.x, "0");
      if (plan.ir.nodes[block.x]!.onehot)
        out.push(
          `scatterRowsBatch(T * B, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, (${x.slot}) * B, ${dWeights}, 0);`,
        );
      else
        out.push(
          `matmulBatchBackwardWeight(T * B, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, (${x.slot}) * B * ${block.width}, ${dWeights}, 0);`,
        );
    });
  }
  return out;
}

function origins(plan: CodePlan, ids: readonly NodeId[]): string[] {
  return [...new Set(ids.map((id) => originComment(plan.ir.nodes[id]!)))];
}

function emitSoftmaxBackward(plan: CodePlan, n: ApplyNode, t: string): string[] {
  const y = valueLocation(plan, n.id, t);
  const dy = adjointLocation(plan, n.id, t);
  const dx = adjointLocation(plan, n.args[0]!, t);
  if (dy === undefined || dx === undefined) return [];
  const K = n.size;
  const rule =
    n.fn === "softmax"
      ? [
          `let dot = 0;`,
          `for (let i = 0; i < ${K}; i++) dot += ${dy.buffer}[rdy + i]! * ${y.buffer}[ry + i]!;`,
          `for (let i = 0; i < ${K}; i++) ${dx.buffer}[rdx + i] += ${y.buffer}[ry + i]! * (${dy.buffer}[rdy + i]! - dot);`,
        ]
      : [
          `let sum = 0;`,
          `for (let i = 0; i < ${K}; i++) sum += ${dy.buffer}[rdy + i]!;`,
          `for (let i = 0; i < ${K}; i++) ${dx.buffer}[rdx + i] += ${dy.buffer}[rdy + i]! - Math.exp(${y.buffer}[ry + i]!) * sum;`,
        ];
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

function emitConcatBackward(plan: CodePlan, n: ApplyNode, t: string): string[] {
  const dy = adjointLocation(plan, n.id, t);
  if (dy === undefined) return [];
  const out = [
    originComment(n).replace("// ", "// d "),
    `for (let b = 0; b < B; b++) {`,
    `const rdy = ${rowOffset(dy.slot, dy.stride, dy.offset)};`,
  ];
  let col = 0;
  for (const part of n.args) {
    const width = plan.ir.nodes[part]!.size;
    const dx = operandAdjoint(plan, part, t);
    if (dx)
      out.push(
        `for (let i = 0; i < ${width}; i++) ${dx.buffer}[${rowOffset(dx.slot, dx.stride, dx.offset)} + i] += ${dy.buffer}[rdy + ${col} + i]!;`,
      );
    col += width;
  }
  out.push(`}`);
  return out;
}
