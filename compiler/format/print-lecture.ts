/**
 * An equation as the lecture prints it: `h_t = σ(W h_{t−1} + U x_t + b)`. What changes from
 * step to step (inputs, states, quantities) carries the subscript t, or t−k read through a
 * delay; parameters carry none. `@` is written by juxtaposition (`W h_{t−1}`), or as `·`
 * before a concatenation (`W_f · [h_{t−1}, x_t]`, as the lecture writes the gates); sigmoid
 * is σ; `*` stays, the lecture's element-wise product; minus signs are −. For hover; the
 * expression may be in the lecture's notation or the canonical one.
 */
import type { Equation, Expr } from "../../grammar/ast.js";
import { canonicalFunction } from "../../grammar/notation.js";

const MINUS = "\u2212";

/** `isPerStep(name)`: whether the name has a value at each step (and so a subscript). */
export function lectureEquation(eq: Equation, isPerStep: (name: string) => boolean): string {
  return `${atStep(eq.name.text, 0)} = ${lectureExpr(eq.value, isPerStep)}`;
}

export function lectureExpr(e: Expr, isPerStep: (name: string) => boolean): string {
  const print = (x: Expr): string => {
    switch (x.kind) {
      case "number":
        return x.text;
      case "ref":
        return x.at ? `${x.name.text}_${x.at.text}` : isPerStep(x.name.text) ? atStep(x.name.text, 0) : x.name.text;
      case "delay":
        // `e[s]`: e at step s of its own sequence (attention reads it at every s).
        if (x.amountText === undefined && x.step.text !== "t") return `${x.name.text}_${x.step.text}`;
        return x.step.text === "t" && Number.isInteger(x.offset)
          ? atStep(x.name.text, -x.offset)
          : `${x.name.text}[${x.step.text}${x.offset < 0 ? MINUS : "+"}${x.amountText ?? ""}]`;
      case "neg":
        return `${MINUS}${wrap(x.operand, 3)}`;
      case "binary": {
        const p = strength(x);
        const left = wrap(x.left, p);
        const right = wrap(x.right, p + 1);
        if (x.op === "@") return `${left}${x.right.kind === "concat" ? " · " : " "}${right}`;
        return `${left} ${x.op === "-" ? MINUS : x.op} ${right}`;
      }
      case "concat":
        return `[${x.parts.map(print).join(", ")}]`;
      case "call": {
        const fn = canonicalFunction(x.callee.text);
        return `${fn === "sigmoid" ? "σ" : fn}(${x.args.map((a) => (a.name ? `${a.name.text} = ` : "") + print(a.value)).join(", ")})`;
      }
      case "error":
        return "…";
    }
  };
  const wrap = (x: Expr, minimum: number): string => (strength(x) >= minimum ? print(x) : `(${print(x)})`);
  return print(e);
}

/** How tightly an expression binds: sums 1, products 2, negation 3, the rest 4. */
function strength(e: Expr): number {
  if (e.kind === "binary") return e.op === "+" || e.op === "-" ? 1 : 2;
  return e.kind === "neg" ? 3 : 4;
}

/** `h_t`, `h_{t−1}`, `h_{t+1}` (back < 0: read ahead). */
function atStep(name: string, back: number): string {
  return back === 0 ? `${name}_t` : back > 0 ? `${name}_{t${MINUS}${back}}` : `${name}_{t+${-back}}`;
}
