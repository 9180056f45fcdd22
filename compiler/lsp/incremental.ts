/**
 * An edit inside one equation's value, analysed from the analysis before it instead of from
 * scratch: the equation is read again alone (`parseItem`), put in place of the old one in
 * the previous AST, every position after it moved by what the edit added or removed, and
 * the equation checked again alone (`recheckEquation`). On a large model that is the
 * difference between reading every line at every keystroke and reading one.
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
import { canonicalItem } from "../../grammar/notation.js";
import { around, parseItem, type ParsedItem } from "../../grammar/parse.js";
import { checkedModel } from "../check/check.js";
import { recheckEquation } from "../check/recheck.js";
import { finishDiagnostics, type FrontEndResult, type FrontEndRun } from "../frontend.js";
import type { ChangedSpan, LineIndex } from "./text.js";

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

/** The analysis of the edited text, and the equation the edit was in (as the source AST has it). */
export interface EditedRun {
  run: FrontEndRun;
  equation: A.Equation;
}

export function analyseEdit(previous: FrontEndRun, text: EditedText): EditedRun | undefined {
  const { result, check } = previous;
  const model = result.file.models[0];
  if (!check || !result.facts || !result.expanded || !model || result.file.models.length !== 1) return undefined;
  if (result.diagnostics.some((d) => syntaxErrorCodes.has(d.code))) return undefined;

  const { change } = text;
  const edited = around(model.items, change.start).at(-1);
  if (edited?.kind !== "equation") return undefined;
  const valueStart = edited.value.range.start.offset;
  const valueEnd = edited.value.range.end.offset;
  if (change.start < valueStart || change.oldEnd > valueEnd || !separated(text.before, edited.range.end.offset))
    return undefined;

  const delta = text.after.length - text.before.length;
  const itemText = text.after.slice(edited.range.start.offset, edited.range.end.offset + delta);
  const parsed = parseItem(itemText, edited.range.start);
  const replacement = parsed?.item;
  if (replacement?.kind !== "equation" || !sameLeftSide(edited, replacement)) return undefined;
  const checked = check.decls.equations.get(edited.name.text);
  if (!checked || !(checked === edited || (checked.range === edited.range && checked.name === edited.name)))
    return undefined;
  const canonical = canonicalItem(replacement, []) as A.Equation;
  if ((checked === edited) !== (canonical === replacement)) return undefined;

  // From here the previous analysis is changed in place.
  const kept = result.diagnostics.filter((d) => d.range.start.offset < valueStart || d.range.start.offset > valueEnd);
  result.file.comments = withComments(result.file.comments, parsed!.comments, valueStart, edited.range.end.offset);
  const positions = movePositions(previous.positions, parsed!, text, valueStart, edited.range.end.offset);
  const previousValue = checked.value;
  const range = { start: edited.range.start, end: replacement.range.end };
  edited.value = replacement.value;
  edited.range = range;
  checked.value = canonical.value;
  checked.range = range;

  const recheck = recheckEquation(check, result.facts, checked, previousValue);
  if (!recheck) return undefined;
  const others = recheck.unused ? kept.filter((d) => !unusedCodes.has(d.code)) : kept;
  const diagnostics = finishDiagnostics([...others, ...recheck.diagnostics, ...(recheck.unused ?? [])]);
  const clean = !diagnostics.some((d) => d.severity === "error");
  const { model: _checked, diagnostics: _previous, ...rest } = result;
  const next: FrontEndResult = {
    ...rest,
    // The order of the quantities is the same: the edit changed no same-step read.
    ...(clean
      ? { model: result.model ? { ...result.model, uses: result.facts.uses } : checkedModel(result.facts, check) }
      : {}),
    diagnostics,
  };
  return { run: { result: next, positions, check }, equation: edited };
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
    a.name.range.end.offset === b.name.range.end.offset &&
    a.gate === b.gate &&
    a.indexed?.step.text === b.indexed?.step.text &&
    a.indexed?.amountText === b.indexed?.amountText &&
    a.indexed?.offset === b.indexed?.offset
  );
}

/**
 * The position objects of the edited analysis, in the list of the previous one: those before
 * the edited value as they were; those of the old value dropped (nothing kept refers to
 * them); those after it moved, in place, so every node, use and diagnostic holding them
 * moves too; and the new value's added. The list is changed in place: it is long, and a new
 * one at every keystroke was most of an edit's time.
 */
function movePositions(
  positions: A.Position[],
  parsed: ParsedItem,
  text: EditedText,
  valueStart: number,
  itemEnd: number,
): A.Position[] {
  const delta = text.after.length - text.before.length;
  const lineDelta = text.afterLines.lineCount - text.beforeLines.lineCount;
  /** The line (1-based) where the edit ended: positions after it on that line change column. */
  const editLine = text.beforeLines.positionAt(text.change.oldEnd).line + 1;
  let kept = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (p.offset >= valueStart && p.offset <= itemEnd) continue;
    if (p.offset > itemEnd) {
      p.offset += delta;
      if (p.line === editLine) p.column = text.afterLines.positionAt(p.offset).character + 1;
      p.line += lineDelta;
    }
    positions[kept++] = p;
  }
  positions.length = kept;
  for (const p of parsed.positions) if (p.offset >= valueStart) positions.push(p);
  return positions;
}

/** The comments with those inside the edited value replaced by those of its new text. */
function withComments(comments: A.Comment[], fresh: A.Comment[], valueStart: number, itemEnd: number): A.Comment[] {
  const inValue = (c: A.Comment) => c.range.start.offset >= valueStart;
  const first = comments.findIndex(inValue);
  if (first < 0) return [...comments, ...fresh.filter(inValue)];
  let end = first;
  while (end < comments.length && comments[end]!.range.start.offset <= itemEnd) end++;
  return [...comments.slice(0, first), ...fresh.filter(inValue), ...comments.slice(end)];
}
