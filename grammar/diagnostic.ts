/**
 * Diagnostics are data: every pass returns them, nothing throws them, and exactly one
 * place (`render.ts`) turns them into text. The CLI and the language server share them.
 */
import type { Range } from "./ast.js";
import { LineTable, sourceRange } from "./source-range.js";
import type { DiagnosticCode, ErrorCode, WarningCode } from "./diagnostic-codes.js";

export type Severity = "error" | "warning";

export interface RelatedLocation {
  message: string;
  range: Range;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable code, from the catalogue (`diagnostic-codes.ts`), explained in `docs/diagnostics.md`. */
  code: DiagnosticCode;
  message: string;
  range: Range;
  related: RelatedLocation[];
  /** A suggestion shown under the excerpt. */
  hint?: string;
}

export function error(
  code: ErrorCode,
  message: string,
  range: Range,
  extra: Partial<Pick<Diagnostic, "related" | "hint">> = {},
): Diagnostic {
  return {
    severity: "error",
    code,
    message,
    range,
    related: extra.related ?? [],
    ...(extra.hint ? { hint: extra.hint } : {}),
  };
}

export function warning(
  code: WarningCode,
  message: string,
  range: Range,
  extra: Partial<Pick<Diagnostic, "related" | "hint">> = {},
): Diagnostic {
  return {
    severity: "warning",
    code,
    message,
    range,
    related: extra.related ?? [],
    ...(extra.hint ? { hint: extra.hint } : {}),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Source order, so a run reports mistakes top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.range.startOffset - b.range.startOffset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** A range covering nothing at the start of the file, for problems that belong to the whole file. */
export const fileStart = sourceRange(0, 0, new LineTable([0]));
