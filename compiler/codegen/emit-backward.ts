/**
 * The backward pass of one step t, as code: the backward IR the gradient pass derived
 * (compiler/grad), laid out on the forward plan. The losses' seeds first, then, from the
 * last unit of the forward step to the first, what each unit's derivative rules sent: a run
 * of element-wise nodes in one fused loop with its adjoints as locals, a product group as
 * one transposed product per block with the stacked weights, a row-wise op by its kernel, a
 * concatenation's slices; each adds straight into the adjoint it feeds. The weight
 * gradients wait for the end: one product over every step (emitWeightGradients). A model
 * with a backward phase runs this twice: the forward phase's units from the last step down,
 * then the backward phase's from the first step up (the order opposite to its forward loop).
 */
import type { GradId, GradNode } from "../grad/grad-ir.js";
import type { NodeId } from "../ir/ir.js";
import { local, num, type Expr } from "../ops/expr.js";
import { nodeKind, opNamed } from "../ops/registry.js";
import { axisOf, gradArray, kernelRows, paramArray, rowsOf, slot, valueExpr, valueLocation } from "./access.js";
import { StreamTable, withoutUnusedLocals, type Statement } from "./element-loop.js";
import { exampleRows, loopOf, originComment, rowsOfLoop } from "./emit-forward.js";
import { adjointAt, emitTerms } from "./emit-terms.js";
import { emitLossSeeds } from "./emit-loss.js";
import { emitElementLoop, type FusedLoops } from "./fused-loops.js";
import { product, sum } from "./arith.js";
import { rowOffset, type Location } from "./location.js";
import type { CodePlan, ElementwiseRun, MatvecGroup } from "./plan.js";
import { computedByTerms, contributionsBy, type Contribution } from "./temporaries.js";

/** Which phase's units a backward step differentiates. */
export type BackwardPhase = "forward" | "backward";

export function emitBackwardStep(
  plan: CodePlan,
  t: string,
  fused: FusedLoops | undefined,
  phase: BackwardPhase,
): string[] {
  const out = phase === "forward" ? [...emitLossSeeds(plan, t)] : [];
  const contributions = contributionsBy(plan.grad!);
  const runOf = new Map(plan.runs.flatMap((r) => r.nodes.map((id) => [id, r.index] as const)));
  const byTerms = new Set(computedByTerms(plan.grad!, runOf, contributions));
  const emittedRuns = new Set<number>();
  for (let id = plan.ir.nodes.length - 1; id >= 0; id--) {
    const n = plan.ir.nodes[id]!;
    const p = plan.nodes[id]!;
    if (n.op !== "apply" || (loopOf(plan, id) === "backward") !== (phase === "backward")) continue;
    const kind = nodeKind(n);
    if (kind === "matvec") {
      const group = plan.groups[plan.groupOf.get(id)!]!;
      // Every member's adjoint is complete once the lowest member is reached; a product the same at every step, after the loop.
      if (group.members[0] !== id || group.once) continue;
      out.push(...emitMaskingBackward(plan, group.members, t), ...emitGroupBackward(plan, group, t, contributions));
    } else if (p.run >= 0) {
      if (emittedRuns.has(p.run)) continue;
      emittedRuns.add(p.run);
      const run = plan.runs[p.run]!;
      out.push(...emitMaskingBackward(plan, run.nodes, t), ...emitRunBackward(plan, run, t, fused, contributions));
    } else if (p.receivesAdjoint) {
      const own = contributions.get(id) ?? [];
      out.push(
        ...emitMaskingBackward(plan, [id], t),
        ...(kind === "concat"
          ? emitSlices(plan, id, own, t)
          : byTerms.has(id)
            ? emitTerms(plan, id, own, t, fused)
            : emitRowwiseBackward(plan, id, own, t)),
      );
    }
  }
  return out;
}

/**
 * A padded row of a quantity hands its adjoint to the previous step, where its value was
 * copied from (a backward-phase quantity's to the next step, past the last to the slots after it).
 */
function emitMaskingBackward(plan: CodePlan, ids: readonly NodeId[], t: string): string[] {
  const quantities = ids.filter((q) => plan.quantityNodes.has(q) && plan.nodes[q]!.receivesAdjoint);
  const backward = quantities.length > 0 && plan.ir.nodes[quantities[0]!]!.backward === true;
  if (quantities.length === 0 || (t === "0" && !backward)) return [];
  const out = [`if (ragged) {`, `for (let b = 0; b < B; b++) {`, `if (${t} < lengths[b]!) continue;`];
  for (const q of quantities) {
    const p = plan.nodes[q]!;
    const axis = axisOf(plan, q);
    // A node at every step of another sequence: example b's S rows.
    const [here, before] = axis
      ? [t, sum(t, backward ? 1 : -1)].map((step) => exampleRows(plan, q, step, true))
      : [
          rowOffset(slot(t, p.pre), p.stride, p.offset),
          rowOffset(slot(t, p.pre, backward ? -1 : 1), p.stride, p.offset),
        ];
    const width = product(axis?.steps ?? 1, plan.ir.nodes[q]!.size);
    out.push(
      `for (let i = 0; i < ${width}; i++) {`,
      `${p.adjointBuffer}[${sum(before, "i")}]! += ${p.adjointBuffer}[${sum(here, "i")}]!;`,
      `${p.adjointBuffer}[${sum(here, "i")}] = 0;`,
      `}`,
    );
  }
  out.push(`}`, `}`);
  return out;
}

/**
 * A run's backward code: one loop over the batch rows and the vector, with the forward values
 * its terms read loaded once per element, each adjoint of the run a local (starting from what
 * units outside the run left in its buffer), and each term added to its adjoint: a local of
 * the run, or a buffer outside it. A backward value read twice becomes a local of its own.
 */
function emitRunBackward(
  plan: CodePlan,
  run: ElementwiseRun,
  t: string,
  fused: FusedLoops | undefined,
  contributions: Map<NodeId, Contribution[]>,
): string[] {
  const grad = plan.grad!;
  const inRun = new Set(run.nodes);
  const streams = new StreamTable();
  const body: Statement[] = [];
  const sent = [...run.nodes].reverse().map((id) => ({ id, terms: contributions.get(id) ?? [] }));
  const uses = useCounts(
    grad.nodes,
    sent.flatMap((s) => s.terms.map((c) => c.term)),
  );
  // The forward values the terms read, loaded once per element.
  const loaded = new Set<NodeId>();
  for (const id of run.nodes) {
    if (!readsValue(grad.nodes, uses, id)) continue;
    body.push({ kind: "define", name: `a${id}`, value: streams.read(valueLocation(plan, id, t)), mutable: false });
    loaded.add(id);
  }
  for (const id of run.nodes) {
    if (!plan.nodes[id]!.receivesAdjoint) continue;
    const location = plan.nodes[id]!.adjoint === "local" ? undefined : adjointAt(plan, id, t);
    body.push({ kind: "define", name: `d${id}`, value: location ? streams.read(location) : num(0), mutable: true });
  }
  const defined = new Set<GradId>();
  const expression = (id: GradId): Expr => {
    const n = grad.nodes[id]!;
    switch (n.op) {
      case "value":
        return valueExpr(plan, n.of, t, streams, loaded);
      case "const":
        return num(n.value);
      case "adjoint":
        if (!inRun.has(n.of)) throw new Error(`internal error: a rule of the run reads the adjoint of %${n.of}`);
        return local(`d${n.of}`);
      case "apply": {
        const spec = opNamed(n.fn);
        if (spec.kind !== "elementwise") throw new Error(`internal error: ${n.fn} in an element-wise run`);
        const value = spec.expr(...n.args.map(expression));
        if ((uses.get(id) ?? 0) < 2) return value;
        // Shared: computed once, into a local, before its first use.
        if (!defined.has(id)) body.push({ kind: "define", name: `e${id}`, value, mutable: false });
        defined.add(id);
        return local(`e${id}`);
      }
      default:
        throw new Error(`internal error: ${n.op} in an element-wise run`);
    }
  };
  let lastOrigin = "";
  for (const { id, terms } of sent) {
    const comment = originComment(plan.ir.nodes[id]!).replace("// ", "// d ");
    if (terms.length > 0 && comment !== lastOrigin) body.push({ kind: "comment", text: comment });
    if (terms.length > 0) lastOrigin = comment;
    for (const { term, to } of terms) {
      const value = expression(term);
      body.push(
        inRun.has(to)
          ? { kind: "accumulate", name: `d${to}`, value }
          : {
              kind: plan.storedFirst.has(to) ? "store" : "storeAdd",
              stream: streams.of(adjointAt(plan, to, t)),
              value,
            },
      );
    }
  }
  const rows = rowsOfLoop(plan, run.nodes[0]!);
  return emitElementLoop(withoutUnusedLocals({ size: run.size, ...rows, streams: streams.streams, body }), fused);
}

/** How many times each backward node is read by the trees of `roots` (each root counted once per time it is listed). */
function useCounts(nodes: readonly GradNode[], roots: readonly GradId[]): Map<GradId, number> {
  const uses = new Map<GradId, number>();
  const visit = (id: GradId) => {
    uses.set(id, (uses.get(id) ?? 0) + 1);
    const n = nodes[id]!;
    // A shared application's operands are read once, by its local.
    if (n.op === "apply" && uses.get(id) === 1) n.args.forEach(visit);
  };
  roots.forEach(visit);
  return uses;
}

/** Whether the trees counted in `uses` read forward node `id`'s value. */
function readsValue(nodes: readonly GradNode[], uses: Map<GradId, number>, id: NodeId): boolean {
  return [...uses.keys()].some((g) => {
    const n = nodes[g]!;
    return n.op === "value" && n.of === id;
  });
}

/**
 * dX_k += Σ over the members of dY_m W_m,k at step t: what the members' rules send each block
 * (W[:, block]ᵀ·dy) is one transposed product with the stacked weights and the members'
 * adjoints side by side. The weight gradients wait for `emitWeightGradients`.
 */
function emitGroupBackward(
  plan: CodePlan,
  group: MatvecGroup,
  t: string,
  contributions: Map<NodeId, Contribution[]>,
): string[] {
  if (!group.members.some((m) => plan.nodes[m]!.receivesAdjoint)) return [];
  const blockOf = checkGroupTerms(plan, group, contributions);
  if (blockOf.size === 0) return [];
  const out = origins(plan, group.members).map((c) => c.replace("// ", "// d "));
  const member = plan.ir.nodes[group.members[0]!] as { param: string; id: NodeId };
  // Like the value, the adjoint is the first member's: its own, or the shared one at offset 0.
  const dy = adjointAt(plan, member.id, t);
  group.blocks.forEach((block, k) => {
    if (!blockOf.has(k)) return;
    const dx = adjointAt(plan, block.x, t);
    const weights = group.direct ? paramArray(plan, member.param) : group.stacked[k]!;
    out.push(
      `matmulBatchBackwardInput(${rowsOf(plan, member.id)}, ${group.rows}, ${block.width}, ${dy.buffer}, ${product(dy.slot, "B", group.rows)}, ${weights}, 0, ${dx.buffer}, ${product(dx.slot, "B", block.width)});`,
    );
  });
  return out;
}

/** The blocks the members' rules send terms to, checking that each term is its member's transposed block product. */
function checkGroupTerms(plan: CodePlan, group: MatvecGroup, contributions: Map<NodeId, Contribution[]>): Set<number> {
  const blocks = new Set<number>();
  for (const m of group.members) {
    const param = (plan.ir.nodes[m] as { param: string }).param;
    for (const { term, to } of contributions.get(m) ?? []) {
      const n = plan.grad!.nodes[term]!;
      const k = group.blocks.findIndex((b) => b.x === to && n.op === "apply" && n.col === b.col);
      if (n.op !== "apply" || n.fn !== "matvec_t" || n.param !== param || k < 0)
        throw new Error(`internal error: %${m} sends %${to} something other than its transposed product`);
      blocks.add(k);
    }
  }
  return blocks;
}

/**
 * After the loop over time, a product the same at every step (MatvecGroup.once, `Ua @ e[s]`): what it sends its
 * operand, (Σ_t dY[t]) W, taken once of the adjoint every step added to.
 */
export function emitSummedProducts(plan: CodePlan): string[] {
  const contributions = contributionsBy(plan.grad!);
  return plan.groups.flatMap((g) => (g.once ? emitGroupBackward(plan, g, "0", contributions) : []));
}

/**
 * dW_k += Σ_t dY[t]ᵀ X_k[t] for every product, once after the time loop: the adjoints and
 * the operands of all steps lie contiguous in time, so the sum over steps of the backward
 * IR's weight updates is one product over T·B rows, which streams W once instead of once
 * per step (a one-hot X_k scatters into the columns it picked). Padded steps contribute
 * nothing: their adjoints are zero.
 */
export function emitWeightGradients(plan: CodePlan): string[] {
  const out: string[] = [];
  const updates = plan.grad?.updates.filter((u) => u.kind === "outer") ?? [];
  for (const group of plan.groups) {
    const member = plan.ir.nodes[group.members[0]!] as { param: string; id: NodeId };
    const blocks = group.blocks.filter((b) =>
      updates.some((u) => group.members.includes(u.by) && u.x === b.x && u.col === b.col),
    );
    if (blocks.length === 0) continue;
    const dy = adjointAt(plan, member.id, "0");
    out.push(...origins(plan, group.members).map((c) => c.replace("// ", "// d weights of ")));
    const dyOffset = product(dy.slot, "B", group.rows);
    for (const block of blocks) {
      const k = group.blocks.indexOf(block);
      const dWeights = group.direct ? gradArray(plan, member.param) : group.stackedGrads[k]!;
      const x = valueLocation(plan, block.x, "0");
      const rows = rowsOf(plan, member.id);
      if (group.once) {
        // The same X at every step: (Σ_t dY[t])ᵀ X, of the adjoint every step added to.
        out.push(
          `matmulBatchBackwardWeight(${rows}, ${group.rows}, ${block.width}, ${dy.buffer}, 0, ${x.buffer}, 0, ${dWeights}, 0);`,
        );
      } else if (plan.ir.nodes[block.x]!.op === "last" || plan.ir.nodes[block.x]!.op === "steps") {
        // Another sequence's state at its last step (its quantity at every step) is the same at every step: a product per step.
        const dyAt = product(adjointAt(plan, member.id, "t").slot, "B", group.rows);
        out.push(
          `for (let t = 0; t < T; t++) matmulBatchBackwardWeight(${rows}, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyAt}, ${x.buffer}, 0, ${dWeights}, 0);`,
        );
      } else if (plan.ir.nodes[block.x]!.onehot)
        out.push(
          `scatterRowsBatch(T * B, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, ${product(x.slot, "B")}, ${dWeights}, 0);`,
        );
      else
        out.push(
          `matmulBatchBackwardWeight(${product("T", rows)}, ${group.rows}, ${block.width}, ${dy.buffer}, ${dyOffset}, ${x.buffer}, ${product(x.slot, "B", block.width)}, ${dWeights}, 0);`,
        );
    }
  }
  return out;
}

function origins(plan: CodePlan, ids: readonly NodeId[]): string[] {
  return [...new Set(ids.map((id) => originComment(plan.ir.nodes[id]!)))];
}

/** What a row-wise op's rule sends, as kernel calls: each term a row-wise op whose kernel adds into the adjoint it feeds. */
function emitRowwiseBackward(plan: CodePlan, id: NodeId, own: readonly Contribution[], t: string): string[] {
  const grad = plan.grad!;
  const out = [originComment(plan.ir.nodes[id]!).replace("// ", "// d ")];
  for (const { term, to } of own) {
    const n = grad.nodes[term]!;
    const spec = n.op === "apply" ? opNamed(n.fn) : undefined;
    if (n.op !== "apply" || spec?.kind !== "rowwise" || !spec.accumulates)
      throw new Error(`internal error: %${id} sends %${to} what no kernel adds: ${n.op}`);
    const operands = n.args.map((a) => kernelRows(operandRows(plan, grad.nodes[a]!, t), n.size));
    out.push(`${spec.kernel}(B, ${n.size}, ${[...operands, kernelRows(adjointAt(plan, to, t), n.size)].join(", ")});`);
  }
  return out;
}

/** Where a kernel operand of the backward IR lies at step t: a forward value or an adjoint. */
function operandRows(plan: CodePlan, n: GradNode, t: string): Location {
  if (n.op === "value") return valueLocation(plan, n.of, t);
  if (n.op === "adjoint") return adjointAt(plan, n.of, t);
  throw new Error(`internal error: a kernel operand that is ${n.op}`);
}

/** A concatenation's rule: each part's adjoint gets its slice of dy. */
function emitSlices(plan: CodePlan, id: NodeId, own: readonly Contribution[], t: string): string[] {
  const grad = plan.grad!;
  const dy = adjointAt(plan, id, t);
  const out = [
    originComment(plan.ir.nodes[id]!).replace("// ", "// d "),
    `for (let b = 0; b < B; b++) {`,
    `const rdy = ${rowOffset(dy.slot, dy.stride, dy.offset)};`,
  ];
  for (const { term, to } of own) {
    const n = grad.nodes[term]!;
    if (n.op !== "apply" || n.fn !== "slice") throw new Error(`internal error: %${id} sends %${to} a ${n.op}`);
    const dx = adjointAt(plan, to, t);
    out.push(
      `for (let i = 0; i < ${n.size}; i++) ${dx.buffer}[${sum(rowOffset(dx.slot, dx.stride, dx.offset), "i")}]! += ${dy.buffer}[${sum("rdy", n.col!, "i")}]!;`,
    );
  }
  out.push(`}`);
  return out;
}
