/**
 * Every operation a `.rnn` file can write has an export form for PyTorch and for ONNX in its
 * entry of the op registry, and every loss in every form it is computed in a PyTorch one (the
 * type of a loss form requires it). An op registered without one is found here, and a model
 * that uses it is refused when exported, with a message, instead of being exported wrong. ONNX
 * runs one sequence forwards over its inputs: it refuses the models PyTorch runs beyond that.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ExportError,
  lossExportForm,
  onnxOpForm,
  opExportForm,
  opsWithoutExportForms,
} from "../../compiler/export/forms.js";
import { math } from "../../compiler/ops/expr.js";
import { lossNames, lossNamed, registeredOps, registerOp } from "../../compiler/ops/registry.js";
import { elementwise } from "../../compiler/ops/shapes.js";
import { rnnc } from "../support/cli.js";

describe("export forms in the op registry", () => {
  const written = registeredOps().filter((op) => op.written.form !== "internal");

  it("cover every op a .rnn file can write, for PyTorch and ONNX", () => {
    expect(written.map((op) => op.name)).toEqual(
      expect.arrayContaining(["add", "matvec", "concat", "softmax", "tanh"]),
    );
    for (const op of written) {
      const form = opExportForm(op.name);
      expect(typeof form.pytorch, op.name).toBe("function");
      expect(typeof form.onnx, op.name).toBe("function");
    }
    expect(opsWithoutExportForms()).toEqual([]);
  });

  it("cover the ops lowering makes for attention, for PyTorch only (ONNX refuses a model of several sequences)", () => {
    for (const name of ["repeat", "spread_steps", "sum_steps", "softmax_steps"]) {
      expect(typeof opExportForm(name).pytorch, name).toBe("function");
      expect(() => onnxOpForm(name), name).toThrow(ExportError);
    }
  });

  it("cover every loss in every form", () => {
    for (const name of lossNames())
      for (const form of lossNamed(name)!.forms) expect(typeof lossExportForm(name, form.fusedWith)).toBe("function");
  });

  it("are missing for an op added without one: it is named, and a model using it is refused when exported", async () => {
    registerOp({
      name: "softsign_test",
      kind: "elementwise",
      written: { form: "call" },
      arity: 1,
      operandNames: ["x"],
      shape: elementwise,
      doc: { formula: "x / (1 + |x|)", derivative: "1 / (1 + |x|)²" },
      expr: (x) => math("tanh", x),
      grad: (g) => g.send(0, g.dy),
    });
    expect(opsWithoutExportForms()).toEqual(["softsign_test"]);
    expect(() => opExportForm("softsign_test")).toThrow(ExportError);
    const model = join(mkdtempSync(join(tmpdir(), "rnnc-forms-")), "new-op.rnn");
    writeFileSync(
      model,
      "model NewOp {\n  dim H = 2\n  input x : [H]\n  param W : [H, H]\n  state h : [H] = zeros\n  h = softsign_test(W @ h[t-1] + x)\n}\n",
    );
    expect((await rnnc("check", model)).code).toBe(0);
    for (const to of ["pytorch", "onnx"]) {
      const r = await rnnc("export", model, "--to", to, "-o", join(model, "..", `out.${to}`));
      expect(r.code).toBe(1);
      expect(r.err).toContain("the operation 'softsign_test' has no export form yet, so this model cannot be exported");
    }
  });

  it("refuse a bidirectional model for ONNX, which runs forwards only; PyTorch exports it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-forms-"));
    const r = await rnnc("export", "examples/bidirectional.rnn", "--to", "onnx", "-o", join(dir, "out.onnx"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "BiGruTagger reads h.bwd[t+1]: an ONNX export runs forwards only, so a bidirectional model cannot be exported to ONNX; export it to PyTorch (--to pytorch), which runs it",
    );
    expect(existsSync(join(dir, "out.onnx"))).toBe(false);
    const pytorch = await rnnc("export", "examples/bidirectional.rnn", "--to", "pytorch", "-o", join(dir, "out.py"));
    expect(pytorch.code, pytorch.err).toBe(0);
    expect(existsSync(join(dir, "out.py"))).toBe(true);
  });

  it("refuse an encoder-decoder for ONNX, which runs one loop over one sequence, reading inputs only; PyTorch exports it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-forms-"));
    const model = "tests/fixtures/pytorch/gru_seq2seq.rnn";
    const decoder = join(dir, "decoder.rnn");
    writeFileSync(
      decoder,
      "model Decoder {\n  dim W = 4\n  dim H = 3\n  target y : class[W]\n  param Vo : [W, H]\n  cell d = gru(y[t-1], size = H)\n  o = softmax(Vo @ d)\n  loss cross_entropy(o, y) at each\n}\n",
    );
    const several = await rnnc("export", model, "--to", "onnx", "-o", join(dir, "several.onnx"));
    expect(several.code).toBe(1);
    expect(several.err).toContain(
      "GruSeq2Seq reads sequences s, t: an ONNX export runs one loop over one sequence, so a model of several cannot be exported to ONNX; export it to PyTorch (--to pytorch), which runs it",
    );
    const previous = await rnnc("export", decoder, "--to", "onnx", "-o", join(dir, "previous.onnx"));
    expect(previous.code).toBe(1);
    expect(previous.err).toContain(
      "Decoder reads its previous target, y[t-1]: an ONNX export reads inputs only, so it cannot be exported to ONNX; export it to PyTorch (--to pytorch), which runs it",
    );
    expect(existsSync(join(dir, "several.onnx")) || existsSync(join(dir, "previous.onnx"))).toBe(false);
    for (const [name, file] of [
      ["several", model],
      ["previous", decoder],
    ] as const) {
      const r = await rnnc("export", file, "--to", "pytorch", "-o", join(dir, `${name}.py`));
      expect(r.code, r.err).toBe(0);
    }
  });
});
