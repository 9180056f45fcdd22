/**
 * Scalar expressions: the value of one element of an element-wise operation, as a tree. An
 * op of the registry states its meaning as one (`sigmoid(x) = 1 / (1 + exp(−x))`); the
 * interpreter evaluates it, the code generator writes it into fused loops (TypeScript and
 * WebAssembly), and lowering folds it over constants. Every consumer evaluates the tree as
 * built, operation for operation, so in float64 they round identically.
 */

export type BinaryOp = "+" | "-" | "*" | "/";

/** Comparisons of a select: NaN compares false with `<` and `>`, true with `!=`. */
export type Compare = "<" | ">" | "!=";

/** The Math functions an expression may call (the WebAssembly loops have none: kernels apply them). */
export type MathFunction = "exp" | "tanh" | "log";

export type Expr =
  | { kind: "num"; value: number }
  /** Element i of stream `stream` (an operand, or a row the loop reads). */
  | { kind: "read"; stream: number }
  | { kind: "local"; name: string }
  | { kind: "binary"; op: BinaryOp; a: Expr; b: Expr }
  | { kind: "neg"; a: Expr }
  /** `a compare b ? then : otherwise`. */
  | { kind: "select"; compare: Compare; a: Expr; b: Expr; then: Expr; otherwise: Expr }
  | { kind: "math"; fn: MathFunction; a: Expr }
  /** 1 where i is the integer at element 0 of stream `stream` (a class id), else 0: the one-hot vector of a class. */
  | { kind: "indicator"; stream: number };

export const num = (value: number): Expr => ({ kind: "num", value });
export const read = (stream: number): Expr => ({ kind: "read", stream });
export const local = (name: string): Expr => ({ kind: "local", name });
export const binary = (op: BinaryOp, a: Expr, b: Expr): Expr => ({ kind: "binary", op, a, b });
export const neg = (a: Expr): Expr => ({ kind: "neg", a });
export const math = (fn: MathFunction, a: Expr): Expr => ({ kind: "math", fn, a });
export const select = (compare: Compare, a: Expr, b: Expr, then: Expr, otherwise: Expr): Expr => ({
  kind: "select",
  compare,
  a,
  b,
  then,
  otherwise,
});

/** The sub-expressions of an expression, in evaluation order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "binary":
      return [e.a, e.b];
    case "select":
      return [e.a, e.b, e.then, e.otherwise];
    case "neg":
    case "math":
      return [e.a];
    default:
      return [];
  }
}

/** Calls `visit` on an expression and every expression inside it. */
export function forEachExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const c of children(e)) forEachExpr(c, visit);
}

/** The expression with each leaf (number, read, local, indicator) replaced by `leaf(it)`. */
export function mapLeaves(e: Expr, leaf: (e: Expr) => Expr): Expr {
  switch (e.kind) {
    case "binary":
      return { ...e, a: mapLeaves(e.a, leaf), b: mapLeaves(e.b, leaf) };
    case "select":
      return {
        ...e,
        a: mapLeaves(e.a, leaf),
        b: mapLeaves(e.b, leaf),
        then: mapLeaves(e.then, leaf),
        otherwise: mapLeaves(e.otherwise, leaf),
      };
    case "neg":
    case "math":
      return { ...e, a: mapLeaves(e.a, leaf) };
    default:
      return leaf(e);
  }
}

/** The expression with every stream read replaced by `reads(stream)`: an op's expression over given operands. */
export function substitute(e: Expr, reads: (stream: number) => Expr): Expr {
  return mapLeaves(e, (x) => (x.kind === "read" ? reads(x.stream) : x));
}

/** The expression with every stream index k (of reads and indicators) renumbered to `renumber(k)`. */
export function mapStreams(e: Expr, renumber: (stream: number) => number): Expr {
  return mapLeaves(e, (x) =>
    x.kind === "read" || x.kind === "indicator" ? { kind: x.kind, stream: renumber(x.stream) } : x,
  );
}

/** One element's value: `stream(k)` gives element i of stream k, `indicator(k)` whether i is its class id. */
export interface Element {
  stream(k: number): number;
  indicator(k: number): boolean;
  local(name: string): number;
}

/** The value of the expression at one element, computed in double precision as written. */
export function evaluate(e: Expr, at: Element): number {
  switch (e.kind) {
    case "num":
      return e.value;
    case "read":
      return at.stream(e.stream);
    case "local":
      return at.local(e.name);
    case "binary": {
      const a = evaluate(e.a, at);
      const b = evaluate(e.b, at);
      switch (e.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
      }
      break;
    }
    case "neg":
      return -evaluate(e.a, at);
    case "select": {
      const a = evaluate(e.a, at);
      const b = evaluate(e.b, at);
      const holds = e.compare === "<" ? a < b : e.compare === ">" ? a > b : a !== b;
      return holds ? evaluate(e.then, at) : evaluate(e.otherwise, at);
    }
    case "math":
      return Math[e.fn](evaluate(e.a, at));
    case "indicator":
      return at.indicator(e.stream) ? 1 : 0;
  }
}

/** The expression's value when every stream it reads holds a constant, or undefined when it reads something else. */
export function fold(e: Expr, constants: readonly number[]): number | undefined {
  let plain = true;
  forEachExpr(e, (x) => (plain &&= x.kind !== "local" && x.kind !== "indicator"));
  if (!plain) return undefined;
  return evaluate(e, {
    stream: (k) => constants[k]!,
    indicator: () => false,
    local: () => NaN,
  });
}
