/**
 * `rnnc export --to pytorch`, then `python model.py run`: the exported module computes what
 * `rnnc run` computes (loss, every quantity, every gradient) on every example, the PyTorch
 * fixtures, models that use each construct of the language and generated models, in float64
 * to 1e-10, and prints the same JSON. All in one Python process (tests/support/exported_jobs.py).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { IrModel } from "../../compiler/ir/ir.js";
import { rnnc } from "../support/cli.js";
import { flatten, largestMagnitude, maxRelativeError } from "../support/compare.js";
import { modelCases } from "../support/export-cases.js";
import { PYTHON_SETUP_MS, runExportedJobs, type JobResult } from "../support/python.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-export-run-"));

interface Case {
  name: string;
  model: string;
  /** `run` arguments both take: --data, --weights, --grad, --outputs. */
  args: string[];
  dtype?: "f32";
}

/** Every quantity of a model, for --outputs. */
const allQuantities = (ir: IrModel) => ir.quantities.map((q) => q.name).join(",");

function cases(): Case[] {
  const models = modelCases(dir);
  const out: Case[] = models.map((c) => ({
    name: c.name,
    model: c.model,
    args: [
      "--data",
      c.data,
      "--weights",
      c.weights,
      ...(c.ir.losses.length > 0 ? ["--grad"] : []),
      "--outputs",
      allQuantities(c.ir),
    ],
  }));
  // Parameters from the seed, as rnnc draws them (normal and orthogonal go through log, cos and sin: to rounding).
  for (const name of ["example lstm-gates.rnn", "construct initialisers"]) {
    const c = models.find((m) => m.name === name)!;
    out.push({
      name: `${name} initialised from --seed 3`,
      model: c.model,
      args: ["--data", c.data, "--seed", "3", "--grad"],
    });
  }
  // Data without targets: the loss is null.
  const noTargets = join(dir, "elman-no-targets.json");
  const elman = JSON.parse(readFileSync("examples/data/elman.json", "utf8"));
  delete elman.y;
  writeFileSync(noTargets, JSON.stringify(elman));
  out.push({ name: "elman.rnn on data without targets", model: "examples/elman.rnn", args: ["--data", noTargets] });
  // Float32: to rounding.
  const lstm = out.find((c) => c.name === "example lstm.rnn")!;
  out.push({ ...lstm, name: "example lstm.rnn in float32", dtype: "f32" });
  return out;
}

describe("rnnc export --to pytorch, then run", () => {
  const all = cases();
  let results: JobResult[] = [];

  beforeAll(async () => {
    const jobs = [];
    for (const [i, c] of all.entries()) {
      const file = join(dir, `export-${i}.py`);
      const exported = await rnnc("export", c.model, "--to", "pytorch", "-o", file);
      expect(exported.err).not.toMatch(/error/);
      expect(exported.code).toBe(0);
      jobs.push({ module: file, argv: ["run", ...c.args, ...(c.dtype ? ["--dtype", c.dtype] : [])] });
    }
    results = await runExportedJobs(jobs);
  }, PYTHON_SETUP_MS);

  for (const [i, c] of all.entries()) {
    it(`${c.name}: loss, outputs and gradients as rnnc run's (${c.dtype === "f32" ? "float32, to rounding" : "float64, 1e-10"})`, async () => {
      const expected = await rnnc("run", c.model, ...c.args);
      expect(expected.code).toBe(0);
      const result = results[i]!;
      expect(result.err).toBe("");
      expect(result.code).toBe(0);
      expectSameRun(JSON.parse(result.out), JSON.parse(expected.out), c.dtype === "f32" ? 2e-6 : 1e-10);
    });
  }
});

interface RunJson {
  loss: number | null;
  outputs: Record<string, unknown>;
  grads?: Record<string, unknown>;
}

/** The same JSON (keys in the same order, arrays of the same shapes), numbers to `tolerance` relative to their scale. */
function expectSameRun(actual: RunJson, expected: RunJson, tolerance: number): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  expect(shapeOf(actual)).toEqual(shapeOf(expected));
  if (expected.loss === null) expect(actual.loss).toBeNull();
  else
    expect(Math.abs(actual.loss! - expected.loss) / Math.max(1, Math.abs(expected.loss))).toBeLessThanOrEqual(
      tolerance,
    );
  for (const [name, values] of Object.entries(expected.outputs))
    expect(maxRelativeError(flatten(actual.outputs[name]), flatten(values)), `output ${name}`).toBeLessThanOrEqual(
      tolerance,
    );
  if (!expected.grads) return;
  const scale = Math.max(...Object.values(expected.grads).map((g) => largestMagnitude(flatten(g))));
  for (const [name, values] of Object.entries(expected.grads))
    expect(
      maxRelativeError(flatten(actual.grads![name]), flatten(values), scale),
      `gradient ${name}`,
    ).toBeLessThanOrEqual(tolerance);
}

/** The JSON with every number replaced by 0: its keys, their order and the arrays' shapes. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value === "number" ? 0 : value;
}
