/**
 * `loss FN(prediction, target, reduce = mean|sum) at last|each`: the function exists, the
 * prediction is a quantity, the target a declared target of the kind the loss scores, and
 * their sizes agree. Notes when the loss can be fused with the activation that defines the
 * prediction (softmax with cross_entropy, sigmoid with binary_cross_entropy).
 */
import type * as A from "../../grammar/ast.js";
import { error, warning, type Diagnostic } from "../../grammar/diagnostic.js";
import type { ErrorCode } from "../../grammar/diagnostic-codes.js";
import { printExpr } from "../format/print-expr.js";
import type { Declarations } from "./declarations.js";
import type { LossInfo, NameUse, Size } from "./model.js";
import type { Reduction } from "../ops/op.js";
import { callOp, lossForm, lossNamed, lossNames, reductions } from "../ops/registry.js";
import { sizesText } from "../ops/shapes.js";
import { suggest } from "./suggest.js";

export function checkLoss(
  loss: A.LossDecl,
  decls: Declarations,
  quantitySizes: Map<string, Size>,
  uses: NameUse[],
  diagnostics: Diagnostic[],
): LossInfo | undefined {
  const fail = (code: ErrorCode, message: string, range: A.Range, hint?: string) => {
    diagnostics.push(error(code, message, range, hint ? { hint } : {}));
    return undefined;
  };
  // The names the loss reads count as used even when the loss is wrong, so a mistake in it
  // is not also reported as an unused target.
  for (const a of loss.args)
    if (!a.name && a.value.kind === "ref")
      uses.push({ name: a.value.name.text, range: a.value.name.range, usedBy: "loss", delay: 0 });
  const fn = loss.fn.text;
  const spec = lossNamed(fn);
  if (!spec) {
    const guess = suggest(fn, lossNames());
    return fail(
      "E501",
      `unknown loss '${fn}'`,
      loss.fn.range,
      guess ? `did you mean '${guess}'?` : `losses are ${lossNames().join(", ")}`,
    );
  }
  let at: LossInfo["at"];
  if (loss.when.text === "last" || loss.when.text === "each") at = loss.when.text;
  else
    return fail(
      "E503",
      `a loss is scored 'at last' (the last step of each sequence) or 'at each' step, not 'at ${loss.when.text}'`,
      loss.when.range,
    );

  const positional = loss.args.filter((a) => !a.name);
  let reduce: Reduction = "mean";
  for (const a of loss.args.filter((x) => x.name)) {
    if (a.name!.text !== "reduce")
      return fail(
        "E501",
        `${fn} has no argument '${a.name!.text}'`,
        a.name!.range,
        "a loss takes (prediction, target, reduce = mean|sum)",
      );
    const value = a.value.kind === "ref" ? a.value.name.text : printExpr(a.value);
    if (!(reductions as readonly string[]).includes(value))
      return fail("E501", `reduce is 'mean' or 'sum', not '${value}'`, a.value.range);
    reduce = value as Reduction;
  }
  if (positional.length !== 2)
    return fail("E501", `${fn} takes a prediction and a target, as in ${fn}(o, y)`, loss.range);
  const [predArg, targetArg] = positional as [A.Argument, A.Argument];
  if (predArg.value.kind !== "ref")
    return fail(
      "E501",
      `the prediction must be the name of a quantity, not ${printExpr(predArg.value)}`,
      predArg.range,
      "define it first: o = softmax(V @ h + c)",
    );
  if (targetArg.value.kind !== "ref")
    return fail(
      "E502",
      `the target must be the name of a declared target, not ${printExpr(targetArg.value)}`,
      targetArg.range,
    );
  const pred = predArg.value.name;
  const tgt = targetArg.value.name;

  const equation = decls.equations.get(pred.text);
  if (!equation) {
    const guess = decls.suggest("quantity", pred.text);
    const what = decls.symbols.get(pred.text);
    return fail(
      what ? "E501" : "E101",
      what
        ? `the prediction '${pred.text}' must be a quantity computed by an equation`
        : `'${pred.text}' is not defined`,
      pred.range,
      guess ? `did you mean '${guess}'?` : undefined,
    );
  }
  const target = decls.targets.get(tgt.text);
  // A target whose declaration is wrong has been reported there.
  if (!target && decls.symbols.get(tgt.text)?.kind === "target") return undefined;
  if (!target) {
    const guess = decls.suggest("target", tgt.text);
    return fail(
      decls.symbols.has(tgt.text) ? "E502" : "E101",
      decls.symbols.has(tgt.text) ? `'${tgt.text}' is not a target` : `'${tgt.text}' is not defined`,
      tgt.range,
      guess ? `did you mean '${guess}'?` : "declare it: target y : class[K]",
    );
  }
  const expected = spec.target;
  if (target.kind !== expected) {
    const alternative = target.kind === "class" ? "cross_entropy" : "mse or binary_cross_entropy";
    return fail(
      "E502",
      `${fn} scores a ${expected === "class" ? "class target (class[K])" : "real target ([K])"}, but '${tgt.text}' is ${target.kind === "class" ? "class" : "a real vector "}${sizesText([target.size])}`,
      tgt.range,
      `use ${alternative} for '${tgt.text}'`,
    );
  }
  const predSize = quantitySizes.get(pred.text);
  if (predSize && predSize.value !== target.size.value) {
    const what = target.kind === "class" ? `${target.size.value} classes` : `size ${sizesText([target.size])}`;
    return fail(
      "E502",
      `${fn}(${pred.text}, ${tgt.text}): '${pred.text}' is ${sizesText([predSize])} but '${tgt.text}' has ${what}`,
      loss.range,
    );
  }

  const definedBy = equation.value.kind === "call" ? callOp(equation.value.callee.text)?.name : undefined;
  const fusedWith = lossForm(spec, definedBy).fusedWith;
  if (fn === "cross_entropy" && !fusedWith) {
    diagnostics.push(
      warning(
        "W003",
        `'${pred.text}' is not defined by softmax: cross_entropy is computed as −log ${pred.text}[y], which needs ${pred.text} to be probabilities`,
        pred.range,
        { hint: `define ${pred.text} = softmax(...) to get the fused, stable form` },
      ),
    );
  }
  return { fn, prediction: pred.text, target: tgt.text, at, reduce, ...(fusedWith ? { fusedWith } : {}), decl: loss };
}

/**
 * A target an equation reads at an earlier step (`y[t-1]`, teacher forcing) has a value at
 * every step only when a loss scores it at each step.
 */
export function checkPreviousTargets(
  decls: Declarations,
  uses: readonly NameUse[],
  losses: readonly LossInfo[],
  diagnostics: Diagnostic[],
): void {
  for (const u of uses) {
    // The delay first: most reads are at the same step, and need no look-up.
    if (u.delay <= 0 || u.usedBy === "loss" || !decls.targets.has(u.name)) continue;
    if (losses.some((l) => l.target === u.name && l.at === "each")) continue;
    diagnostics.push(
      error(
        "E103",
        `'${u.name}' is read at an earlier step, but no loss scores it at each step: it has no value per step`,
        u.range,
        { hint: `score it at each step, as in loss cross_entropy(o, ${u.name}) at each` },
      ),
    );
  }
}
