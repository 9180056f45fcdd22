/**
 * The options a client may pass in `initializationOptions` or as its `rnnc` settings (the
 * VS Code extension passes its settings), read into the analysis settings and the debounce.
 * A value that makes no sense is logged and ignored, never fatal.
 */
import { namedRecord } from "../../runtime/records.js";
import { defaultSettings, type AnalysisSettings } from "./analysis.js";

export interface ServerOptions {
  /** Dim overrides, as `--dim` on the command line: `{ "H": 128 }`. */
  dims?: Record<string, number>;
  /** Milliseconds to wait after a change before publishing diagnostics (default 200). */
  diagnosticsDelay?: number;
  /** Files longer than this many characters are not analysed (default 2,000,000). */
  maxFileSize?: number;
  /** Formatting keeps the lecture's notation as written, as `rnnc fmt --keep-notation` (default false). */
  keepNotation?: boolean;
}

export const defaultDiagnosticsDelay = 200;

export interface ReadOptions {
  settings: AnalysisSettings;
  /** Absent when the options do not set it. */
  diagnosticsDelay?: number;
}

export function readOptions(options: unknown, log: (message: string) => void): ReadOptions {
  const o = (options && typeof options === "object" ? options : {}) as ServerOptions;
  const settings: AnalysisSettings = { ...defaultSettings, dims: validDims(o.dims, log) };
  if (typeof o.maxFileSize === "number" && o.maxFileSize > 0) settings.maxFileSize = o.maxFileSize;
  if (typeof o.keepNotation === "boolean") settings.keepNotation = o.keepNotation;
  const delay = o.diagnosticsDelay;
  return typeof delay === "number" && delay >= 0 ? { settings, diagnosticsDelay: delay } : { settings };
}

function validDims(dims: unknown, log: (message: string) => void): Record<string, number> {
  const out = namedRecord<number>();
  if (!dims || typeof dims !== "object") return out;
  for (const [name, value] of Object.entries(dims as Record<string, unknown>)) {
    const n = typeof value === "string" ? Number(value) : value;
    if (typeof n === "number" && Number.isSafeInteger(n) && n > 0) out[name] = n;
    else log(`ignoring the dim override ${name} = ${JSON.stringify(value)}: a dim is a positive integer`);
  }
  return out;
}
