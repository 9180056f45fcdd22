/**
 * Attention's axes. An equation of one sequence that reads a quantity of another at its every
 * step, `e[s]`, has a value at each step `s` of it, at each of its own steps: it runs over `s`
 * too, and so does whatever reads it at the same step, until a reduction over the steps of `s`
 * (`sum(a, over = s, mask = x)`) gives one value per own step again; `softmax(a, over = s,
 * mask = x)` keeps the axis (a weight per step). What has such an axis may not be a state (one
 * value per step carried to the next) nor scored by a loss; a reduction runs over another
 * sequence's steps, of something that has them (E306). The types of the reductions and their
 * masks (E307, E308) are checked with the expressions (expressions.ts).
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { printExpr } from "../format/print-expr.js";
import type { Declarations } from "./declarations.js";
import type { LossInfo } from "./model.js";
import type { SequenceOf } from "./sequences.js";

/** The axis of each quantity that has one: the step variable of the other sequence it runs over too. */
export type Axes = ReadonlyMap<string, string>;

/**
 * `equations` in an order where each comes after those it reads at the same step; `typed`, the
 * expressions whose types checked.
 */
export function checkAttention(
  equations: readonly A.Equation[],
  decls: Declarations,
  sequenceOf: SequenceOf,
  losses: readonly LossInfo[],
  typed: ReadonlyMap<A.Expr, unknown>,
  diagnostics: Diagnostic[],
): Axes {
  const axes = new Map<string, string>();
  const axisOf = new AxisOf(axes, decls, sequenceOf, typed, diagnostics);
  for (const eq of equations) {
    const reader = eq.name.text;
    const axis = axisOf.of(eq.value, reader, sequenceOf.get(reader));
    if (axis === undefined) continue;
    axes.set(reader, axis);
    if (decls.states.has(reader))
      diagnostics.push(
        error(
          "E306",
          `state '${reader}' would have a value at every step of sequence ${axis}: a state holds one value per step`,
          eq.value.range,
          { hint: reduceHint(axis) },
        ),
      );
  }
  for (const loss of losses) {
    const axis = axes.get(loss.prediction);
    if (axis === undefined) continue;
    const prediction = loss.decl.args.find((a) => !a.name) ?? loss.decl.args[0]!;
    diagnostics.push(
      error(
        "E306",
        `'${loss.prediction}' has a value at every step of sequence ${axis}: a loss scores one prediction per step`,
        prediction.range,
        { hint: reduceHint(axis) },
      ),
    );
  }
  return axes;
}

const reduceHint = (axis: string) =>
  `reduce it over the steps first, as in c = sum(α * e[${axis}], over = ${axis}, mask = x), and read c`;

/**
 * The axis of an expression of an equation, reporting where axes go wrong. One serves the
 * equations one after the other (`of` says whose): a model may have thousands.
 */
class AxisOf {
  /** The equation whose expression is walked, and its sequence. */
  private reader = "";
  private own: string | undefined;

  constructor(
    private readonly axes: Axes,
    private readonly decls: Declarations,
    private readonly sequenceOf: SequenceOf,
    private readonly typed: ReadonlyMap<A.Expr, unknown>,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /** The axis of the value of equation `reader`, of sequence `own`. */
  of(e: A.Expr, reader: string, own: string | undefined): string | undefined {
    this.reader = reader;
    this.own = own;
    return this.axis(e);
  }

  private axis(e: A.Expr): string | undefined {
    switch (e.kind) {
      case "number":
      case "error":
      case "delay":
        return undefined;
      case "ref":
        return this.ref(e);
      case "neg":
        return this.axis(e.operand);
      case "binary":
        return this.joined(e, [e.left, e.right]);
      case "concat":
        return this.joined(e, e.parts);
      case "call": {
        // One pass over the arguments: the positional ones are the operands, `over` makes it a reduction.
        let over: A.Expr | undefined;
        const operands: A.Expr[] = [];
        for (const a of e.args)
          if (!a.name) operands.push(a.value);
          else if (a.name.text === "over" && over === undefined) over = a.value;
        return over ? this.reduction(e, over, operands[0]!) : this.joined(e, operands);
      }
    }
  }

  private ref(e: A.RefExpr): string | undefined {
    const name = e.name.text;
    const at = e.at?.text;
    // Most models have no axis at all: no look-up for every name they read.
    if (at === undefined || at === this.own || this.sequenceOf.get(name) !== at)
      return this.axes.size === 0 ? undefined : this.axes.get(name);
    if (this.decls.inputs.has(name)) {
      this.report(
        "E304",
        `'${name}' is an input of sequence ${at}: attention reads a quantity of ${at} at its every step`,
        e.range,
        `read it through a quantity of sequence ${at}, as in k = Emb @ ${name}, then k[${at}]`,
      );
      return undefined;
    }
    return at;
  }

  /** Operands read at the same step: one axis between them (none counts as any). */
  private joined(e: A.Expr, operands: readonly A.Expr[]): string | undefined {
    let axis: string | undefined;
    for (const o of operands) {
      const a = this.axis(o);
      if (a === undefined) continue;
      if (axis !== undefined && a !== axis) {
        this.report(
          "E306",
          `${printExpr(e)} mixes the steps of sequence ${axis} with those of sequence ${a}`,
          o.range,
          `reduce one of them over its steps first`,
        );
        return undefined;
      }
      axis = a;
    }
    return axis;
  }

  private reduction(e: A.CallExpr, over: A.Expr, operand: A.Expr): string | undefined {
    const has = this.axis(operand);
    // What the expressions' check refused (expressions.ts) is reported there.
    if (!this.typed.has(e) || over.kind !== "ref") return undefined;
    const axis = over.name.text;
    if (axis === this.own) {
      this.report(
        "E306",
        `over = ${axis}: '${this.reader}' runs over sequence ${axis} itself; a reduction runs over the steps of another sequence`,
        over.range,
        `attention reads another sequence at its every step, as in e[s], and reduces over it: over = s`,
      );
      return undefined;
    }
    if (has !== axis) {
      this.report(
        "E306",
        has === undefined
          ? `${printExpr(operand)} has no value per step ${axis}: there is nothing to reduce over ${axis}`
          : `${printExpr(operand)} has a value per step of sequence ${has}, not ${axis}`,
        has === undefined ? over.range : operand.range,
        has === undefined
          ? `read every step of a quantity of sequence ${axis}, as in e[${axis}], or a score of them`
          : `reduce over its own steps: over = ${has}`,
      );
      return undefined;
    }
    return e.callee.text === "softmax" ? axis : undefined;
  }

  private report(code: "E304" | "E306", message: string, range: A.Range, hint: string): void {
    this.diagnostics.push(error(code, message, range, { hint }));
  }
}
