/**
 * Every operation a `.rnn` file can write has an export form for PyTorch and for ONNX in its
 * entry of the op registry, and every loss in every form it is computed in a PyTorch one (the
 * type of a loss form requires it). An op registered without one is found here, and a model
 * that uses it is refused when exported, with a message, instead of being exported wrong. ONNX
 * runs every loop over time as a Scan, and an encoder–decoder also as an encoder and a step.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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

  it("cover the ops lowering makes for attention, for PyTorch and ONNX", () => {
    for (const name of ["repeat", "spread_steps", "sum_steps", "softmax_steps"]) {
      expect(typeof opExportForm(name).pytorch, name).toBe("function");
      expect(typeof onnxOpForm(name), name).toBe("function");
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

  it("export a bidirectional model to ONNX as its sequence form alone: a loop backwards is not computed a step at a time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-forms-"));
    const out = join(dir, "out.onnx");
    const r = await rnnc("export", "examples/bidirectional.rnn", "--to", "onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(
      `examples/bidirectional.rnn: no step model: BiGruTagger runs a loop backwards (a state read ahead), which is not computed a step at a time; ${out} is the sequence model\n`,
    );
    expect(["out.onnx", "out.step.onnx", "out.encoder.onnx"].map((f) => existsSync(join(dir, f)))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("export to ONNX over an older export removes the forms of the older model this one has none of, and nothing rnnc did not write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-forms-"));
    const out = join(dir, "out.onnx");
    const older = await rnnc("export", "tests/fixtures/pytorch/gru_seq2seq.rnn", "--to", "onnx", "-o", out);
    expect(older.code, older.err).toBe(0);
    const r = await rnnc("export", "examples/bidirectional.rnn", "--to", "onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `examples/bidirectional.rnn: removed ${join(dir, "out.step.onnx")}, an older export's step model (BiGruTagger has none)\n`,
    );
    expect(r.err).toContain(
      `examples/bidirectional.rnn: removed ${join(dir, "out.encoder.onnx")}, an older export's encoder model (BiGruTagger has none)\n`,
    );
    expect(["out.onnx", "out.step.onnx", "out.encoder.onnx"].map((f) => existsSync(join(dir, f)))).toEqual([
      true,
      false,
      false,
    ]);
    const mine = join(dir, "out.step.onnx");
    writeFileSync(mine, "a file of the user's own\n");
    const again = await rnnc("export", "examples/bidirectional.rnn", "--to", "onnx", "-o", out);
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toContain("removed");
    expect(readFileSync(mine, "utf8")).toBe("a file of the user's own\n");
  });

  it("export an encoder-decoder and a model reading its previous target to ONNX: sequence, step and (several sequences) encoder forms", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-forms-"));
    const decoder = join(dir, "decoder.rnn");
    writeFileSync(
      decoder,
      "model Decoder {\n  dim W = 4\n  dim H = 3\n  target y : class[W]\n  param Vo : [W, H]\n  cell d = gru(y[t-1], size = H)\n  o = softmax(Vo @ d)\n  loss cross_entropy(o, y) at each\n}\n",
    );
    for (const [name, file, forms] of [
      ["several", "tests/fixtures/pytorch/gru_seq2seq.rnn", [true, true, true]],
      ["previous", decoder, [true, true, false]],
    ] as const) {
      const r = await rnnc("export", file, "--to", "onnx", "-o", join(dir, `${name}.onnx`));
      expect(r.code, r.err).toBe(0);
      const written = ["", ".step", ".encoder"].map((form) => existsSync(join(dir, `${name}${form}.onnx`)));
      expect(written, name).toEqual(forms);
    }
  });
});
