/**
 * Checking one equation again after an edit of its value, for the language server: the rest
 * of the check (dims, declarations, the same-step graph, the other equations, the losses, the
 * size limits) is kept from the check before, and only what the edit can change is redone.
 * That holds when the edit stays inside the equation's value and the equation reads the same
 * quantities at the same step and gives the same size, so no other equation, loss or cycle
 * sees a difference; otherwise this says no, and the language server checks the whole model.
 *
 * The result equals a whole check's: the equation is inferred by the same `ShapeInference`,
 * seeing the sizes the whole check would have given it (those of the equations inferred
 * before it), and what the edit changes everywhere else (the uses, the types, the unused
 * names, how far back and ahead each state is read, the recurrences that would run both
 * ways) is brought up to date here.
 */
import type * as A from "../../grammar/ast.js";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { mapExpr } from "../../grammar/walk.js";
import { reportUnused, type CheckContext } from "./check.js";
import { sameStepReads } from "./cycles.js";
import { checkDirections } from "./directions.js";
import type { ModelFacts, NameUse, Size } from "./model.js";
import { ShapeInference } from "./types.js";

export interface EquationRecheck {
  /** What inferring the equation found, in the order found. */
  diagnostics: Diagnostic[];
  /** The unused-name warnings of the model, when the edit changed which names are read; undefined when unchanged. */
  unused?: Diagnostic[];
  /** The model's recurrences that would run both ways (E303, directions.ts), which any read can change. */
  directions: Diagnostic[];
}

/**
 * `eq` (an equation of the checked model, with its new value in place; `previous` is the
 * value it had) checked again; `facts` and `context` are brought up to date. Undefined when
 * the edit reaches beyond the equation: then `facts` and `context` may be half updated and
 * must be thrown away.
 */
export function recheckEquation(
  context: CheckContext,
  facts: ModelFacts,
  eq: A.Equation,
  previous: A.Expr,
): EquationRecheck | undefined {
  const name = eq.name.text;
  const { decls, graph, quantitySizes } = context;
  if (decls.equations.get(name) !== eq || eq.recovered || context.inCycle.has(name)) return undefined;
  const oldReads = graph.reads.get(name);
  const reads = sameStepReads(eq.value, graph.reads);
  if (!oldReads || !sameNames(oldReads, reads)) return undefined;
  if (readByLoss(context, facts, name) && definingCall(previous) !== definingCall(eq.value)) return undefined;

  const order = readsFirstIndex(context);
  const at = order.get(name)!;
  const checkedBefore = (n: string): Size | undefined => {
    const i = order.get(n);
    return i !== undefined && i < at ? quantitySizes.get(n) : undefined;
  };
  const diagnostics: Diagnostic[] = [];
  const inference = new ShapeInference(decls, diagnostics, checkedBefore);
  const delays = new DelayedReads(context, previous, eq.value);
  const size = inference.equationSize(eq);
  if (!delays.settle() || !sameSize(size, quantitySizes.get(name))) return undefined;
  // "Did you mean" within its budget answers the same whatever was asked before; past it, not.
  if (decls.suggestionsSpent()) return undefined;

  forEachNode(previous, (x) => facts.types.delete(x));
  for (const [x, t] of inference.types) facts.types.set(x, t);
  graph.reads.set(name, reads);
  const oldUses = replaceUses(facts.uses, name, inference.uses);
  // A state read both ways is reported at its first read ahead in the order the whole check
  // met the uses, which the uses, kept in source order, no longer tell.
  for (const s of decls.states.values()) if (s.maxDelay > 0 && s.maxAhead > 0) return undefined;
  const directions: Diagnostic[] = [];
  const readNames = sameStepNames(context, facts);
  checkDirections(decls.states, facts.uses, (n) => (graph.reads.has(n) ? readNames.get(n)! : []), directions);
  const unusedChanged = context.unusedReported && !sameSet(oldUses, inference.uses);
  if (!unusedChanged) return { diagnostics, directions };
  const unused: Diagnostic[] = [];
  reportUnused(decls, facts.uses, unused);
  return { diagnostics, unused, directions };
}

/**
 * How far back and ahead each state is read (`maxDelay`, `maxAhead`) are the longest delay
 * and read ahead of any equation, set as a side effect of inference. The states this
 * equation reads through a delay or ahead are set to 0 while it is inferred, so what it
 * reads shows alone, and then combined with the rest: a longer read raises the state's
 * figure; a shorter one lowers it only if this equation alone made it, which the previous
 * value (whose reads are known only as written) cannot tell: then the whole model is checked.
 */
class DelayedReads {
  private readonly saved = new Map<string, { back: number; ahead: number }>();
  private readonly previous: WrittenReads;

  constructor(
    private readonly context: CheckContext,
    previous: A.Expr,
    value: A.Expr,
  ) {
    this.previous = writtenReads(previous);
    const now = writtenReads(value);
    const names = new Set([
      ...now.back.keys(),
      ...now.ahead.keys(),
      ...this.previous.back.keys(),
      ...this.previous.ahead.keys(),
    ]);
    for (const state of names) {
      const info = context.decls.states.get(state);
      if (!info) continue;
      this.saved.set(state, { back: info.maxDelay, ahead: info.maxAhead });
      info.maxDelay = 0;
      info.maxAhead = 0;
    }
  }

  /** Combines what the equation read with the rest; false when that cannot be known without the whole check. */
  settle(): boolean {
    let known = true;
    for (const [state, before] of this.saved) {
      const info = this.context.decls.states.get(state)!;
      const back = combined(info.maxDelay, before.back, this.previous.back.get(state) ?? 0);
      const ahead = combined(info.maxAhead, before.ahead, this.previous.ahead.get(state) ?? 0);
      info.maxDelay = back ?? before.back;
      info.maxAhead = ahead ?? before.ahead;
      known &&= back !== undefined && ahead !== undefined;
    }
    return known;
  }
}

/**
 * The longest read of a state over all equations, from this equation's read now, the
 * longest before (over all, this one included) and this one's longest as written before;
 * undefined when unknown.
 */
function combined(now: number, before: number, previouslyWritten: number): number | undefined {
  if (now >= before) return now;
  return previouslyWritten < before ? before : undefined;
}

interface WrittenReads {
  back: Map<string, number>;
  ahead: Map<string, number>;
}

/** The longest delay and read ahead of each name as written (`h[t-2]`: 2 back), whether or not inference reaches them. */
function writtenReads(e: A.Expr): WrittenReads {
  const reads: WrittenReads = { back: new Map(), ahead: new Map() };
  forEachNode(e, (x) => {
    if (x.kind !== "delay" || !Number.isInteger(x.offset) || x.offset === 0) return;
    const longest = x.offset < 0 ? reads.back : reads.ahead;
    longest.set(x.name.text, Math.max(longest.get(x.name.text) ?? 0, Math.abs(x.offset)));
  });
  return reads;
}

/** Every expression node, named arguments' values included. */
function forEachNode(e: A.Expr, visit: (x: A.Expr) => void): void {
  mapExpr(e, (x) => {
    visit(x);
    return x;
  });
}

/**
 * The uses of one equation (all inside its value, so one run of the list, which is in
 * source order) replaced, in place, by its new ones; returns the old ones.
 */
function replaceUses(uses: NameUse[], usedBy: string, replacement: readonly NameUse[]): NameUse[] {
  const mine = [...replacement].sort((a, b) => a.range.startOffset - b.range.startOffset);
  let first = uses.findIndex((u) => u.usedBy === usedBy);
  let count = 0;
  if (first < 0) {
    // None before: the new ones go where their offset puts them.
    const offset = mine[0]?.range.startOffset ?? 0;
    let high = uses.length;
    first = 0;
    while (first < high) {
      const mid = (first + high) >> 1;
      if (uses[mid]!.range.startOffset < offset) first = mid + 1;
      else high = mid;
    }
  } else while (first + count < uses.length && uses[first + count]!.usedBy === usedBy) count++;
  return uses.splice(first, count, ...mine);
}

/** The quantities each equation reads at the same step, without repeats, as the facts list them; found once per check. */
const sameStepNamesOf = new WeakMap<CheckContext, Map<string, readonly string[]>>();

function sameStepNames(context: CheckContext, facts: ModelFacts): Map<string, readonly string[]> {
  let names = sameStepNamesOf.get(context);
  if (!names) sameStepNamesOf.set(context, (names = new Map(facts.quantities.map((q) => [q.name, q.sameStepReads]))));
  return names;
}

/** Position in the order of inference of each equation, made once per check. */
const readsFirstIndexes = new WeakMap<CheckContext, Map<string, number>>();

function readsFirstIndex(context: CheckContext): Map<string, number> {
  let index = readsFirstIndexes.get(context);
  if (!index) readsFirstIndexes.set(context, (index = new Map(context.readsFirst.map((eq, i) => [eq.name.text, i]))));
  return index;
}

function sameNames(a: readonly { name: string }[], b: readonly { name: string }[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]!.name);
}

function sameSet(a: readonly { name: string }[], b: readonly { name: string }[]): boolean {
  const x = new Set(a.map((u) => u.name));
  const y = new Set(b.map((u) => u.name));
  return x.size === y.size && [...x].every((n) => y.has(n));
}

function sameSize(a: Size | undefined, b: Size | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.value === b.value && a.symbol === b.symbol);
}

/** The function an equation's value calls at its top (a loss fuses with some: `softmax` for `cross_entropy`). */
function definingCall(value: A.Expr): string | undefined {
  return value.kind === "call" ? value.callee.text : undefined;
}

/** The names the losses' arguments read, found once per check (an edit of an equation leaves the losses as they are). */
const lossReads = new WeakMap<CheckContext, Set<string>>();

function readByLoss(context: CheckContext, facts: ModelFacts, name: string): boolean {
  let names = lossReads.get(context);
  if (!names) {
    names = new Set();
    for (const item of facts.decl.items)
      if (item.kind === "loss")
        for (const a of item.args) forEachNode(a.value, (x) => x.kind === "ref" && names!.add(x.name.text));
    lossReads.set(context, names);
  }
  return names.has(name);
}
