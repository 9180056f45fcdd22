/** Reading a model file through the front end, with its diagnostics rendered for the terminal. */
import { readFileSync } from "node:fs";
import type { CheckedModel } from "../check/model.js";
import { elementCount, shapeText } from "../check/limits.js";
import type { IrModel } from "../ir/ir.js";
import { lower } from "../ir/lower.js";
import { validateIr } from "../ir/validate.js";
import { memoryProblem, parameterNeed } from "../../engine/memory.js";
import { parseDimOverrides } from "../check/dims.js";
import { error, hasErrors, type Diagnostic } from "../../grammar/diagnostic.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import { analyze, type FrontEndResult } from "../frontend.js";
import { describeFileError } from "../../engine/io/file-error.js";
import { UserError, type Output } from "./io.js";
import { firstUtf8Problem } from "./utf8.js";
import { RangeBuilder } from "../../grammar/positions.js";
import { plural } from "../plural.js";

export interface LoadedModel {
  path: string;
  text: string;
  result: FrontEndResult;
}

export interface ModelSource {
  /** The file decoded as UTF-8, what is not UTF-8 replaced by "�". */
  text: string;
  /** Set when the file is not UTF-8: it is not read further. */
  notUtf8?: Diagnostic;
}

/** A `.rnn` file's text; one that is not UTF-8 gets a diagnostic at its first wrong byte (E005). */
export function readModelSource(path: string): ModelSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read model '${path}': ${describeFileError(e)}`);
  }
  const text = bytes.toString("utf8");
  const problem = firstUtf8Problem(bytes);
  if (!problem) return { text };
  // The bytes before the problem are UTF-8: their text is as long as what comes before it in `text`.
  const offset = bytes.subarray(0, problem.byteOffset).toString("utf8").length;
  const where = new RangeBuilder(RangeBuilder.lineTable(text), text.length).range(offset, offset + 1);
  const byte = `0x${problem.byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return {
    text,
    notUtf8: error(
      "E005",
      `the file is not valid UTF-8: byte ${byte} (at byte ${problem.byteOffset}) ${problem.reason}`,
      where,
      { hint: "save the file as UTF-8 (from Latin-1: iconv -f latin1 -t utf-8 model.rnn)" },
    ),
  };
}

export function loadModel(path: string, dimSpecs: readonly string[] = []): LoadedModel {
  const { text, notUtf8 } = readModelSource(path);
  if (notUtf8)
    return { path, text, result: { file: { models: [], comments: [] }, expansions: [], diagnostics: [notUtf8] } };
  const overrideDiagnostics: Diagnostic[] = [];
  const overrides = parseDimOverrides(dimSpecs, overrideDiagnostics);
  const result = analyze(text, overrides);
  result.diagnostics.unshift(...overrideDiagnostics);
  return { path, text, result };
}

export function printDiagnostics(loaded: LoadedModel, io: Output): void {
  const { diagnostics } = loaded.result;
  if (diagnostics.length > 0)
    io.err(renderDiagnostics(diagnostics, loaded.text, { fileName: loaded.path, color: io.color }));
}

/**
 * For commands that need a checked model: diagnostics go to stderr and errors stop the command.
 * A caller that may load the model again with other dims (set from data) defers the warnings and
 * prints the final load's, so that each is printed once.
 */
export function requireModel(
  path: string,
  dimSpecs: readonly string[],
  io: Output,
  { deferWarnings = false } = {},
): { loaded: LoadedModel; model: CheckedModel } {
  const loaded = loadModel(path, dimSpecs);
  const { model, diagnostics } = loaded.result;
  const failed = !model || hasErrors(diagnostics);
  if (failed || !deferWarnings) printDiagnostics(loaded, io);
  if (failed) {
    const count = diagnostics.filter((d) => d.severity === "error").length;
    throw new UserError(`${path}: ${count} ${plural(count, "error")}`);
  }
  return { loaded, model };
}

/**
 * The IR of a checked model whose parameters fit in the memory left: parameters too large for
 * it are refused before they are allocated, with the error at the largest one's declaration
 * and `hint` (by default: smaller dims; a caller that set dims from data says so instead).
 */
export function lowerModel(
  loaded: LoadedModel,
  model: CheckedModel,
  io: Output,
  hint = "make the dims it is written with smaller",
): IrModel {
  const ir = lower(model);
  validateIr(ir);
  const problem = memoryProblem(parameterNeed(ir));
  if (problem) {
    const largest = model.params.reduce((a, b) => (elementCount(b.shape) > elementCount(a.shape) ? b : a));
    const total = model.params.reduce((n, p) => n + elementCount(p.shape), 0n);
    const diagnostic = error(
      "E207",
      `the parameters, ${total.toLocaleString("en-US")} numbers, need ${problem}; the largest is '${largest.name}' ${shapeText(largest.shape)}`,
      largest.decl.shapeRange,
      { hint },
    );
    io.err(renderDiagnostics([diagnostic], loaded.text, { fileName: loaded.path, color: io.color }));
    throw new UserError(`${loaded.path}: 1 error`);
  }
  return ir;
}
