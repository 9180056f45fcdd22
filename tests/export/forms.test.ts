/**
 * Every operation a `.rnn` file can write, and every loss in every form it is computed in, has
 * an export form for PyTorch and for ONNX: an op added to the language without one fails here,
 * instead of being exported wrong. One without a form is refused with a message when exported.
 */
import { describe, expect, it } from "vitest";
import { builtinFunctions, builtinLosses } from "../../compiler/builtins.js";
import { ExportError, lossExportForm, opExportForm, opExportForms } from "../../compiler/export/forms.js";

/** The ops of the IR a model can hold: the operators, the product, concatenation and every function. */
const operations = ["add", "sub", "mul", "div", "neg", "matvec", "concat", ...Object.keys(builtinFunctions)];
/** The activations a loss is fused with, by loss (lowering fuses these: compiler/ir/lower.ts). */
const fusions: Record<string, string[]> = {
  cross_entropy: ["softmax", "log_softmax"],
  binary_cross_entropy: ["sigmoid"],
};

describe("export forms", () => {
  it.each(operations)("%s has a PyTorch and an ONNX form", (op) => {
    const form = opExportForm(op);
    expect(typeof form.pytorch).toBe("function");
    expect(typeof form.onnx).toBe("function");
  });

  it.each(Object.keys(builtinLosses))("the loss %s has a form for each way it is computed", (loss) => {
    for (const fused of [undefined, ...(fusions[loss] ?? [])])
      expect(typeof lossExportForm(loss, fused)).toBe("function");
  });

  it("has no form for an op the IR does not have", () => {
    expect(Object.keys(opExportForms).sort()).toEqual([...operations].sort());
  });

  it("refuses an op or a loss form it does not know, saying which", () => {
    expect(() => opExportForm("softplus")).toThrow(ExportError);
    expect(() => opExportForm("softplus")).toThrow("the operation 'softplus' has no export form");
    expect(() => lossExportForm("mse", "softmax")).toThrow("the loss 'mse' fused with softmax has no export form");
  });
});
