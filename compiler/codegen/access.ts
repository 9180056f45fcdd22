/**
 * Where a node's value and adjoint live at step t, as code. Every read and write in the
 * generated passes goes through these, so the memory layout of `plan.ts` is decided once.
 */
import type { IrNode, NodeId } from "../ir/ir.js";
import type { Expr } from "../ops/expr.js";
import type { StreamTable } from "./element-loop.js";
import { product, sum } from "./arith.js";
import { type Location } from "./location.js";
import type { CodePlan } from "./plan.js";

/** The slot of step t in a buffer with `pre` history slots, as an expression (`back` < 0: a later step). */
export function slot(t: string, pre: number, back = 0): string {
  return sum(t, pre - back);
}

/**
 * The locals of the sequence whose every step a node has a row at (attention: its steps S and lengths), or undefined
 * for a node of one row per example.
 */
export function axisOf(plan: CodePlan, id: NodeId): { steps: string; lengths: string } | undefined {
  const over = plan.ir.nodes[id]!.over;
  if (over === undefined) return undefined;
  const axis = plan.attention.axes.get(over);
  if (!axis) throw new Error(`internal error: sequence ${over} is read at every step without its locals`);
  return axis;
}

/** A node's rows at one step: B, or B · S for a node at every step of another sequence (example by example). */
export function rowsOf(plan: CodePlan, id: NodeId): string {
  const axis = axisOf(plan, id);
  return axis ? product("B", axis.steps) : "B";
}

/**
 * The slot of step t of a node's buffer: a node at every step of another sequence has S slots of B rows at each step
 * (its B · S rows), so that rowOffset's ((slot) · B + row) · stride addresses row b · S + s of step t.
 */
function slotOf(plan: CodePlan, id: NodeId, t: string, pre: number): string {
  const axis = axisOf(plan, id);
  return axis ? product(slot(t, pre), axis.steps) : slot(t, pre);
}

/** The buffer and slot a node's value is read from at step t (a delay reads its source, a parameter its local). */
export function valueLocation(plan: CodePlan, id: NodeId, t: string): Location {
  const n = plan.ir.nodes[id]!;
  if (n.op === "param") return parameterLocation(paramArray(plan, n.param));
  if (n.op === "last") return linkLocation(plan, n.source, "value");
  if (n.op === "steps") return everyStepLocation(plan, n.source, "value");
  if (n.op === "delay") {
    const source = plan.nodes[plan.sourceNode.get(n.source)!]!;
    return {
      buffer: source.buffer,
      slot: slot(t, source.pre, delayBack(n)),
      stride: source.stride,
      offset: source.offset,
    };
  }
  const p = plan.nodes[id]!;
  return { buffer: p.buffer, slot: p.oneStep ? "0" : slotOf(plan, id, t, p.pre), stride: p.stride, offset: p.offset };
}

/** Where a node's adjoint accumulates at step t; undefined where nothing is differentiated (inputs, constants). */
export function adjointLocation(plan: CodePlan, id: NodeId, t: string): Location | undefined {
  const n = plan.ir.nodes[id]!;
  if (n.op === "param") return parameterLocation(gradArray(plan, n.param));
  if (n.op === "last") return linkLocation(plan, n.source, "adjoint");
  if (n.op === "steps") return everyStepLocation(plan, n.source, "adjoint");
  if (n.op === "delay") {
    if (n.onehot || !plan.ir.states.some((s) => s.name === n.source)) return undefined;
    const source = plan.nodes[plan.sourceNode.get(n.source)!]!;
    return {
      buffer: source.adjointBuffer,
      slot: slot(t, source.pre, delayBack(n)),
      stride: source.stride,
      offset: source.offset,
    };
  }
  const p = plan.nodes[id]!;
  if (p.adjoint === "none" || p.adjoint === "local") return undefined;
  return {
    buffer: p.adjointBuffer,
    slot: p.adjoint === "steps" ? slotOf(plan, id, t, p.pre) : "0",
    stride: p.stride,
    offset: p.offset,
  };
}

/**
 * State `source` of another sequence at its last step, or the adjoint its readers send it: one
 * row per example, the same at every step (slot 0), in the array the sequences share.
 */
export function linkLocation(plan: CodePlan, source: string, which: "value" | "adjoint"): Location {
  const link = plan.links.get(source);
  if (!link) throw new Error(`internal error: '${source}[last]' has no link array`);
  return { buffer: link[which], slot: "0", stride: link.size, offset: 0 };
}

/**
 * Quantity `source` of another sequence at its every step, or the adjoint its readers send it: B · S rows, example by
 * example, the same at every step (slot 0), in the array the sequences share.
 */
function everyStepLocation(plan: CodePlan, source: string, which: "value" | "adjoint"): Location {
  const link = plan.attention.values.get(source);
  if (!link) throw new Error(`internal error: '${source}' at every step has no link array`);
  return { buffer: link[which], slot: "0", stride: link.size, offset: 0 };
}

/** How many steps back a delay reads: negative for a read ahead. */
function delayBack(n: Extract<IrNode, { op: "delay" }>): number {
  return n.ahead ? -n.steps : n.steps;
}

/** A parameter's values or gradient: the same row for every step and sequence. */
function parameterLocation(local: string): Location {
  return { buffer: local, slot: "0", stride: 0, offset: 0 };
}

/**
 * A location as the (array, offset) arguments of a kernel over B rows (B · S for a node at every step of another
 * sequence, whose slot counts S) of `width` contiguous numbers (a row-wise kernel, a loss): the buffer must hold the
 * rows one after the other.
 */
export function kernelRows(location: Location, width: number): string {
  if (location.stride !== width || location.offset !== 0)
    throw new Error(`internal error: ${location.buffer} does not hold rows of ${width} contiguous numbers`);
  return `${location.buffer}, ${product(location.slot, "B", width)}`;
}

/** The array of a parameter's values (`W`). */
export function paramArray(plan: CodePlan, name: string): string {
  return plan.names.params[plan.ir.params.findIndex((p) => p.name === name)]!;
}

/** The array of a parameter's gradient (`dW`). */
export function gradArray(plan: CodePlan, name: string): string {
  return plan.names.grads[plan.ir.params.findIndex((p) => p.name === name)]!;
}

/** Node `id` at element i of row b, step t, inside a loop over one run: a local of the loop, a constant, or a read of its row. */
export function valueExpr(
  plan: CodePlan,
  id: NodeId,
  t: string,
  streams: StreamTable,
  locals: ReadonlySet<NodeId>,
): Expr {
  const n: IrNode = plan.ir.nodes[id]!;
  if (locals.has(id)) return { kind: "local", name: `a${id}` };
  return n.op === "const" ? { kind: "num", value: n.value } : streams.read(valueLocation(plan, id, t));
}
