/**
 * Formatting: exactly `rnnc fmt` (with `--keep-notation` when the client's `keepNotation` says so). A file with syntax errors is not formatted (the formatter
 * would drop what the parser skipped), so the answer is no edits.
 */
import type { TextEdit } from "vscode-languageserver";
import { syntaxErrorCodes } from "../../grammar/diagnostic-codes.js";
import { formatFile } from "../format/format.js";
import type { Analysis } from "./analysis.js";

export function formatting(analysis: Analysis): TextEdit[] {
  const result = analysis.result;
  if (!result || result.diagnostics.some((d) => syntaxErrorCodes.has(d.code))) return [];
  const formatted = formatFile(result.file, { keepNotation: analysis.keepNotation });
  if (formatted === analysis.text) return [];
  return [{ range: analysis.lines.fullRange(), newText: formatted }];
}
