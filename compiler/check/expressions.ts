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
import { stepReductions } from "../ops/steps.js";
import { shapeText, type Application, type Operand, type ValueType } from "../ops/shapes.js";
import { plainRead, type ReadContext, type References, type Report } from "./references.js";
import { readSettings } from "./settings.js";
import { suggest } from "./suggest.js";
import { ExprTypes } from "./expr-types.js";

/** The type of every number literal (types are never changed once made, so one object serves). */
const scalar: ValueType = { kind: "scalar" };

const numberWords = ["no arguments", "one argument", "two arguments", "three arguments"];

export class ExpressionTypes {
  readonly types = new ExprTypes();
  /** Whether a reduction over the steps of a sequence was met (`sum(a, over = s, mask = x)`). */
  reducesOverSteps = false;

  constructor(
    private readonly refs: References,
    private readonly report: Report,
  ) {}

  infer(e: A.Expr, ctx: ReadContext): ValueType | undefined {
    const t = this.inferUncached(e, ctx);
    if (t) this.types.record(e, t);
    return t;
  }

  private inferUncached(e: A.Expr, ctx: ReadContext): ValueType | undefined {
    switch (e.kind) {
      case "number":
        return scalar;
      case "error":
        return undefined;
      case "ref":
        return this.refs.refer(e.name, ctx, 0, e.at ? { at: e.at.text } : plainRead);
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

  /**
   * The op applied to typed operands: its shape rule decides the result. Every operand is
   * inferred (and its names recorded) before any missing type stops it. The operands are
   * expressions, or a call's positional arguments (`form` "call"), which stand where the
   * argument is written.
   */
  private apply(
    spec: OpSpec,
    written: string,
    form: Application["form"],
    e: A.Expr,
    operandsWritten: readonly A.Expr[] | readonly A.Argument[],
    ctx: ReadContext,
  ): ValueType | undefined {
    // Loops, not map and some: this runs at every operator of every equation.
    const operands: Operand[] = [];
    let typed = true;
    for (let k = 0; k < operandsWritten.length; k++) {
      const w = operandsWritten[k]!;
      const o = form === "call" ? (w as A.Argument).value : (w as A.Expr);
      const t = this.infer(o, operandContext(ctx, spec.shape.onehotOperand(k, ctx.onehotAllowed)));
      if (t === undefined) typed = false;
      else if (typed) operands.push(new WrittenOperand(t, o, w.range));
    }
    if (!typed) return undefined;
    const application = new WrittenApplication(written, form, e, operands, this.report);
    if (form === "call" && !stepScoresFit(application, ctx)) return undefined;
    return spec.shape.infer(application);
  }

  /** `f(x)`: a function of the registry, called with as many positional arguments as it takes. */
  private call(e: A.CallExpr, ctx: ReadContext): ValueType | undefined {
    const fn = e.callee.text;
    // One pass over the arguments, the first named one noted: most calls have none.
    let named = -1;
    for (let k = 0; k < e.args.length; k++) {
      const name = e.args[k]!.name;
      if (!name) continue;
      if (stepReductionArguments.includes(name.text)) return this.overSteps(e, ctx);
      if (named < 0) named = k;
    }
    const spec = callOp(fn);
    if (!spec) {
      this.unchecked(e.args, ctx);
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
    const positional = named < 0 ? e.args : e.args.filter((a) => !a.name);
    const written = writtenOperandNames(spec);
    const arity = spec.arity === "any" ? positional.length : written.length;
    // Positional operands first; named arguments only for an op with settings.
    if (positional.length !== arity || (named >= 0 && (!spec.settings || named < positional.length))) {
      this.unchecked(e.args, ctx);
      const count = numberWords[arity] ?? `${arity} arguments`;
      const what = spec.settings ? `${count} and its settings` : count;
      return this.report("E105", `${fn} takes ${what}, as in ${callSignature(fn, spec)}`, e.range);
    }
    const type = this.apply(spec, fn, "call", e, positional, ctx);
    if (spec.settings && !readSettings(fn, spec, e, this.report)) return undefined;
    return type;
  }

  /**
   * `softmax(a, over = s, mask = x)`, `sum(a, over = s, mask = x)`: a reduction over the steps of
   * sequence `s`, leaving out the padding of its input `x`. Which axis `a` varies over is the
   * attention check's (attention.ts); here, what is written and the types.
   */
  private overSteps(e: A.CallExpr, ctx: ReadContext): ValueType | undefined {
    this.reducesOverSteps = true;
    const fn = e.callee.text;
    const over = e.args.find((a) => a.name?.text === "over");
    const mask = e.args.find((a) => a.name?.text === "mask");
    const positional = e.args.filter((a) => !a.name);
    const unchecked = () => this.unchecked(positional, ctx);
    const reduction = stepReductions[fn];
    const other = e.args.find((a) => a.name && !stepReductionArguments.includes(a.name.text));
    if (!reduction || positional.length !== 1 || other || e.args.indexOf(positional[0]!) !== 0) {
      unchecked();
      return this.report(
        reduction ? "E105" : "E106",
        reduction
          ? `${fn} over the steps takes one argument and its axis, as in ${fn}(a, over = s, mask = x)`
          : `${fn} does not reduce over the steps of a sequence: softmax and sum do`,
        reduction ? e.range : e.callee.range,
        `softmax(score, over = s, mask = x) weighs the steps of s; sum(α * e[s], over = s, mask = x) adds them`,
      );
    }
    const steps = this.refs.stepVariables();
    const axis = over?.value.kind === "ref" ? over.value.name.text : undefined;
    if (!over || axis === undefined || !steps.has(axis) || axis === "t") {
      unchecked();
      const others = [...steps].filter((v) => v !== "t");
      return this.report(
        "E306",
        over
          ? `over = ${printExpr(over.value)}: a reduction runs over the steps of another sequence, named by its step variable`
          : `${fn}(..., mask = ...) without its axis: a reduction over the steps names them, as in over = s`,
        over?.value.range ?? e.range,
        others.length > 0
          ? `this model's other sequences: ${others.map((v) => `over = ${v}`).join(", ")} (t is always the equation's own step)`
          : `a sequence of its own is declared with its inputs, as in input x[s] : onehot[V]`,
      );
    }
    if (!mask) {
      unchecked();
      return this.report(
        "E307",
        `${fn} over the steps of ${axis} without a mask: the padding of the shorter sequences of a batch would count`,
        e.range,
        `name the input of sequence ${axis} whose padding is left out: ${fn}(${printExpr(positional[0]!.value)}, over = ${axis}, mask = x)`,
      );
    }
    const input = mask.value.kind === "ref" ? this.refs.inputOf(mask.value.name.text) : undefined;
    if (!input || input.sequence !== axis) {
      unchecked();
      return this.report(
        "E307",
        `mask = ${printExpr(mask.value)}: the mask of a reduction over ${axis} is an input of sequence ${axis}, whose padding it leaves out`,
        mask.value.range,
      );
    }
    this.refs.refer((mask.value as A.RefExpr).name, operandContext(ctx, true), 0, { at: axis });
    const t = this.infer(positional[0]!.value, operandContext(ctx, false));
    if (!t) return undefined;
    if (t.kind === "matrix")
      return this.report(
        "E201",
        `${fn} over the steps of a matrix: it reduces vectors or scores`,
        positional[0]!.range,
      );
    if (reduction === "softmax_steps" && t.kind !== "scalar")
      return this.report(
        "E201",
        `softmax over the steps of ${axis} weighs one number per step, but ${printExpr(positional[0]!.value)} is ${shapeText(t)}`,
        positional[0]!.range,
        `score each step with one number, as in sum(d * e[${axis}])`,
      );
    return t.kind === "vector" && t.onehot
      ? this.report("E201", `a one-hot input can only be multiplied by a matrix`, positional[0]!.range)
      : t;
  }

  /** Records the names the arguments of a call that is itself wrong read, without checking them. */
  private unchecked(args: readonly A.Argument[], ctx: ReadContext): void {
    this.refs.recordUses(
      args.flatMap((a) => namesRead(a.value)),
      ctx.usedBy,
    );
  }
}

/** The context of an operand: its reader's, with whether a one-hot vector may stand there (the same object when that is unchanged, and one made once otherwise). */
function operandContext(ctx: ReadContext, onehotAllowed: boolean): ReadContext {
  if (onehotAllowed === ctx.onehotAllowed) return ctx;
  // Made once per equation and kept with it: the right of every `@` asks.
  return (ctx.flipped ??= { usedBy: ctx.usedBy, onehotAllowed, perStep: ctx.perStep, flipped: ctx });
}

/** The named arguments of a reduction over the steps. */
const stepReductionArguments: readonly string[] = ["over", "mask"];

/**
 * A score (one number at each step of another sequence) where it can be: `sum(v)` makes one
 * only in an equation that reads another sequence's steps, and a softmax of one normalises its
 * one component, which is E308: the steps were meant.
 */
function stepScoresFit(app: WrittenApplication, ctx: ReadContext): boolean {
  const operand = app.operands[0];
  if (!operand) return true;
  if (app.written === "sum" && !ctx.perStep) {
    app.report(
      "E201",
      `sum(${operand.text}) gives one number per step, which only a score of another sequence's steps may be`,
      app.range,
      `score every step of an encoder e, as in score = sum(d * e[s]); elsewhere a matrix of one row sums: W @ v with W : [1, n]`,
    );
    return false;
  }
  if (
    (app.written === "softmax" || app.written === "log_softmax") &&
    operand.type.kind === "scalar" &&
    namesRead((operand as WrittenOperand).expr).length > 0
  ) {
    app.report(
      "E308",
      `${app.written}(${operand.text}) normalises the feature axis of ${operand.text}, one number per step: every weight would be 1`,
      app.range,
      `the weights over another sequence's steps are softmax(${operand.text}, over = s, mask = x)`,
    );
    return false;
  }
  return true;
}

/**
 * An operand for a shape rule. Its text is only read by an error message, so it is printed
 * then: printing every operand of every equation was a tenth of the checker's time.
 */
class WrittenOperand implements Operand {
  constructor(
    readonly type: ValueType,
    readonly expr: A.Expr,
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

/** Every name an expression reads, with its delay (0 for a same-step read) and the step variable of `e[s]`. */
function namesRead(e: A.Expr): { name: A.Name; delay: number; at?: string }[] {
  const out: { name: A.Name; delay: number; at?: string }[] = [];
  walkExpr(e, (x) => {
    if (x.kind === "ref") out.push({ name: x.name, delay: 0, ...(x.at ? { at: x.at.text } : {}) });
    else if (x.kind === "delay") out.push({ name: x.name, delay: Number.isInteger(x.offset) ? -x.offset : 0 });
  });
  return out;
}
