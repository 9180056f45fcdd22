/**
 * The compiler's diagnostics as LSP diagnostics: same codes and messages as `rnnc check`,
 * the hint appended, related locations kept. Published on open and, debounced, on change.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from "vscode-languageserver";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { DiagnosticCode } from "../../grammar/diagnostic-codes.js";
import type { Analysis } from "./analysis.js";

/** A file of binary garbage has an error every few characters; an editor needs the first ones. */
export const maxDiagnostics = 1000;

export function toLspDiagnostics(analysis: Analysis, uri: string): LspDiagnostic[] {
  const all = analysis.diagnostics;
  const shown = all.slice(0, maxDiagnostics).map((d) => toLsp(d, analysis, uri));
  if (all.length > maxDiagnostics) {
    const last = all[maxDiagnostics - 1]!;
    shown.push({
      severity: DiagnosticSeverity.Warning,
      range: analysis.lines.toLsp(last.range),
      message: `${all.length - maxDiagnostics} more problems are not shown (the first ${maxDiagnostics} are)`,
      source: "rnnc",
      code: "LSP003" satisfies DiagnosticCode,
    });
  }
  return shown;
}

function toLsp(d: Diagnostic, analysis: Analysis, uri: string): LspDiagnostic {
  return {
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    range: analysis.lines.toLsp(d.range),
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    code: d.code,
    source: "rnnc",
    ...(d.related.length > 0
      ? {
          relatedInformation: d.related.map((r) => ({
            message: r.message,
            location: { uri, range: analysis.lines.toLsp(r.range) },
          })),
        }
      : {}),
  };
}
