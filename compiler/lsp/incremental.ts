/**
 * An edit inside one equation's value, analysed from the analysis before it instead of from
 * scratch: the equation is read again alone (`parseItem`), put in place of the old one in
 * the previous AST, every position after it moved by what the edit added or removed, and
 * the equation checked again alone (`recheckEquation`). An edit between two items that
 * leaves only white space and comments there changes only the comments and the positions
 * after it. On a large model that is the difference between reading every line at every
 * keystroke and reading one.
 *
 * Anything else (an edit across items, of a declaration, of an equation's name, in a file
 * with syntax errors, an edit that changes what other equations see) returns undefined, and
 * the caller analyses the whole text. The result is the one a whole analysis gives
 * (tests/reliability/lsp-incremental.test.ts compares them after thousands of random edits).
 *
 * The previous analysis's objects are reused and changed in place: after this is called,
 * whatever it returns, the previous analysis must not be used again.
 */
import type * as A from "../../grammar/ast.js";
import { syntaxErrorCodes } from "../../grammar/diagnostic-codes.js";
import { canonicalItem, stepVariables } from "../../grammar/notation.js";
import { around, parseGap, parseItem } from "../../grammar/parse.js";
import { checkedModel } from "../check/check.js";
import { recheckEquation } from "../check/recheck.js";
import { isLastStep } from "../check/inits.js";
import { walkExpr } from "../../grammar/walk.js";
import { finishDiagnostics, type FrontEndResult, type FrontEndRun } from "../frontend.js";
import type { ChangedSpan, LineIndex } from "./text.js";
import { rangeAt } from "../../grammar/source-range.js";

/** The text before and after an edit, with their line indexes and where they differ. */
export interface EditedText {
  before: string;
  beforeLines: LineIndex;
  after: string;
  afterLines: LineIndex;
  change: ChangedSpan;
}

/** The codes of the unused-name warnings, which an edit of one equation can add or remove anywhere. */
const unusedCodes: ReadonlySet<string> = new Set(["W001", "W002", "W004"]);
/** The code of a recurrence that would run both ways (compiler/check/directions.ts), which any read can change. */
const directionsCode = "E303";

/** The analysis of the edited text, and the equation the edit was in (as the source AST has it), if any. */
export interface EditedRun {
  run: FrontEndRun;
  equation?: A.Equation;
}

export function analyseEdit(previous: FrontEndRun, text: EditedText): EditedRun | undefined {
  const { result, check } = previous;
  const model = result.file.models[0];
  if (!check || !result.facts || !result.expanded || !model || result.file.models.length !== 1) return undefined;
  if (result.diagnostics.some((d) => syntaxErrorCodes.has(d.code))) return undefined;
  // Which sequence each quantity runs over is inferred for the whole model: a model of several is analysed whole.
  if (stepVariables(model).size > 1) return undefined;
  const { change } = text;
  const near = around(model.items, change.start);
  const item = near.at(-1);
  if (!item) return undefined;
  if (
    item.kind === "equation" &&
    item.value.range.startOffset <= change.start &&
    change.oldEnd <= item.value.range.endOffset
  )
    return equationEdit(previous, text, item);
  // The gap the edit is in: after the item, or before it when the edit only adds text where it starts.
  const left =
    item.range.endOffset <= change.start ? item : change.oldEnd <= item.range.startOffset ? near.at(-2) : undefined;
  const right = left && model.items[model.items.indexOf(left) + 1];
  if (left && right && change.oldEnd <= right.range.startOffset) return gapEdit(previous, text, left, right);
  return undefined;
}

/** An edit inside an equation's value: the equation read and checked again alone. */
function equationEdit(previous: FrontEndRun, text: EditedText, edited: A.Equation): EditedRun | undefined {
  const { result } = previous;
  const check = previous.check!;
  const valueStart = edited.value.range.startOffset;
  const valueEnd = edited.value.range.endOffset;
  if (!separated(text.before, edited.range.endOffset)) return undefined;

  const delta = text.after.length - text.before.length;
  const itemText = text.after.slice(edited.range.startOffset, edited.range.endOffset + delta);
  const parsed = parseItem(itemText, edited.range.startOffset, previous.lines);
  const replacement = parsed?.item;
  if (replacement?.kind !== "equation" || !sameLeftSide(edited, replacement)) return undefined;
  const checked = check.decls.equations.get(edited.name.text);
  if (!checked || !(checked === edited || (checked.range === edited.range && checked.name === edited.name)))
    return undefined;
  const canonical = canonicalItem(replacement, []) as A.Equation;
  if ((checked === edited) !== (canonical === replacement)) return undefined;
  if (readsAcrossSteps(checked.value, check) || readsAcrossSteps(canonical.value, check)) return undefined;

  // From here the previous analysis is changed in place.
  const kept = result.diagnostics.filter((d) => d.range.startOffset < valueStart || d.range.startOffset > valueEnd);
  const itemEnd = edited.range.endOffset;
  result.file.comments = withComments(result.file.comments, parsed!.comments, valueStart, itemEnd);
  const range = rangeAt(edited.range, edited.range.startOffset, replacement.range.endOffset);
  const added = [...parsed!.ranges.filter((r) => r.startOffset >= valueStart), range];
  // A range ending where the value starts stays listed: a comment just before it may end there.
  const ranges = moveRanges(previous, added, text, valueStart + 1, itemEnd);
  const previousValue = checked.value;
  edited.value = replacement.value;
  edited.range = range;
  checked.value = canonical.value;
  checked.range = range;

  const recheck = recheckEquation(check, result.facts!, checked, previousValue);
  if (!recheck) return undefined;
  // The model-wide diagnostics the recheck made again replace their previous versions.
  const others = kept.filter((d) => d.code !== directionsCode && !(recheck.unused && unusedCodes.has(d.code)));
  const diagnostics = finishDiagnostics([
    ...others,
    ...recheck.diagnostics,
    ...recheck.directions,
    ...(recheck.unused ?? []),
  ]);
  const clean = !diagnostics.some((d) => d.severity === "error");
  const { model: _checked, diagnostics: _previous, ...rest } = result;
  const next: FrontEndResult = {
    ...rest,
    // The order of the quantities is the same: the edit changed no same-step read.
    ...(clean ? { model: result.model ?? checkedModel(result.facts!, check) } : {}),
    diagnostics,
  };
  return { run: { result: next, ranges, lines: previous.lines, check }, equation: edited };
}

/**
 * Reads whose rules look beyond the equation, which the recheck does not follow: a target at
 * another step (teacher forcing's y[t-1], checked against the losses) and a read at [last].
 */
function readsAcrossSteps(value: A.Expr, check: NonNullable<FrontEndRun["check"]>): boolean {
  let found = false;
  walkExpr(value, (e) => {
    if (e.kind === "delay" && (check.decls.targets.has(e.name.text) || isLastStep(e))) found = true;
  });
  return found;
}

/**
 * An edit between two items that leaves only white space and comments there (a comment
 * written, a line added): nothing but the comments and the positions after it change.
 */
function gapEdit(previous: FrontEndRun, text: EditedText, before: A.Item, after: A.Item): EditedRun | undefined {
  const gapStart = before.range.endOffset;
  const gapEnd = after.range.startOffset;
  // Items that touch share the position where one ends and the other starts: it could not both stay and move.
  if (gapStart === gapEnd) return undefined;
  const gap = text.after.slice(gapStart, gapEnd + text.after.length - text.before.length);
  // White space on both sides, so no token of either item runs on into the gap.
  if (!/^(\s|\/[/*])/.test(gap) || !/\s$/.test(gap)) return undefined;
  const parsed = parseGap(gap, before.range.endOffset, previous.lines);
  if (!parsed) return undefined;
  const { result } = previous;
  result.file.comments = withComments(result.file.comments, parsed.comments, gapStart, gapEnd);
  const ranges = moveRanges(previous, parsed.ranges, text, gapStart + 1, gapEnd - 1);
  return { run: { result: { ...result }, ranges, lines: previous.lines, check: previous.check! } };
}

/**
 * Whether the item ending at `end` is followed by white space or the end of the text, so
 * that no token of it can run on into what follows (an item is read alone up to there).
 */
function separated(text: string, end: number): boolean {
  return end >= text.length || /\s/.test(text[end]!);
}

/** The same name, `gate` and `[t]` on the left of `=`: the edit stayed on the right. */
function sameLeftSide(a: A.Equation, b: A.Equation): boolean {
  return (
    a.name.text === b.name.text &&
    a.name.range.endOffset === b.name.range.endOffset &&
    a.gate === b.gate &&
    a.indexed?.step.text === b.indexed?.step.text &&
    a.indexed?.amountText === b.indexed?.amountText &&
    a.indexed?.offset === b.indexed?.offset
  );
}

/**
 * The range objects of the edited analysis, in the list of the previous one: those ending
 * before `from` as they were; those ending from `from` to `to` dropped (what held them was
 * replaced); the offsets after `to` moved, in place, so every node, use and diagnostic
 * holding the ranges moves too; and `added`, those of what replaced them. The line table
 * the ranges share gets the edited text's lines, so their lines and columns follow. The
 * list is changed in place: it is long, and a new one at every keystroke was most of an
 * edit's time.
 */
function moveRanges(
  previous: FrontEndRun,
  added: readonly A.Range[],
  text: EditedText,
  from: number,
  to: number,
): A.Range[] {
  const ranges = previous.ranges;
  const delta = text.after.length - text.before.length;
  let kept = 0;
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (r.endOffset >= from && r.endOffset <= to) continue;
    if (r.startOffset > to) r.startOffset += delta;
    if (r.endOffset > to) r.endOffset += delta;
    ranges[kept++] = r;
  }
  ranges.length = kept;
  for (const r of added) ranges.push(r);
  previous.lines.replace(text.afterLines.lineStarts);
  return ranges;
}

/** The comments with those from `from` to `to` replaced by `fresh`. */
function withComments(comments: A.Comment[], fresh: A.Comment[], from: number, to: number): A.Comment[] {
  let first = comments.findIndex((c) => c.range.startOffset >= from);
  if (first < 0) first = comments.length;
  let end = first;
  while (end < comments.length && comments[end]!.range.startOffset <= to) end++;
  return [...comments.slice(0, first), ...fresh.filter((c) => c.range.startOffset >= from), ...comments.slice(end)];
}
