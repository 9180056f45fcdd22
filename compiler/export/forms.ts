/**
 * The export forms of ops and losses, as the op registry declares them beside each op's math
 * (compiler/ops/export.ts says what a form is). An op of the IR without one cannot be
 * exported: exporting a model that uses it is an error that says so, never a file that
 * computes something else.
 */
import type { IrModel } from "../ir/ir.js";
import type { LossExportForm, OpExportForm } from "../ops/export.js";
import { lossForm, lossNamed, opNamed, registeredOps } from "../ops/registry.js";

export class ExportError extends Error {}

/**
 * An ONNX export is one loop over time, forwards, over the inputs (a Scan): a model with a
 * backward phase (a state read at [t+k]) would need a second loop before it, a model of several
 * sequences one loop per sequence, and one reading its previous target (`y[t-1]`) that target
 * as an input. The PyTorch export runs all of these.
 */
export function requireOnnxForm(ir: IrModel): void {
  const instead = "export it to PyTorch (--to pytorch), which runs it";
  if (ir.sequences)
    throw new ExportError(
      `${ir.name} reads sequences ${ir.sequences.join(", ")}: an ONNX export runs one loop over one sequence, so a model of several cannot be exported to ONNX; ${instead}`,
    );
  const previous = ir.nodes.find((n) => n.op === "input" && n.fromTarget);
  if (previous?.op === "input")
    throw new ExportError(
      `${ir.name} reads its previous target, ${previous.input}[t-1]: an ONNX export reads inputs only, so it cannot be exported to ONNX; ${instead}`,
    );
  const ahead = ir.states.filter((s) => (s.maxAhead ?? 0) > 0).map((s) => `${s.name}[t+${s.maxAhead}]`);
  if (ahead.length > 0)
    throw new ExportError(
      `${ir.name} reads ${ahead.join(", ")}: an ONNX export runs forwards only, so a bidirectional model cannot be exported to ONNX; ${instead}`,
    );
}

/** The export form of the op `name`. */
export function opExportForm(name: string): OpExportForm {
  const form = opNamed(name).export;
  if (!form) throw new ExportError(`the operation '${name}' has no export form yet, so this model cannot be exported`);
  return form;
}

/** The ONNX form of the op `name` (attention's ops have none; a model with them is refused before: requireOnnxForm). */
export function onnxOpForm(name: string): NonNullable<OpExportForm["onnx"]> {
  const form = opExportForm(name).onnx;
  if (!form)
    throw new ExportError(`the operation '${name}' has no ONNX form, so this model cannot be exported to ONNX`);
  return form;
}

/** The PyTorch form of a loss computed in its form fused with `fusedWith` (absent: scored from the prediction). */
export function lossExportForm(loss: string, fusedWith: string | undefined): LossExportForm {
  const spec = lossNamed(loss);
  if (!spec) throw new ExportError(`there is no loss '${loss}'`);
  return lossForm(spec, fusedWith).pytorch;
}

/** The ops a `.rnn` file can write that have no export form: none, or a model using one cannot be exported. */
export function opsWithoutExportForms(): string[] {
  return registeredOps()
    .filter((op) => op.written.form !== "internal" && !op.export)
    .map((op) => op.name);
}
