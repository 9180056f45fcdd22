/**
 * The arrays a generated module's workspace holds, for up to T steps of B sequences: each
 * stored value with its history, each adjoint, each shared product's rows, each block of
 * weights. The module allocates them from the lengths emitted here (`workspaceArrays`), and
 * the engine counts the same lengths to refuse, before a call, a run whose workspace cannot
 * be allocated (`workspaceBytes`).
 */
import { gradRowsOver } from "../grad/grad-ir.js";
import { paramSize, type IrModel } from "../ir/ir.js";
import { ARENA_ALIGN } from "../../runtime/kernels/wasm/arena.js";
import type { KernelTier } from "./kernel-tier.js";
import { product, sum } from "./arith.js";
import { planOptionsFor, type CodePlan } from "./plan.js";
import { allPlans, modulePlans, type ModulePlans } from "./sequence-plans.js";

export interface BufferSpec {
  name: string;
  extent: BufferExtent;
  type: string;
  /** Read and written by the backward pass only (an adjoint, a gradient block, a derivative's rows): a call without a gradient allocates none. */
  backward?: true;
}

/**
 * How long a workspace buffer is: B rows of `width` for each of `pre` + T + `post` steps (a
 * value with its history, and what a backward quantity holds after the sequence), for each of T steps, or for one step; or a fixed count (a block of weights).
 * With `over`, each row is one per step of another sequence (attention), whose steps are at most T: T times as long.
 */
export type BufferExtent =
  | { per: "history"; pre: number; post: number; width: number; over?: true }
  | { per: "steps" | "step"; width: number; over?: true }
  | { per: "fixed"; count: number };

/** The buffer's length as the expression of T and B the generated code allocates. */
export function lengthExpression(e: BufferExtent): string {
  const over = e.per !== "fixed" && e.over ? "T" : 1;
  switch (e.per) {
    case "history":
      return product(sum("T", e.pre + e.post), "B", over, e.width);
    case "steps":
      return product("T", "B", over, e.width);
    case "step":
      return product("B", over, e.width);
    case "fixed":
      return `${e.count}`;
  }
}

/** The same length for given T and B. */
export function lengthFor(e: BufferExtent, T: number, B: number): number {
  const over = e.per !== "fixed" && e.over ? T : 1;
  switch (e.per) {
    case "history":
      return (T + e.pre + e.post) * B * over * e.width;
    case "steps":
      return T * B * over * e.width;
    case "step":
      return B * over * e.width;
    case "fixed":
      return e.count;
  }
}

/** Every array the passes use, by name; the longest requirement wins when nodes share one. */
export function workspaceBuffers(plan: CodePlan, float: string): BufferSpec[] {
  const specs = new Map<string, BufferSpec>();
  const add = (name: string, extent: BufferExtent, type = float) => specs.set(name, { name, extent, type });
  const addBackward = (name: string, extent: BufferExtent) =>
    specs.set(name, { name, extent, type: float, backward: true });
  for (const p of plan.nodes) {
    const n = p.node;
    const over = n.over === undefined ? {} : ({ over: true } as const);
    const history: BufferExtent = { per: "history", pre: p.pre, post: p.post, width: p.stride, ...over };
    const value: BufferExtent = p.oneStep ? { per: "step", width: p.stride, ...over } : history;
    if (p.stored && !p.inSharedGroup) add(p.buffer, value, n.onehot ? "Int32Array" : float);
    if (p.adjoint === "steps" || p.adjoint === "step" || p.adjoint === "summed") {
      const extent: BufferExtent = p.adjoint === "steps" ? history : { per: "step", width: p.stride, ...over };
      if (!specs.has(p.adjointBuffer) || p.adjoint === "steps") addBackward(p.adjointBuffer, extent);
    }
  }
  for (const g of plan.groups) {
    // Shared members are never quantities nor read through delays: no history slots.
    const over = plan.ir.nodes[g.members[0]!]!.over === undefined ? {} : ({ over: true } as const);
    if (g.shared) add(g.buffer, { per: "steps", width: g.rows, ...over });
    g.transposed.forEach((name, k) => name && add(name, { per: "fixed", count: g.rows * g.blocks[k]!.width }));
    if (g.direct) continue;
    g.blocks.forEach((b, k) => {
      add(g.stacked[k]!, { per: "fixed", count: g.rows * b.width });
      addBackward(g.stackedGrads[k]!, { per: "fixed", count: g.rows * b.width });
    });
  }
  // One step's rows of the backward values a derivative rule computes by kernels (emit-terms.ts).
  const rowsOver = plan.grad ? gradRowsOver(plan.grad) : [];
  for (const [id, name] of plan.temporaries) {
    const over = rowsOver[id] === undefined ? {} : ({ over: true } as const);
    addBackward(name, { per: "step", width: plan.grad!.nodes[id]!.size, ...over });
  }
  return [...specs.values()];
}

/**
 * Every array of a module's workspace: its plans' (a model of several sequences has one plan per
 * sequence, each sized for the longest sequence's T) and the link arrays between the sequences.
 */
export function moduleBuffers(plans: ModulePlans, float: string): BufferSpec[] {
  const links = [...plans.links.values()].flatMap((l): BufferSpec[] => [
    { name: l.value, extent: { per: "step", width: l.size }, type: float },
    { name: l.adjoint, extent: { per: "step", width: l.size }, type: float, backward: true },
  ]);
  // A quantity at every step of its sequence, [B][S][n].
  const everyStep = [...plans.attention.values.values()].flatMap((l): BufferSpec[] => [
    { name: l.value, extent: { per: "step", width: l.size, over: true }, type: float },
    { name: l.adjoint, extent: { per: "step", width: l.size, over: true }, type: float, backward: true },
  ]);
  return [...allPlans(plans).flatMap((plan) => workspaceBuffers(plan, float)), ...links, ...everyStep];
}

/**
 * The bytes a module's workspace takes for T steps of B sequences, for calls with a gradient
 * (`backward`) or for forward calls only. On a kernel tier (wasm, auto) the float arrays and a
 * copy of the parameters (and, with a gradient, of the gradients) lie in the kernels' memory
 * (`arena`, each array rounded up to the arena's alignment, as runtime/module allocates them);
 * id arrays are ordinary ones (`other`). On the JavaScript tier everything is ordinary.
 */
export function workspaceBytes(
  ir: IrModel,
  options: { dtype: "f64" | "f32"; kernels: KernelTier; backward: boolean },
  T: number,
  B: number,
): { arena: number; other: number; longest: number } {
  const onKernelObject = options.kernels !== "js";
  const floatBytes = options.dtype === "f32" ? 4 : 8;
  const float = options.dtype === "f32" ? "Float32Array" : "Float64Array";
  const aligned = (bytes: number) => Math.ceil(bytes / ARENA_ALIGN) * ARENA_ALIGN;
  const parameters = ir.params.reduce((n, p) => n + paramSize(p), 0);
  let floats = onKernelObject ? (options.backward ? 2 : 1) * aligned(parameters * floatBytes) : 0;
  let other = 0;
  let longest = parameters;
  const buffers = moduleBuffers(modulePlans(ir, planOptionsFor(options)), float);
  for (const b of buffers.filter((b) => options.backward || !b.backward)) {
    const length = lengthFor(b.extent, T, B);
    longest = Math.max(longest, length);
    if (b.type === float) floats += aligned(length * floatBytes);
    else other += length * 4;
  }
  return onKernelObject ? { arena: floats, other, longest } : { arena: 0, other: floats + other, longest };
}
