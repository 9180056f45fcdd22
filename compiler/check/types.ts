/**
 * Shape inference over the equations. Every expression gets a type: a scalar (literals), a
 * vector of a known size, or a parameter matrix, which may only stand left of `@`.
 * One-hot inputs may only be multiplied by a matrix (directly or inside a concatenation),
 * which is what lets every backend compile them as column lookups.
 * Mismatches are reported with both shapes, symbolically and numerically.
 */
import type * as A from "../../grammar/ast.js";
import { isActivation, isLossFunction, builtinFunctions } from "../builtins.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import type { ErrorCode } from "../../grammar/diagnostic-codes.js";
import { walkExpr } from "../../grammar/walk.js";
import { printExpr } from "../format/print-expr.js";
import { describeKind, type Declarations } from "./declarations.js";
import type { NameUse, Size, ValueType } from "./model.js";
import { suggest } from "./suggest.js";

export interface TypeResult {
  types: Map<A.Expr, ValueType>;
  /** Inferred size of each quantity, for those whose equation checked. */
  quantitySizes: Map<string, Size>;
  uses: NameUse[];
}

interface Context {
  usedBy: string;
  /** True where a one-hot vector may appear: right of `@`, or inside a concatenation there. */
  onehotAllowed: boolean;
}

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

/** `equations` come in an order where each comes after those it reads at the same step (`stronglyConnected`). */
export function inferTypes(
  equations: readonly A.Equation[],
  decls: Declarations,
  diagnostics: Diagnostic[],
): TypeResult {
  const types = new Map<A.Expr, ValueType>();
  const quantitySizes = new Map<string, Size>();
  const uses: NameUse[] = [];

  const report = (code: ErrorCode, message: string, range: A.Range, hint?: string) => {
    diagnostics.push(error(code, message, range, hint ? { hint } : {}));
    return undefined;
  };

  /**
   * The size of a quantity read at the same step; a state's declared size stands for it.
   * Its equation was checked before (none in a cycle: reported by the cycle check).
   */
  const quantitySize = (name: string): Size | undefined => decls.states.get(name)?.size ?? quantitySizes.get(name);

  const checkEquation = (eq: A.Equation): void => {
    const name = eq.name.text;
    const t = infer(eq.value, { usedBy: name, onehotAllowed: false });
    if (!t) return;
    if (t.kind !== "vector") {
      report("E201", `'${name}' must be a vector, but its equation gives ${shapeText(t)}`, eq.value.range);
      return;
    }
    if (t.onehot) {
      report(
        "E201",
        `'${name}' would be a one-hot input; one-hot inputs can only be multiplied by a matrix`,
        eq.value.range,
        `write ${name} = W @ ${printExpr(eq.value)}`,
      );
      return;
    }
    const state = decls.states.get(name);
    if (state && state.size.value !== t.size.value) {
      report(
        "E201",
        `state '${name}' is declared ${sizesText([state.size])} but its equation gives ${sizesText([t.size])}`,
        eq.value.range,
      );
      return;
    }
    quantitySizes.set(name, state ? state.size : t.size);
  };

  const infer = (e: A.Expr, ctx: Context): ValueType | undefined => {
    const t = inferUncached(e, ctx);
    if (t) types.set(e, t);
    return t;
  };

  const vector = (size: Size, onehot = false): ValueType => ({ kind: "vector", size, onehot });

  const referTo = (name: A.Name, ctx: Context, delay: number): ValueType | undefined => {
    const entry = decls.symbols.get(name.text);
    if (!entry) {
      const guess = decls.suggest("value", name.text);
      const builtin = isActivation(name.text)
        ? `'${name.text}' is a function: call it, as in ${name.text}(x)`
        : undefined;
      return report(
        "E101",
        `'${name.text}' is not defined`,
        name.range,
        builtin ?? (guess ? `did you mean '${guess}'?` : undefined),
      );
    }
    uses.push({ name: name.text, range: name.range, usedBy: ctx.usedBy, delay });
    switch (entry.kind) {
      case "dim":
        return report(
          "E103",
          `'${name.text}' is a dim, a size, not a value`,
          name.range,
          "dims are used in shapes, as in param W : [H, D]",
        );
      case "target":
        return report("E103", `'${name.text}' is a target; targets are only read by a loss`, name.range);
      case "param": {
        const p = decls.params.get(name.text);
        if (!p) return undefined;
        return p.shape.length === 2 ? { kind: "matrix", rows: p.shape[0]!, cols: p.shape[1]! } : vector(p.shape[0]!);
      }
      case "input": {
        const input = decls.inputs.get(name.text);
        if (!input) return undefined;
        if (input.encoding === "onehot" && !ctx.onehotAllowed) {
          return report(
            "E201",
            `'${name.text}' is a one-hot input; it can only be multiplied by a matrix`,
            name.range,
            `write W @ ${name.text}; it is compiled as a column lookup`,
          );
        }
        return vector(input.size, input.encoding === "onehot");
      }
      case "state":
      case "quantity": {
        const size = quantitySize(name.text);
        return size ? vector(size) : undefined;
      }
    }
  };

  const inferUncached = (e: A.Expr, ctx: Context): ValueType | undefined => {
    switch (e.kind) {
      case "number":
        return { kind: "scalar" };
      case "error":
        return undefined;
      case "ref":
        return referTo(e.name, ctx, 0);
      case "delay":
        return inferDelay(e, ctx);
      case "neg": {
        const t = infer(e.operand, { ...ctx, onehotAllowed: false });
        if (t?.kind === "matrix")
          return report("E201", `a matrix can only be used on the left of '@', not negated`, e.range);
        return t;
      }
      case "binary":
        return e.op === "@" ? inferMatMul(e, ctx) : inferElementwise(e, ctx);
      case "concat":
        return inferConcat(e, ctx);
      case "call":
        return inferCall(e, ctx);
    }
  };

  const inferDelay = (e: A.DelayExpr, ctx: Context): ValueType | undefined => {
    if (e.step.text !== "t") return report("E302", `a delay is written [t-k], not [${e.step.text}...]`, e.step.range);
    const steps = -e.offset;
    if (!Number.isInteger(steps) || steps <= 0) {
      const why =
        e.offset > 0
          ? `${e.name.text}[t+${e.offset}] reads the future`
          : e.offset === 0
            ? `${e.name.text}[t] is the current step: write ${e.name.text}`
            : `the delay must be a whole number of steps`;
      return report("E302", `${why}; a delay is [t-k] with k a positive integer`, e.offsetRange);
    }
    const entry = decls.symbols.get(e.name.text);
    if (entry && entry.kind !== "state" && entry.kind !== "input") {
      const size = entry.kind === "quantity" ? quantitySizes.get(e.name.text) : undefined;
      return report(
        "E301",
        `'${e.name.text}' is ${describeKind(entry.kind)}; only states and inputs can be read through a delay`,
        e.range,
        entry.kind === "quantity"
          ? `declare it a state: state ${e.name.text} : [${size?.symbol ?? "n"}] = zeros`
          : undefined,
      );
    }
    const state = decls.states.get(e.name.text);
    if (state) state.maxDelay = Math.max(state.maxDelay, steps);
    return referTo(e.name, ctx, steps);
  };

  const inferMatMul = (e: A.BinaryExpr, ctx: Context): ValueType | undefined => {
    const left = infer(e.left, { ...ctx, onehotAllowed: false });
    const right = infer(e.right, { ...ctx, onehotAllowed: true });
    if (!left || !right) return undefined;
    if (left.kind !== "matrix")
      return report(
        "E202",
        `${printOperand(e.left)} @ ...: the left of '@' must be a matrix parameter, but ${printExpr(e.left)} is ${shapeText(left)}`,
        e.left.range,
      );
    if (right.kind !== "vector")
      return report(
        "E202",
        `... @ ${printOperand(e.right)}: the right of '@' must be a vector, but it is ${shapeText(right)}`,
        e.right.range,
      );
    if (left.cols.value !== right.size.value) {
      return report(
        "E202",
        `${printExpr(e)}: ${printExpr(e.left)} is ${shapeText(left)} but ${printExpr(e.right)} is ${shapeText(right)}`,
        e.range,
        `the columns of ${printExpr(e.left)} must match the size of ${printExpr(e.right)}`,
      );
    }
    return vector(left.rows);
  };

  const inferElementwise = (e: A.BinaryExpr, ctx: Context): ValueType | undefined => {
    const inner = { ...ctx, onehotAllowed: false };
    const left = infer(e.left, inner);
    const right = infer(e.right, inner);
    if (!left || !right) return undefined;
    for (const [side, t] of [
      [e.left, left],
      [e.right, right],
    ] as const) {
      if (t.kind === "matrix")
        return report(
          "E201",
          `${printExpr(side)} is a matrix ${shapeText(t)}; a matrix can only be used on the left of '@'`,
          side.range,
          `did you mean ${printExpr(e.left)} @ ${printExpr(e.right)}?`,
        );
    }
    if (left.kind === "scalar") return right;
    if (right.kind === "scalar") return left;
    if (left.kind === "vector" && right.kind === "vector" && left.size.value !== right.size.value) {
      return report(
        "E201",
        `${printExpr(e)}: ${printExpr(e.left)} is ${shapeText(left)} but ${printExpr(e.right)} is ${shapeText(right)}`,
        e.range,
        `'${e.op}' is element-wise: both sides need the same size`,
      );
    }
    return left;
  };

  const inferConcat = (e: A.ConcatExpr, ctx: Context): ValueType | undefined => {
    const parts = e.parts.map((p) => infer(p, ctx));
    if (parts.some((p) => p === undefined)) return undefined;
    let value = 0;
    const symbols: string[] = [];
    let onehot = false;
    for (const [i, t] of parts.entries()) {
      if (t!.kind !== "vector")
        return report(
          "E201",
          `only vectors can be concatenated, but ${printExpr(e.parts[i]!)} is ${shapeText(t!)}`,
          e.parts[i]!.range,
        );
      value += t!.size.value;
      symbols.push(t!.size.symbol);
      onehot ||= t!.onehot;
    }
    return vector({ value, symbol: symbols.join(" + ") }, onehot);
  };

  /**
   * The names an expression reads, recorded as uses without checking it: for the arguments
   * of a call that is itself wrong, so they are not also reported as unused.
   */
  const recordUses = (e: A.Expr, usedBy: string): void => {
    for (const r of namesRead(e))
      if (decls.symbols.has(r.name.text)) uses.push({ name: r.name.text, range: r.name.range, usedBy, delay: r.delay });
  };

  const inferCall = (e: A.CallExpr, ctx: Context): ValueType | undefined => {
    const fn = e.callee.text;
    if (!isActivation(fn)) {
      for (const a of e.args) recordUses(a.value, ctx.usedBy);
      if (isLossFunction(fn))
        return report(
          "E104",
          `${fn} is a loss; losses are declared with 'loss ${fn}(prediction, target) at last|each'`,
          e.callee.range,
        );
      const guess = suggest(fn, Object.keys(builtinFunctions));
      return report(
        "E104",
        `unknown function '${fn}'`,
        e.callee.range,
        guess ? `did you mean '${guess}'?` : `functions are ${Object.keys(builtinFunctions).join(", ")}`,
      );
    }
    if (e.args.length !== 1 || e.args[0]!.name) {
      for (const a of e.args) recordUses(a.value, ctx.usedBy);
      return report("E105", `${fn} takes one argument, as in ${fn}(x)`, e.range);
    }
    const t = infer(e.args[0]!.value, { ...ctx, onehotAllowed: false });
    if (t?.kind === "matrix")
      return report("E201", `${fn} of a matrix: a matrix can only be used on the left of '@'`, e.args[0]!.range);
    if (t?.kind === "scalar" && builtinFunctions[fn].rowWise)
      return report("E201", `${fn} needs a vector, not a scalar`, e.args[0]!.range);
    return t;
  };

  for (const eq of equations) checkEquation(eq);
  return { types, quantitySizes, uses };
}

/** An operand of '@' as written beside it: `(x + b) @ ...`, not `x + b @ ...`. */
function printOperand(e: A.Expr): string {
  return e.kind === "binary" && (e.op === "+" || e.op === "-") ? `(${printExpr(e)})` : printExpr(e);
}

/** Every name an expression reads, with its delay (0 for a same-step read). */
function namesRead(e: A.Expr): { name: A.Name; delay: number }[] {
  const out: { name: A.Name; delay: number }[] = [];
  walkExpr(e, (x) => {
    if (x.kind === "ref") out.push({ name: x.name, delay: 0 });
    else if (x.kind === "delay") out.push({ name: x.name, delay: Math.max(0, -x.offset) });
  });
  return out;
}
