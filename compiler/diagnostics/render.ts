/**
 * The one place diagnostics become text:
 *
 *   model.rnn:12:7: error[E201]: W @ h: W is [H, H] = [32, 32] but h is [V] = [64]
 *      12 |   h = tanh(W @ h + b)
 *         |            ^~~~~
 *      = hint: ...
 *   model.rnn:5:3: note: W declared here
 */
import type { Diagnostic } from "../../grammar/diagnostic.js";
import type { Range } from "../../grammar/ast.js";
import { endOf, startOf } from "../../grammar/source-range.js";

export interface RenderOptions {
  /** Name shown before `:line:col`. */
  fileName: string;
  color?: boolean;
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], source: string, options: RenderOptions): string {
  const lines = source.split(/\r\n|\r|\n/);
  return diagnostics.map((d) => renderOne(d, lines, options)).join("\n");
}

function renderOne(d: Diagnostic, lines: string[], options: RenderOptions): string {
  const paint = painter(options.color ?? false);
  const head = `${location(options.fileName, d.range)}: ${paint(d.severity === "error" ? "red" : "yellow", `${d.severity}[${d.code}]`)}: ${d.message}`;
  const out = [head, ...excerpt(d.range, lines, paint)];
  if (d.hint) out.push(`     = hint: ${d.hint}`);
  for (const r of d.related) {
    out.push(`${location(options.fileName, r.range)}: ${paint("cyan", "note")}: ${r.message}`);
    out.push(...excerpt(r.range, lines, paint));
  }
  return out.join("\n") + "\n";
}

function location(fileName: string, range: Range): string {
  return `${fileName}:${startOf(range).line}:${startOf(range).column}`;
}

/** The source line and a caret under the range (only its first line when it spans several). */
function excerpt(range: Range, lines: string[], paint: Painter): string[] {
  const text = lines[startOf(range).line - 1];
  if (text === undefined) return [];
  const gutter = String(startOf(range).line).padStart(5);
  const endCol =
    endOf(range).line === startOf(range).line
      ? Math.max(endOf(range).column, startOf(range).column + 1)
      : text.length + 1;
  const width = Math.max(1, Math.min(endCol, text.length + 1) - startOf(range).column);
  const shown = window(text.replace(/\t/g, " "), startOf(range).column);
  const marker =
    " ".repeat(shown.caretColumn - 1) + paint("green", "^" + "~".repeat(Math.min(width, EXCERPT_WIDTH) - 1));
  return [`${gutter} | ${shown.text}`, `${" ".repeat(5)} | ${marker}`];
}

const EXCERPT_WIDTH = 100;

/** A long line is cut to a window around the caret, so the caret is always on screen. */
function window(line: string, column: number): { text: string; caretColumn: number } {
  if (line.length <= EXCERPT_WIDTH) return { text: line, caretColumn: column };
  const start = Math.max(0, Math.min(column - 1 - EXCERPT_WIDTH / 2, line.length - EXCERPT_WIDTH));
  const end = Math.min(line.length, start + EXCERPT_WIDTH);
  const before = start > 0 ? "…" : "";
  const after = end < line.length ? "…" : "";
  return { text: before + line.slice(start, end) + after, caretColumn: column - start + before.length };
}

type Painter = (color: "red" | "yellow" | "cyan" | "green", text: string) => string;

function painter(enabled: boolean): Painter {
  const codes = { red: 31, yellow: 33, cyan: 36, green: 32 };
  return enabled ? (color, text) => `\u001b[${codes[color]}m${text}\u001b[0m` : (_color, text) => text;
}

/** Diagnostics as JSON for tools (`--format json`): ranges keep 1-based lines and columns. */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[], fileName: string): object[] {
  return diagnostics.map((d) => ({ file: fileName, ...d }));
}
