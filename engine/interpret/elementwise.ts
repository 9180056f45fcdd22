/**
 * Element-wise ops in the interpreter: the op's scalar expression (compiler/ops) evaluated
 * at every element of a batch, operation for operation as written, so the interpreter and
 * the generated loops compute the same tree. A scalar operand (a constant) broadcasts.
 */
import type { Expr } from "../../compiler/ops/expr.js";

/** An operand of an element-wise evaluation: [B][n] values, or one number. */
export interface Stream {
  values: Float64Array;
  scalar: boolean;
}

/** The operand of an `indicator`: one class id per row of `width` elements. */
export interface ClassIds {
  ids: Int32Array;
  width: number;
}

type Fn = (i: number) => number;

/** out[i] = expr at element i, for every i of out; `read k` and `indicator k` are operands[k]. */
export function evaluateElementwise(expr: Expr, operands: readonly (Stream | ClassIds)[], out: Float64Array): void {
  const f = compile(expr, operands);
  for (let i = 0; i < out.length; i++) out[i] = f(i);
}

function compile(e: Expr, operands: readonly (Stream | ClassIds)[]): Fn {
  const c = (x: Expr) => compile(x, operands);
  switch (e.kind) {
    case "num": {
      const v = e.value;
      return () => v;
    }
    case "read": {
      const { values, scalar } = operands[e.stream] as Stream;
      if (scalar) {
        const v = values[0]!;
        return () => v;
      }
      return (i) => values[i]!;
    }
    case "local":
      throw new Error(`internal error: the local ${e.name} in an op's expression`);
    case "binary": {
      const [a, b] = [c(e.a), c(e.b)];
      switch (e.op) {
        case "+":
          return (i) => a(i) + b(i);
        case "-":
          return (i) => a(i) - b(i);
        case "*":
          return (i) => a(i) * b(i);
        case "/":
          return (i) => a(i) / b(i);
      }
      break;
    }
    case "neg": {
      const a = c(e.a);
      return (i) => -a(i);
    }
    case "select": {
      const [a, b, then, otherwise] = [c(e.a), c(e.b), c(e.then), c(e.otherwise)];
      switch (e.compare) {
        case "<":
          return (i) => (a(i) < b(i) ? then(i) : otherwise(i));
        case ">":
          return (i) => (a(i) > b(i) ? then(i) : otherwise(i));
        case "!=":
          return (i) => (a(i) !== b(i) ? then(i) : otherwise(i));
      }
      break;
    }
    case "math": {
      const [a, fn] = [c(e.a), Math[e.fn]];
      return (i) => fn(a(i));
    }
    case "indicator": {
      const { ids, width } = operands[e.stream] as ClassIds;
      return (i) => (i % width === ids[Math.floor(i / width)] ? 1 : 0);
    }
  }
}
