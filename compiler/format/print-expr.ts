/**
 * AST expressions back to `.rnn` text, with the fewest parentheses that keep the meaning,
 * in the notation they were written in (canonical, once grammar/notation.ts has read them).
 * Shared by the formatter, `rnnc expand`, the cell templates and hover.
 */
import type { Argument, Expr } from "../../grammar/ast.js";

const precedence = { "+": 1, "-": 1, "*": 2, "/": 2, "@": 2 } as const;

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "ref":
      return e.at ? `${e.name.text}[${e.at.text}]` : e.name.text;
    case "delay":
      return `${e.name.text}[${e.amountText === undefined ? printDelayIndex(e.step.text, e.offset) : `${e.step.text}${e.offset < 0 || Object.is(e.offset, -0) ? "-" : "+"}${e.amountText}`}]`;
    case "neg":
      return `-${wrapUnless(e.operand, 3)}`;
    case "binary": {
      const p = precedence[e.op];
      // Left-associative: the right operand needs parentheses at equal precedence.
      return `${wrapUnless(e.left, p)} ${e.written ?? e.op} ${wrapUnless(e.right, p + 1)}`;
    }
    case "concat":
      return `[${e.parts.map(printExpr).join(", ")}]`;
    case "call":
      return `${e.callee.text}(${printArguments(e.args)})`;
    case "error":
      return "<error>";
  }
}

export function printArguments(args: readonly Argument[]): string {
  return args.map((a) => (a.name ? `${a.name.text} = ${printExpr(a.value)}` : printExpr(a.value))).join(", ");
}

function printDelayIndex(step: string, offset: number): string {
  if (offset === 0) return step;
  return offset < 0 ? `${step}-${-offset}` : `${step}+${offset}`;
}

function bindingStrength(e: Expr): number {
  if (e.kind === "binary") return precedence[e.op];
  if (e.kind === "neg") return 3;
  return 4;
}

function wrapUnless(e: Expr, minimum: number): string {
  const text = printExpr(e);
  return bindingStrength(e) >= minimum ? text : `(${text})`;
}
