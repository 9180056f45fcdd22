/**
 * The front end as one call: text → AST → canonical AST (the lecture's notation read as
 * the syntax it stands for) → expanded AST → checked model, with every
 * diagnostic found on the way. The CLI and the language server both start here.
 */
import type { ModelDecl, Range, RnnFile } from "../grammar/ast.js";
import type { LineTable } from "../grammar/source-range.js";
import { parse } from "../grammar/parse.js";
import { canonicalNotation } from "../grammar/notation.js";
import { checkModelFacts, type CheckContext } from "./check/check.js";
import type { DimOverrides } from "./check/dims.js";
import type { CheckedModel, ModelFacts } from "./check/model.js";
import { error, fileStart, sortDiagnostics, type Diagnostic } from "../grammar/diagnostic.js";
import { expandCells, type CellExpansion } from "./expand/expand.js";

export interface FrontEndResult {
  file: RnnFile;
  /** The model with cell shorthand replaced by core items, when the file has one model. */
  expanded?: ModelDecl;
  expansions: CellExpansion[];
  /** Present when there are no errors. */
  model?: CheckedModel;
  /** What the checker worked out about the (first) model, errors or not: for the language server. */
  facts?: ModelFacts;
  diagnostics: Diagnostic[];
}

export function analyze(text: string, overrides: DimOverrides = {}): FrontEndResult {
  return analyzeText(text, overrides, false).result;
}

/** The front end's result, with what the language server keeps to check an edit of one equation alone. */
export interface FrontEndRun {
  result: FrontEndResult;
  /** Every range object the result holds, each once (grammar/positions.ts); the language server moves them after an edit. */
  ranges: Range[];
  /** The line starts of the text, which every range shares; the language server replaces them after an edit. */
  lines: LineTable;
  /** What the check worked out on the way, when the model was checked. */
  check?: CheckContext;
}

export function analyzeForEditing(text: string, overrides: DimOverrides = {}): FrontEndRun {
  return analyzeText(text, overrides, true);
}

/** `forEditing`: list every range made (`FrontEndRun.ranges`, which only the language server reads). */
function analyzeText(text: string, overrides: DimOverrides, forEditing: boolean): FrontEndRun {
  const { file, diagnostics, incomplete, ranges = [], lines, notation } = parse(text, { listRanges: forEditing });
  const all = [...diagnostics];
  const run = (
    rest: Omit<FrontEndResult, "file" | "diagnostics" | "expansions"> & { expansions?: CellExpansion[] },
    check?: CheckContext,
  ): FrontEndRun => ({
    result: { file, expansions: [], ...rest, diagnostics: finishDiagnostics(all) },
    ranges,
    lines,
    ...(check ? { check } : {}),
  });

  // The parser gave up on the file: what it did not read would only give errors of its own.
  if (incomplete) return run({});
  if (file.models.length === 0) {
    if (diagnostics.length === 0)
      all.push(
        error("E010", "the file declares no model", fileStart, { hint: "a file holds one model: model Name { ... }" }),
      );
    return run({});
  }
  for (const extra of file.models.slice(1)) {
    all.push(
      error("E010", `a file holds one model, but '${extra.name.text}' is a second one`, extra.name.range, {
        related: [{ message: "the first model", range: file.models[0]!.name.range }],
      }),
    );
  }
  const canonical = notation ? canonicalNotation(file.models[0]!, all) : file.models[0]!;
  const { model: expanded, expansions, diagnostics: expandDiagnostics } = expandCells(canonical);
  all.push(...expandDiagnostics);
  const { model, facts, context } = checkModelFacts(expanded, expansions, overrides, all);
  const clean = !all.some((d) => d.severity === "error");
  return run({ expanded, expansions, facts, ...(clean && model ? { model } : {}) }, context);
}

/** Diagnostics as the front end gives them: in source order, each said once. */
export function finishDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return withoutRepeats(sortDiagnostics(diagnostics));
}

/**
 * The items a cell expands to all point at the cell's line, so one mistake in it (a size
 * written with an unknown dim) would be found once per generated parameter: say it once.
 */
function withoutRepeats(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code} ${d.range.startOffset} ${d.range.endOffset} ${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
