/**
 * Signature help inside the parentheses of a built-in function, a loss, a cell or an
 * initialiser: the signature, its documentation, and the argument being written (by
 * position, or by name for `size = H`, `reduce = sum`, `std = 0.01`).
 */
import {
  MarkupKind,
  type ParameterInformation,
  type SignatureHelp,
  type SignatureInformation,
} from "vscode-languageserver";
import { callOp, lossNamed } from "../ops/registry.js";
import type { Analysis } from "./analysis.js";
import { currentArgumentName, cursorContext } from "./context.js";
import {
  cellSignature,
  functionSignature,
  initialiserSignatures,
  isCellKindName,
  lossSignature,
  type SignatureSpec,
} from "./describe.js";

export function signatureHelp(analysis: Analysis, offset: number): SignatureHelp | null {
  const ctx = cursorContext(analysis.text, offset);
  if (ctx.inComment || !ctx.inModel) return null;
  // The innermost call around the cursor.
  for (let i = ctx.open.length - 1; i >= 0; i--) {
    const bracket = ctx.open[i]!;
    if (bracket.kind !== "(" || !bracket.callee) continue;
    const callee = bracket.callee;
    const calleeIndex = bracket.index - 1;
    let specs: SignatureSpec[] = [];
    const loss = lossNamed(callee);
    const fn = callOp(callee);
    if (ctx.keyword === "loss" && calleeIndex === 1 && loss) specs = [lossSignature(loss)];
    else if (ctx.keyword === "cell" && calleeIndex === ctx.equals + 1 && isCellKindName(callee))
      specs = [cellSignature(callee)];
    else if ((ctx.keyword === "param" || ctx.keyword === "state") && calleeIndex === ctx.equals + 1)
      specs = initialiserSignatures(callee);
    else if (fn) specs = [functionSignature(callee, fn)];
    if (specs.length === 0) return null;

    const named = currentArgumentName(ctx, bracket);
    // `normal(std)` or `normal(mean, std)`: the second when two positional arguments are written.
    const activeSignature = specs.length > 1 && bracket.commas >= 1 && !named ? 1 : 0;
    const spec = specs[activeSignature]!;
    const activeParameter = named
      ? spec.parameters.findIndex((p) => p.name === named)
      : Math.min(bracket.commas, spec.parameters.length - 1);
    return { signatures: specs.map(toSignature), activeSignature, activeParameter: Math.max(0, activeParameter) };
  }
  return null;
}

function toSignature(spec: SignatureSpec): SignatureInformation {
  // Parameter labels as offsets into the label, so `x` in `softmax(x)` is not found inside the name.
  const parameters: ParameterInformation[] = [];
  let from = spec.label.indexOf("(") + 1;
  for (const p of spec.parameters) {
    const start = spec.label.indexOf(p.label, from);
    const end = start + p.label.length;
    parameters.push({
      label: start >= 0 ? [start, end] : p.label,
      documentation: { kind: MarkupKind.Markdown, value: p.doc },
    });
    if (start >= 0) from = end;
  }
  return { label: spec.label, documentation: { kind: MarkupKind.Markdown, value: spec.doc }, parameters };
}
