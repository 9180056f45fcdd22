/**
 * The one walk over expressions: every pass that looks for something inside an expression
 * (the names it reads, an error node, the occurrences the language server lists) visits it
 * through here, so a new kind of expression is taught to all of them in one place.
 */
import type { Expr } from "./ast.js";

/** Calls `f` on each expression directly inside one, in source order. */
export function forEachChild(e: Expr, f: (child: Expr) => void): void {
  switch (e.kind) {
    case "neg":
      f(e.operand);
      return;
    case "binary":
      f(e.left);
      f(e.right);
      return;
    case "concat":
      for (const p of e.parts) f(p);
      return;
    case "call":
      for (const a of e.args) f(a.value);
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
  forEachChild(e, (child) => walkExpr(child, visit));
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
