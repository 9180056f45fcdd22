/**
 * The type of an expression: literals are scalars, names what they denote, and every
 * operator, call and concatenation is an op of the registry whose shape rule gives the
 * result from the operands' types (compiler/ops/shapes.ts).
 */
import type * as A from "../../grammar/ast.js";
import { walkExpr } from "../../grammar/walk.js";
import { printExpr } from "../format/print-expr.js";
import type { OpSpec } from "../ops/op.js";
import { callNames, callOp, callSignature, lossNamed, operatorOp, writtenOperandNames } from "../ops/registry.js";
import type { Application, Operand, ValueType } from "../ops/shapes.js";
import type { ReadContext, References, Report } from "./references.js";
import { readSettings } from "./settings.js";
import { suggest } from "./suggest.js";

/** The type of every number literal (types are never changed once made, so one object serves). */
const scalar: ValueType = { kind: "scalar" };

const numberWords = ["no arguments", "one argument", "two arguments", "three arguments"];

export class ExpressionTypes {
  readonly types = new Map<A.Expr, ValueType>();

  constructor(
    private readonly refs: References,
    private readonly report: Report,
  ) {}

  infer(e: A.Expr, ctx: ReadContext): ValueType | undefined {
    const t = this.inferUncached(e, ctx);
    if (t) this.types.set(e, t);
    return t;
  }

  private inferUncached(e: A.Expr, ctx: ReadContext): ValueType | undefined {
    switch (e.kind) {
      case "number":
        return scalar;
      case "error":
        return undefined;
      case "ref":
        return this.refs.refer(e.name, ctx, 0);
      case "delay":
        return this.refs.delay(e, ctx);
      case "neg":
        return this.apply(operatorOp("prefix", "-"), "-", "prefix", e, [e.operand], ctx);
      case "binary":
        return this.apply(operatorOp("binary", e.op), e.op, "binary", e, [e.left, e.right], ctx);
      case "concat":
        return this.apply(operatorOp("brackets"), "[]", "brackets", e, e.parts, ctx);
      case "call":
        return this.call(e, ctx);
    }
  }

  /** The op applied to typed operands: its shape rule decides the result. */
  private apply(
    spec: OpSpec,
    written: string,
    form: Application["form"],
    e: A.Expr,
    operandExprs: readonly A.Expr[],
    ctx: ReadContext,
    ranges: readonly A.Range[] = operandExprs.map((o) => o.range),
  ): ValueType | undefined {
    const types = operandExprs.map((o, k) =>
      this.infer(o, { usedBy: ctx.usedBy, onehotAllowed: spec.shape.onehotOperand(k, ctx.onehotAllowed) }),
    );
    if (types.some((t) => t === undefined)) return undefined;
    const operands: Operand[] = operandExprs.map((o, k) => new WrittenOperand(types[k]!, o, ranges[k]!));
    return spec.shape.infer(new WrittenApplication(written, form, e, operands, this.report));
  }

  /** `f(x)`: a function of the registry, called with as many positional arguments as it takes. */
  private call(e: A.CallExpr, ctx: ReadContext): ValueType | undefined {
    const fn = e.callee.text;
    const spec = callOp(fn);
    const unchecked = () =>
      this.refs.recordUses(
        e.args.flatMap((a) => namesRead(a.value)),
        ctx.usedBy,
      );
    if (!spec) {
      unchecked();
      if (lossNamed(fn))
        return this.report(
          "E104",
          `${fn} is a loss; losses are declared with 'loss ${fn}(prediction, target) at last|each'`,
          e.callee.range,
        );
      const guess = suggest(fn, callNames());
      return this.report(
        "E104",
        `unknown function '${fn}'`,
        e.callee.range,
        guess ? `did you mean '${guess}'?` : `functions are ${callNames().join(", ")}`,
      );
    }
    const positional = e.args.filter((a) => !a.name);
    const written = writtenOperandNames(spec);
    const arity = spec.arity === "any" ? positional.length : written.length;
    // Positional operands first; named arguments only for an op with settings.
    const named = e.args.findIndex((a) => a.name);
    if (positional.length !== arity || (named >= 0 && (!spec.settings || named < positional.length))) {
      unchecked();
      const count = numberWords[arity] ?? `${arity} arguments`;
      const what = spec.settings ? `${count} and its settings` : count;
      return this.report("E105", `${fn} takes ${what}, as in ${callSignature(fn, spec)}`, e.range);
    }
    const type = this.apply(
      spec,
      fn,
      "call",
      e,
      positional.map((a) => a.value),
      ctx,
      positional.map((a) => a.range),
    );
    if (spec.settings && !readSettings(fn, spec, e, this.report)) return undefined;
    return type;
  }
}

/**
 * An operand for a shape rule. Its text is only read by an error message, so it is printed
 * then: printing every operand of every equation was a tenth of the checker's time.
 */
class WrittenOperand implements Operand {
  constructor(
    readonly type: ValueType,
    private readonly expr: A.Expr,
    readonly range: A.Range,
  ) {}

  get text(): string {
    return printExpr(this.expr);
  }

  /** As written beside an operator: `(x + b) @ ...`, not `x + b @ ...`. */
  get grouped(): string {
    const e = this.expr;
    return e.kind === "binary" && (e.op === "+" || e.op === "-") ? `(${printExpr(e)})` : printExpr(e);
  }
}

/** An application for a shape rule; its text, too, is printed when a message asks for it. */
class WrittenApplication implements Application {
  readonly range: A.Range;

  constructor(
    readonly written: string,
    readonly form: Application["form"],
    private readonly expr: A.Expr,
    readonly operands: Operand[],
    readonly report: Report,
  ) {
    this.range = expr.range;
  }

  get text(): string {
    return printExpr(this.expr);
  }
}

/** Every name an expression reads, with its delay (0 for a same-step read). */
function namesRead(e: A.Expr): { name: A.Name; delay: number }[] {
  const out: { name: A.Name; delay: number }[] = [];
  walkExpr(e, (x) => {
    if (x.kind === "ref") out.push({ name: x.name, delay: 0 });
    else if (x.kind === "delay") out.push({ name: x.name, delay: Number.isInteger(x.offset) ? -x.offset : 0 });
  });
  return out;
}
