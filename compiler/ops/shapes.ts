/**
 * The shapes of values and the shape rules of operations. Every expression of an equation
 * has a type: a scalar (literals), a vector of a known size, or a parameter matrix, which
 * may only stand left of `@`. An op of the registry names its rule; the checker applies it
 * to the operands' types and reports a mismatch with both shapes, symbolically and
 * numerically (`[H + D] = [40]`).
 */
import type { Range } from "../../grammar/ast.js";
import type { ErrorCode } from "../../grammar/diagnostic-codes.js";

/** A size with the dim expression it came from (`H + D`). */
export interface Size {
  value: number;
  symbol: string;
  /** A quantity that is one number at each step of another sequence: a score (attention). */
  perStep?: true;
}

export type ValueType =
  { kind: "scalar" } | { kind: "vector"; size: Size; onehot: boolean } | { kind: "matrix"; rows: Size; cols: Size };

export function shapeText(t: ValueType): string {
  switch (t.kind) {
    case "scalar":
      return "a scalar";
    case "vector":
      return sizesText([t.size]);
    case "matrix":
      return sizesText([t.rows, t.cols]);
  }
}

export function sizesText(sizes: readonly Size[]): string {
  const symbolic = `[${sizes.map((s) => s.symbol).join(", ")}]`;
  const numeric = `[${sizes.map((s) => s.value).join(", ")}]`;
  return symbolic === numeric ? numeric : `${symbolic} = ${numeric}`;
}

/**
 * The types of one size, made once: a model of thousands of layers reads thousands of vectors
 * and matrices of a few sizes, and a type per read was kept by the checker's results. Types are
 * never changed once made, and the sizes of one check are shared (dims.ts), so sharing is safe.
 */
const vectors = new WeakMap<Size, ValueType>();
const onehots = new WeakMap<Size, ValueType>();
const matrices = new WeakMap<Size, WeakMap<Size, ValueType>>();

export function vector(size: Size, onehot = false): ValueType {
  const made = onehot ? onehots : vectors;
  let type = made.get(size);
  if (!type) made.set(size, (type = { kind: "vector", size, onehot }));
  return type;
}

export function matrix(rows: Size, cols: Size): ValueType {
  let byCols = matrices.get(rows);
  if (!byCols) matrices.set(rows, (byCols = new WeakMap()));
  let type = byCols.get(cols);
  if (!type) byCols.set(cols, (type = { kind: "matrix", rows, cols }));
  return type;
}

/** An operand as written, with the type the checker inferred for it. */
export interface Operand {
  type: ValueType;
  /** The operand as written (`h[t-1]`), and as it reads beside an operator (`(x + b)`). */
  text: string;
  grouped: string;
  range: Range;
}

/** One application of an op in an equation, for its shape rule. */
export interface Application {
  /** How the op was written: its name (`sigmoid`) or its symbol (`+`). */
  written: string;
  form: "call" | "binary" | "prefix" | "brackets";
  /** The whole expression as written, and where. */
  text: string;
  range: Range;
  operands: Operand[];
  /** Records an error; returns undefined so a rule can `return report(...)`. */
  report(code: ErrorCode, message: string, range: Range, hint?: string): undefined;
}

export interface ShapeRule {
  /** What the rule says in hover and signature help about the operands. */
  operandDoc: string;
  /** Whether operand k may be a one-hot input (`inherited`: whether the application itself may be). */
  onehotOperand(k: number, inherited: boolean): boolean;
  /** The type of the result, or undefined after reporting why there is none. */
  infer(app: Application): ValueType | undefined;
}

const noOnehot = () => false;

/** A matrix anywhere but left of `@` is an error in every rule but the product's. */
function rejectMatrix(app: Application): boolean {
  // Loops, not find and filter, in this rule and the next: they run at every operator of every equation.
  let o: Operand | undefined;
  for (const operand of app.operands) if (!o && operand.type.kind === "matrix") o = operand;
  if (!o) return false;
  if (app.form === "prefix") app.report("E201", `a matrix can only be used on the left of '@', not negated`, app.range);
  else if (app.form === "binary")
    app.report(
      "E201",
      `${o.text} is a matrix ${shapeText(o.type)}; a matrix can only be used on the left of '@'`,
      o.range,
      `did you mean ${app.operands[0]!.text} @ ${app.operands[1]!.text}?`,
    );
  else app.report("E201", `${app.written} of a matrix: a matrix can only be used on the left of '@'`, o.range);
  return true;
}

/** Element by element: operands of one size, scalars broadcast; the result has their size. */
export const elementwise: ShapeRule = {
  operandDoc: "a vector or a scalar (applied element-wise)",
  onehotOperand: noOnehot,
  infer(app) {
    if (rejectMatrix(app)) return undefined;
    // The first vector operand, and the first one of another size.
    let first: Operand | undefined;
    let other: Operand | undefined;
    for (const o of app.operands) {
      if (o.type.kind !== "vector") continue;
      if (!first) first = o;
      else if (!other && o.type.size.value !== (first.type as { size: Size }).size.value) other = o;
    }
    if (!first) return { kind: "scalar" };
    if (other) {
      const [a, b] = app.operands.length === 2 ? (app.operands as [Operand, Operand]) : [first, other];
      return app.report(
        "E201",
        `${app.text}: ${a.text} is ${shapeText(a.type)} but ${b.text} is ${shapeText(b.type)}`,
        app.range,
        `'${app.written}' is element-wise: ${app.operands.length === 2 ? "both sides need" : "its arguments need"} the same size`,
      );
    }
    return first.type;
  },
};

/** Over each whole vector (it mixes the components): vector operands of one size, the result of their size. */
export const rowwise: ShapeRule = {
  operandDoc: "a vector (the function mixes its components)",
  onehotOperand: noOnehot,
  infer(app) {
    if (rejectMatrix(app)) return undefined;
    const scalar = app.operands.find((o) => o.type.kind === "scalar");
    if (scalar) return app.report("E201", `${app.written} needs a vector, not a scalar`, scalar.range);
    return elementwise.infer(app);
  },
};

/** `W @ x`: a matrix parameter times a vector (or a concatenation) as long as its rows; the result has its rows. */
export const product: ShapeRule = {
  operandDoc: "a matrix parameter and a vector as long as its rows",
  // The right operand may be one-hot: a product with it is a column lookup.
  onehotOperand: (k) => k === 1,
  infer(app) {
    const [left, right] = app.operands as [Operand, Operand];
    if (left.type.kind !== "matrix")
      return app.report(
        "E202",
        `${left.grouped} @ ...: the left of '@' must be a matrix parameter, but ${left.text} is ${shapeText(left.type)}`,
        left.range,
      );
    if (right.type.kind !== "vector")
      return app.report(
        "E202",
        `... @ ${right.grouped}: the right of '@' must be a vector, but it is ${shapeText(right.type)}`,
        right.range,
      );
    if (left.type.cols.value !== right.type.size.value)
      return app.report(
        "E202",
        `${app.text}: ${left.text} is ${shapeText(left.type)} but ${right.text} is ${shapeText(right.type)}`,
        app.range,
        `the columns of ${left.text} must match the size of ${right.text}`,
      );
    return vector(left.type.rows);
  },
};

/** `[a, b]`: vectors end to end; one-hot where a one-hot may stand (right of `@`). */
export const concatenation: ShapeRule = {
  operandDoc: "vectors",
  onehotOperand: (_k, inherited) => inherited,
  infer(app) {
    let value = 0;
    const symbols: string[] = [];
    let onehot = false;
    for (const o of app.operands) {
      if (o.type.kind !== "vector")
        return app.report("E201", `only vectors can be concatenated, but ${o.text} is ${shapeText(o.type)}`, o.range);
      value += o.type.size.value;
      symbols.push(o.type.size.symbol);
      onehot ||= o.type.onehot;
    }
    return vector({ value, symbol: symbols.join(" + ") }, onehot);
  },
};
