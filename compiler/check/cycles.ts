/**
 * Same-step dependencies must form a DAG: `h = tanh(W @ h + ...)` would need h before h.
 * Reports each instantaneous cycle with its whole path, and orders the equations so every
 * same-step read comes before its reader (source order among independent ones).
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { walkExpr } from "../../grammar/walk.js";

export interface SameStepGraph {
  /** For each equation, the equations it reads at the same step, with where. */
  reads: Map<string, { name: string; range: A.Range }[]>;
}

/** The names of equations (`equations` has them) an expression reads at the same step (not through a delay), in source order. */
export function sameStepReads(
  e: A.Expr,
  equations: { has(name: string): boolean },
): { name: string; range: A.Range }[] {
  const out: { name: string; range: A.Range }[] = [];
  walkExpr(e, (x) => {
    if (x.kind === "ref" && equations.has(x.name.text)) out.push({ name: x.name.text, range: x.name.range });
  });
  return out;
}

export function buildGraph(equations: readonly A.Equation[]): SameStepGraph {
  const names = new Set(equations.map((e) => e.name.text));
  const reads = new Map<string, { name: string; range: A.Range }[]>();
  for (const eq of equations) reads.set(eq.name.text, sameStepReads(eq.value, names));
  return { reads };
}

/**
 * Tarjan's strongly connected components, on an explicit stack (a chain of thousands of
 * equations is as deep): each component once, after every component it reads, so in an order
 * where every same-step read comes first; the equations of a component in source order.
 * Equations are counted by their place in `equations` (arrays, not maps by name: a model may
 * have thousands).
 */
export function stronglyConnected(equations: readonly A.Equation[], graph: SameStepGraph): A.Equation[][] {
  const sourceIndex = sourceIndices(equations);
  /** Each equation's visit number (-1 before its visit) and the lowest one it reaches. */
  const index = new Int32Array(equations.length).fill(-1);
  const low = new Int32Array(equations.length);
  const onStack = new Uint8Array(equations.length);
  const stack: number[] = [];
  const components: A.Equation[][] = [];
  let counter = 0;
  /** The equations being visited, outermost first, with their reads and how many are done. */
  const path: { v: number; reads: readonly { name: string }[]; next: number }[] = [];
  const visit = (v: number) => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    path.push({ v, reads: graph.reads.get(equations[v]!.name.text)!, next: 0 });
  };
  for (let start = 0; start < equations.length; start++) {
    if (index[start]! >= 0) continue;
    visit(start);
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const v = top.v;
      if (top.next < top.reads.length) {
        const w = sourceIndex.get(top.reads[top.next++]!.name)!;
        if (index[w]! < 0) visit(w);
        else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      path.pop();
      const parent = path[path.length - 1];
      if (parent) low[parent.v] = Math.min(low[parent.v]!, low[v]!);
      if (low[v] !== index[v]) continue;
      // Most components are one equation: no list of places to sort for them.
      if (stack[stack.length - 1] === v) {
        onStack[stack.pop()!] = 0;
        components.push([equations[v]!]);
        continue;
      }
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        component.push(w);
      } while (w !== v);
      components.push(component.sort((a, b) => a - b).map((i) => equations[i]!));
    }
  }
  return components;
}

/** Each equation's place in the list, by its name. */
function sourceIndices(equations: readonly A.Equation[]): Map<string, number> {
  const indices = new Map<string, number>();
  for (let i = 0; i < equations.length; i++) indices.set(equations[i]!.name.text, i);
  return indices;
}

/** Reports every component with a cycle once; returns the equations in cycles. */
export function reportCycles(
  graph: SameStepGraph,
  components: readonly (readonly A.Equation[])[],
  diagnostics: Diagnostic[],
): Set<string> {
  const inCycle = new Set<string>();
  for (const component of components) {
    const first = component[0]!.name.text;
    const selfLoop = graph.reads.get(first)!.some((r) => r.name === first);
    if (component.length === 1 && !selfLoop) continue;
    for (const c of component) inCycle.add(c.name.text);
    diagnostics.push(describeCycle(component, graph));
  }
  return inCycle;
}

/**
 * A path through the component from its first equation in source order back to it: depth
 * first, each equation's reads in order, backing out of a dead end (a strongly connected
 * component always has such a path, but the first unvisited read need not lead back:
 * `a = b`, `b = c + a`, `c = b` from a reaches c, whose only read b is already on the path).
 */
function describeCycle(members: readonly A.Equation[], graph: SameStepGraph): Diagnostic {
  const component = new Set(members.map((m) => m.name.text));
  const start = members[0]!.name.text;
  const path = [start];
  const edges: { name: string; range: A.Range }[] = [];
  const visited = new Set([start]);
  /** For each equation on the path, how many of its reads have been tried. */
  const tried = [0];
  while (path.length > 0) {
    const current = path[path.length - 1]!;
    const reads = graph.reads.get(current)!;
    const i = tried[tried.length - 1]!;
    if (i >= reads.length) {
      path.pop();
      tried.pop();
      edges.pop();
      continue;
    }
    tried[tried.length - 1] = i + 1;
    const next = reads[i]!;
    if (!component.has(next.name) || (next.name !== start && visited.has(next.name))) continue;
    edges.push(next);
    path.push(next.name);
    if (next.name === start) break;
    visited.add(next.name);
    tried.push(0);
  }
  const first = edges[0]!;
  return error(
    "E401",
    `same-step cycle: ${path.join(" → ")}; '${start}' would be needed to compute itself`,
    members[0]!.name.range,
    {
      related: edges.map((e, i) => ({
        message: `'${path[i]}' reads '${e.name}' at the same step here`,
        range: e.range,
      })),
      hint: `a recurrence goes through the previous step: read ${first.name}[t-1] instead, with '${first.name}' declared as a state`,
    },
  );
}

/**
 * Kahn's algorithm, taking equations in source order whenever several are ready. The graph's
 * reads name equations of the list only (`buildGraph`); equations are counted by their place in it,
 * and so is the order given.
 */
export function topologicalOrder(equations: readonly A.Equation[], graph: SameStepGraph, skip: Set<string>): number[] {
  const sourceIndex = sourceIndices(equations);
  /** For each equation, how many equations (not skipped) it waits for, and those that wait for it. */
  const waitingFor = new Int32Array(equations.length);
  const readers: (number[] | undefined)[] = new Array<number[] | undefined>(equations.length).fill(undefined);
  /** The reader (plus one) that last counted each equation: a name read twice counts once. */
  const countedBy = new Int32Array(equations.length);
  const ready = new MinHeap();
  for (let i = 0; i < equations.length; i++) {
    const name = equations[i]!.name.text;
    if (skip.has(name)) continue;
    for (const r of graph.reads.get(name)!) {
      if (skip.has(r.name)) continue;
      const read = sourceIndex.get(r.name)!;
      if (countedBy[read] === i + 1) continue;
      countedBy[read] = i + 1;
      waitingFor[i]!++;
      (readers[read] ??= []).push(i);
    }
    if (waitingFor[i] === 0) ready.push(i);
  }
  const order: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    for (const reader of readers[i] ?? []) if (--waitingFor[reader]! === 0) ready.push(reader);
  }
  return order;
}

/** The smallest of a set of numbers, taken one at a time. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const child = left + 1 < items.length && items[left + 1]! < items[left]! ? left + 1 : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
