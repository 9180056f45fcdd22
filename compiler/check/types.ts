/**
 * Shape inference over the equations: each equation's expression is typed (expressions.ts,
 * by the ops' shape rules), and its result must be a vector, not one-hot, of its state's
 * declared size when it defines a state.
 */
import type * as A from "../../grammar/ast.js";
import { error, type Diagnostic } from "../../grammar/diagnostic.js";
import { someExpr } from "../../grammar/walk.js";
import { printExpr } from "../format/print-expr.js";
import { shapeText, sizesText, type Size, type ValueType } from "../ops/shapes.js";
import type { Declarations } from "./declarations.js";
import { ExpressionTypes } from "./expressions.js";
import type { NameUse } from "./model.js";
import { References, type Report } from "./references.js";

export interface TypeResult {
  types: Map<A.Expr, ValueType>;
  /** Inferred size of each quantity, for those whose equation checked. */
  quantitySizes: Map<string, Size>;
  uses: NameUse[];
  /** Whether an equation reduces over the steps of a sequence (attention.ts checks the axes of those). */
  reducesOverSteps: boolean;
}

/** `equations` come in an order where each comes after those it reads at the same step (`stronglyConnected`). */
export function inferTypes(
  equations: readonly A.Equation[],
  decls: Declarations,
  diagnostics: Diagnostic[],
): TypeResult {
  const quantitySizes = new Map<string, Size>();
  const inference = new ShapeInference(decls, diagnostics, (name) => quantitySizes.get(name));
  for (const eq of equations) {
    const size = inference.equationSize(eq);
    if (size) quantitySizes.set(eq.name.text, size);
  }
  return { types: inference.types, quantitySizes, uses: inference.uses, reducesOverSteps: inference.reducesOverSteps };
}

/**
 * The inference of equations one at a time, given the sizes of the quantities checked before
 * each (`checkedSize`): `inferTypes` runs it over all of them, and the language server over
 * the one equation an edit changed (recheck.ts), which is why the sizes are asked, not kept.
 */
export class ShapeInference {
  private readonly expressions: ExpressionTypes;
  private readonly report: Report;
  readonly uses: NameUse[] = [];
  /** Whether the model declares several sequences (what `e[s]` can read across): asked at every equation, the same for all. */
  private severalSequences: boolean | undefined;

  constructor(
    private readonly decls: Declarations,
    diagnostics: Diagnostic[],
    checkedSize: (name: string) => Size | undefined,
  ) {
    this.report = (code, message, range, hint) => {
      diagnostics.push(error(code, message, range, hint ? { hint } : {}));
      return undefined;
    };
    const refs = new References(decls, this.uses, this.report, checkedSize);
    this.expressions = new ExpressionTypes(refs, this.report);
  }

  /** The type of every expression node inferred so far. */
  get types(): Map<A.Expr, ValueType> {
    return this.expressions.types;
  }

  /** Whether a reduction over the steps of a sequence was met so far. */
  get reducesOverSteps(): boolean {
    return this.expressions.reducesOverSteps;
  }

  /** The size an equation gives its quantity, or undefined when it does not check (reported). */
  equationSize(eq: A.Equation): Size | undefined {
    // The declarations first: a model of one sequence (most) is not walked for `e[s]` at every equation.
    this.severalSequences ??= severalSequences(this.decls);
    const perStep = this.severalSequences && readsEveryStep(eq.value);
    const t = this.expressions.infer(eq.value, { usedBy: eq.name.text, onehotAllowed: false, perStep });
    return t && equationSize(eq, t, this.decls, this.report);
  }
}

/** Whether an expression reads a quantity at a step written with another sequence's step variable (`e[s]`). */
const readsEveryStep = (e: A.Expr): boolean => someExpr(e, (x) => x.kind === "ref" && x.at !== undefined);

/** Whether the model declares several sequences (what `e[s]` can read across). */
function severalSequences(decls: Declarations): boolean {
  return new Set([...decls.inputs.values(), ...decls.targets.values()].map((d) => d.sequence)).size > 1;
}

/** One number at each step of another sequence: a score (attention). */
const perStepSize: Size = { value: 1, symbol: "1", perStep: true };

/** What an equation's value makes of its quantity: a vector, not one-hot, of its state's size when it is a state. */
function equationSize(eq: A.Equation, t: ValueType, decls: Declarations, report: Report): Size | undefined {
  const name = eq.name.text;
  if (t.kind === "scalar" && !isConstant(eq.value) && !decls.states.has(name)) return perStepSize;
  if (t.kind !== "vector")
    return report("E201", `'${name}' must be a vector, but its equation gives ${shapeText(t)}`, eq.value.range);
  if (t.onehot)
    return report(
      "E201",
      `'${name}' would be a one-hot input; one-hot inputs can only be multiplied by a matrix`,
      eq.value.range,
      `write ${name} = W @ ${printExpr(eq.value)}`,
    );
  const state = decls.states.get(name);
  if (state && state.size.value !== t.size.value)
    return report(
      "E201",
      `state '${name}' is declared ${sizesText([state.size])} but its equation gives ${sizesText([t.size])}`,
      eq.value.range,
    );
  return state ? state.size : t.size;
}

/** An expression of numbers alone: its scalar is a constant, not a score. */
const isConstant = (e: A.Expr): boolean =>
  !someExpr(e, (x) => x.kind === "ref" || x.kind === "delay" || x.kind === "error");
