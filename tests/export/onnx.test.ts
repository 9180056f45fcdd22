/**
 * `rnnc export --to onnx`: every form written passes onnx.checker's full check, and onnxruntime
 * (Python) computes every quantity `rnnc run` computes, on every example, the PyTorch fixtures
 * (encoder–decoders, attention, bidirectional), models that use each construct of the language
 * and generated models: the sequence form (a Scan per loop, any T and B, ragged lengths) in
 * float64 to 1e-12 and in float32 to rounding; the step form of the last sequence, fed its own
 * state (from the sequence form's first step, or from the encoder form in a model of several
 * sequences) and the previous target, the same. A model whose last sequence runs backwards has
 * no step form.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { flatten, maxRelativeError } from "../support/compare.js";
import { modelCases, type ModelCase } from "../support/export-cases.js";
import { isBidirectional } from "../../compiler/ir/ir.js";
import { sequenceModels } from "../../compiler/ir/sequences.js";
import { PYTHON_SETUP_MS, runPythonJobs } from "../support/python.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-export-onnx-"));
const checkScript = fileURLToPath(new URL("../support/onnx_check.py", import.meta.url));

interface CheckResult {
  error?: string;
  checked: [string, string];
  outputs: Record<string, unknown>;
  stepped: Record<string, unknown>;
}

type Nested = number | Nested[];

/** The entries of [T][rows][n] values at real steps (t < lengths[b]; rows are B, or B × S example by example). */
function realSteps(values: unknown, lengths: number[]): number[] {
  return (values as Nested[][]).flatMap((rows, t) =>
    rows.flatMap((row, r) => (t < lengths[Math.floor((r * lengths.length) / rows.length)]! ? flatten(row) : [])),
  );
}

/** The lengths of the last sequence of a batch (of its only one, or `lengths.t` of several). */
function lastLengths(data: Record<string, unknown>, ir: ModelCase["ir"]): number[] {
  const first = data[ir.inputs[0]!.name] as unknown[][];
  const lengths = data["lengths"] as number[] | Record<string, number[]> | undefined;
  if (lengths === undefined) return Array.from({ length: first[0]!.length }, () => first.length);
  return Array.isArray(lengths) ? lengths : lengths[ir.sequences!.at(-1)!]!;
}

/** The model of the last sequence (the whole model, for one), which the step form computes. */
const lastSequence = (ir: ModelCase["ir"]) => sequenceModels(ir).at(-1)!.ir;

describe("rnnc export --to onnx, run by onnxruntime", () => {
  const cases = modelCases(dir).flatMap((c) => [
    { ...c, dtype: "f64" as const },
    ...(c.name.startsWith("example") ? [{ ...c, dtype: "f32" as const }] : []),
  ]);
  let results: CheckResult[] = [];

  beforeAll(async () => {
    const jobs = [];
    for (const [i, c] of cases.entries()) {
      const sequence = join(dir, `model-${i}.onnx`);
      const r = await rnnc(
        "export",
        c.model,
        "--to",
        "onnx",
        "--weights",
        c.weights,
        "--dtype",
        c.dtype,
        "-o",
        sequence,
      );
      expect(r.code, r.err).toBe(0);
      const [step, encoder] = [join(dir, `model-${i}.step.onnx`), join(dir, `model-${i}.encoder.onnx`)];
      jobs.push({
        sequence,
        step: existsSync(step) ? step : null,
        encoder: existsSync(encoder) ? encoder : null,
        data: c.data,
      });
    }
    results = await runPythonJobs<CheckResult>(checkScript, jobs);
  }, PYTHON_SETUP_MS);

  for (const [i, c] of cases.entries()) {
    const tolerance = c.dtype === "f64" ? 1e-12 : 2e-6;
    it(`${c.name} (${c.dtype}): checked, and every quantity as rnnc run's, by sequence and by step (${tolerance})`, async () => {
      const result = results[i]!;
      expect(result.error).toBeUndefined();
      const forms = 1 + (isBidirectional(lastSequence(c.ir)) ? 0 : 1) + (c.ir.sequences ? 1 : 0);
      expect(result.checked).toEqual(Array.from({ length: forms }, () => "ok"));
      const quantities = c.ir.quantities.map((q) => q.name);
      const expected = JSON.parse(
        (await rnnc("run", c.model, "--data", c.data, "--weights", c.weights, "--outputs", quantities.join(","))).out,
      );
      const lengths = lastLengths(JSON.parse(readFileSync(c.data, "utf8")), c.ir);
      for (const q of quantities) {
        const want = flatten(expected.outputs[q]);
        expect(maxRelativeError(flatten(result.outputs[q]), want), `sequence form: ${q}`).toBeLessThan(tolerance);
      }
      const stepped = lastSequence(c.ir).quantities.map((q) => q.name);
      expect(Object.keys(result.stepped).sort()).toEqual(forms > 1 ? [...stepped].sort() : []);
      for (const q of Object.keys(result.stepped)) {
        const wantReal = realSteps(expected.outputs[q], lengths);
        expect(maxRelativeError(realSteps(result.stepped[q], lengths), wantReal), `step form: ${q}`).toBeLessThan(
          tolerance,
        );
      }
    });
  }
});

describe("rnnc export --to onnx: files", () => {
  it("writes the sequence form where -o says and the step form beside it", async () => {
    mkdirSync(join(dir, "files"));
    const out = join(dir, "files", "elman.onnx");
    const r = await rnnc("export", "examples/elman.rnn", "--to", "onnx", "-o", out);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "files", "elman.step.onnx")).length).toBeGreaterThan(0);
  });

  it("takes weights from --weights or --checkpoint, not both; reports bad weights and writes nothing", async () => {
    const both = await rnnc("export", "examples/elman.rnn", "--to", "onnx", "--weights", "w.json", "--checkpoint", "c");
    expect(both.code).toBe(1);
    expect(both.err).toContain("give --weights or --checkpoint, not both");
    const out = join(dir, "bad.onnx");
    const bad = await rnnc(
      "export",
      "examples/elman.rnn",
      "--to",
      "onnx",
      "--weights",
      "examples/data/gru.json",
      "-o",
      out,
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("examples/data/gru.json: unknown parameters");
    expect(() => readFileSync(out)).toThrow();
    const pytorch = await rnnc("export", "examples/elman.rnn", "--to", "pytorch", "--weights", "w.json");
    expect(pytorch.err).toContain("--weights is for --to onnx");
  });
});
