/**
 * The one walk over expressions: every pass that looks for something inside an expression
 * (the names it reads, an error node, the occurrences the language server lists) visits it
 * through here, so a new kind of expression is taught to all of them in one place.
 */
import type { Argument, Expr } from "./ast.js";

/**
 * Calls `f` on each expression directly inside one, in source order, with `context` (so a
 * recursive walk passes itself and its state instead of making a closure at every node).
 */
export function forEachChild<C = undefined>(e: Expr, f: (child: Expr, context: C) => void, context?: C): void {
  const c = context as C;
  switch (e.kind) {
    case "neg":
      f(e.operand, c);
      return;
    case "binary":
      f(e.left, c);
      f(e.right, c);
      return;
    case "concat":
      for (const p of e.parts) f(p, c);
      return;
    case "call":
      // A named argument is a setting of the op (`p = 0.3`, `per = sequence`), a constant that reads nothing.
      for (const a of e.args) if (!a.name) f(a.value, c);
      return;
    case "number":
    case "ref":
    case "delay":
    case "error":
      return;
  }
}

/**
 * Visits an expression and every expression inside it, in source order, each before those
 * inside it; where `visit` returns false, what is inside that expression is skipped.
 */
export function walkExpr(e: Expr, visit: (e: Expr) => boolean | void): void {
  if (visit(e) === false) return;
  forEachChild(e, walkExpr, visit);
}

/** Whether an expression, or one inside it, satisfies `test`. */
export function someExpr(e: Expr, test: (e: Expr) => boolean): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (found) return false;
    found = test(x);
    return !found;
  });
  return found;
}

/**
 * Whether an expression, or one inside it as `mapExpr` visits them (a named argument's value
 * too), satisfies `test`: a pass that rewrites few expressions asks this first and keeps the
 * others as they are, without the mapping's calls.
 */
export function someMapped<C>(e: Expr, test: (e: Expr, context: C) => boolean, context: C): boolean {
  if (test(e, context)) return true;
  switch (e.kind) {
    case "neg":
      return someMapped(e.operand, test, context);
    case "binary":
      return someMapped(e.left, test, context) || someMapped(e.right, test, context);
    case "concat":
      for (const p of e.parts) if (someMapped(p, test, context)) return true;
      return false;
    case "call":
      for (const a of e.args) if (someMapped(a.value, test, context)) return true;
      return false;
    case "number":
    case "ref":
    case "delay":
    case "error":
      return false;
  }
}

/**
 * An expression with `f` applied to it and every expression inside it, innermost first, with
 * `context`; where nothing changes, the very same objects are returned. (The context, as in
 * `forEachChild`, spares a pass run over every expression of a model a closure per item.)
 */
export function mapExpr<C = undefined>(e: Expr, f: (e: Expr, context: C) => Expr, context?: C): Expr {
  return f(mapChildren(e, f, context as C), context as C);
}

/** The children of an expression, each mapped by `mapExpr` (called here directly: no closure made per node). */
function mapChildren<C>(e: Expr, f: (e: Expr, context: C) => Expr, c: C): Expr {
  switch (e.kind) {
    case "neg": {
      const operand = mapExpr(e.operand, f, c);
      return operand === e.operand ? e : { ...e, operand };
    }
    case "binary": {
      const left = mapExpr(e.left, f, c);
      const right = mapExpr(e.right, f, c);
      return left === e.left && right === e.right ? e : { ...e, left, right };
    }
    case "concat": {
      const parts = mapList(e.parts, (p) => mapExpr(p, f, c));
      return parts === e.parts ? e : { ...e, parts };
    }
    case "call": {
      const args = mapArguments(e.args, (value) => mapExpr(value, f, c));
      return args === e.args ? e : { ...e, args };
    }
    case "number":
    case "ref":
    case "delay":
    case "error":
      return e;
  }
}

/** Arguments with `f` applied to each value; the same array when nothing changes. */
export function mapArguments(args: Argument[], f: (e: Expr) => Expr): Argument[] {
  return mapList(args, (a) => {
    const value = f(a.value);
    return value === a.value ? a : { ...a, value };
  });
}

/**
 * A list with `f` applied to each element; the same array when nothing changes, and no new
 * one made until something does (most passes change nothing in most lists).
 */
export function mapList<T>(list: T[], f: (x: T) => T): T[] {
  let mapped: T[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const x = f(list[i]!);
    if (mapped) mapped.push(x);
    else if (x !== list[i]) mapped = [...list.slice(0, i), x];
  }
  return mapped ?? list;
}
