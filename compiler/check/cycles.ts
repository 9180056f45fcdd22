/**
 * Same-step dependencies must form a DAG: `h = tanh(W @ h + ...)` would need h before h.
 * Reports each instantaneous cycle with its whole path, and orders the equations so every
 * same-step read comes before its reader (source order among independent ones).
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";

export interface SameStepGraph {
  /** For each equation, the equations it reads at the same step, with where. */
  reads: Map<string, { name: string; range: A.Range }[]>;
}

export function sameStepReads(
  e: A.Expr,
  out: { name: string; range: A.Range }[] = [],
): { name: string; range: A.Range }[] {
  switch (e.kind) {
    case "ref":
      out.push({ name: e.name.text, range: e.name.range });
      break;
    case "neg":
      sameStepReads(e.operand, out);
      break;
    case "binary":
      sameStepReads(e.left, out);
      sameStepReads(e.right, out);
      break;
    case "concat":
      for (const p of e.parts) sameStepReads(p, out);
      break;
    case "call":
      for (const a of e.args) sameStepReads(a.value, out);
      break;
    case "number":
    case "delay":
    case "error":
      break;
  }
  return out;
}

export function buildGraph(equations: readonly A.Equation[]): SameStepGraph {
  const names = new Set(equations.map((e) => e.name.text));
  const reads = new Map<string, { name: string; range: A.Range }[]>();
  for (const eq of equations)
    reads.set(
      eq.name.text,
      sameStepReads(eq.value).filter((r) => names.has(r.name)),
    );
  return { reads };
}

/** Tarjan's strongly connected components; every component with a cycle is reported once. */
export function reportCycles(
  equations: readonly A.Equation[],
  graph: SameStepGraph,
  diagnostics: Diagnostic[],
): Set<string> {
  const byName = new Map(equations.map((e) => [e.name.text, e]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const inCycle = new Set<string>();
  let counter = 0;

  const strongConnect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { name: w } of graph.reads.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = graph.reads.get(v)!.some((r) => r.name === v);
    if (component.length > 1 || selfLoop) {
      for (const c of component) inCycle.add(c);
      diagnostics.push(describeCycle(new Set(component), byName, graph));
    }
  };
  for (const eq of equations) if (!index.has(eq.name.text)) strongConnect(eq.name.text);
  return inCycle;
}

/**
 * A path through the component from its first equation in source order back to it: depth
 * first, each equation's reads in order, backing out of a dead end (a strongly connected
 * component always has such a path, but the first unvisited read need not lead back:
 * `a = b`, `b = c + a`, `c = b` from a reaches c, whose only read b is already on the path).
 */
function describeCycle(component: Set<string>, byName: Map<string, A.Equation>, graph: SameStepGraph): Diagnostic {
  const start = [...byName.keys()].find((n) => component.has(n))!;
  const path = [start];
  const edges: { name: string; range: A.Range }[] = [];
  const visited = new Set([start]);
  const walk = (current: string): boolean => {
    for (const next of graph.reads.get(current)!) {
      if (!component.has(next.name) || (next.name !== start && visited.has(next.name))) continue;
      edges.push(next);
      path.push(next.name);
      if (next.name === start) return true;
      visited.add(next.name);
      if (walk(next.name)) return true;
      edges.pop();
      path.pop();
    }
    return false;
  };
  walk(start);
  const eq = byName.get(start)!;
  const first = edges[0]!;
  return error(
    "E401",
    `same-step cycle: ${path.join(" → ")}; '${start}' would be needed to compute itself`,
    eq.name.range,
    {
      related: edges.map((e, i) => ({
        message: `'${path[i]}' reads '${e.name}' at the same step here`,
        range: e.range,
      })),
      hint: `a recurrence goes through the previous step: read ${first.name}[t-1] instead, with '${first.name}' declared as a state`,
    },
  );
}

/** Kahn's algorithm, taking equations in source order whenever several are ready. */
export function topologicalOrder(
  equations: readonly A.Equation[],
  graph: SameStepGraph,
  skip: Set<string>,
): A.Equation[] {
  const pending = equations.filter((e) => !skip.has(e.name.text));
  const placed = new Set<string>();
  const order: A.Equation[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((e) =>
      graph.reads.get(e.name.text)!.every((r) => placed.has(r.name) || skip.has(r.name)),
    );
    if (i < 0) break; // only cycles remain, and they are in `skip`
    const [eq] = pending.splice(i, 1);
    placed.add(eq!.name.text);
    order.push(eq!);
  }
  return order;
}
