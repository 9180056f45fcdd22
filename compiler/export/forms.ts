/**
 * The export forms of ops and losses, as the op registry declares them beside each op's math
 * (compiler/ops/export.ts says what a form is). An op of the IR without one cannot be
 * exported: exporting a model that uses it is an error that says so, never a file that
 * computes something else.
 */
import type { LossExportForm, OpExportForm } from "../ops/export.js";
import { lossForm, lossNamed, opNamed, registeredOps } from "../ops/registry.js";

export class ExportError extends Error {}

/** The export form of the op `name`. */
export function opExportForm(name: string): OpExportForm {
  const form = opNamed(name).export;
  if (!form) throw new ExportError(`the operation '${name}' has no export form yet, so this model cannot be exported`);
  return form;
}

/** The ONNX form of the op `name`. */
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
