/**
 * `rnnc export --to pytorch`, then `python model.py run`: the exported module computes what
 * `rnnc run` computes (loss, every quantity, every gradient) on every example, the PyTorch
 * fixtures, models that use each construct of the language and generated models, in float64
 * to 1e-10, and prints the same JSON. All in one Python process (tests/support/exported_jobs.py).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { batchToJson } from "../../engine/io/data-json.js";
import { serializeWeights } from "../../engine/io/weights-file.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { rnnc } from "../support/cli.js";
import { flatten, largestMagnitude, maxRelativeError } from "../support/compare.js";
import { generatedModel } from "../support/model-generator.js";
import { irFromFile, irFromText } from "../support/models.js";
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

function writeModel(name: string, text: string): string {
  const path = join(dir, `${name}.rnn`);
  writeFileSync(path, text);
  return path;
}

/** Random weights (every parameter non-zero, so every gradient is exercised) and a ragged random batch. */
function randomInputs(name: string, ir: IrModel, seed: number, format: "json" | "safetensors-f64"): string[] {
  const rng = new Rng(seed);
  const weights = Object.fromEntries(
    ir.params.map((p) => [
      p.name,
      Float64Array.from(initialWeights(ir, seed)[p.name]!, (w) => w + rng.uniform(-0.3, 0.3)),
    ]),
  );
  const weightsFile = join(dir, `${name}.weights.${format === "json" ? "json" : "safetensors"}`);
  writeFileSync(weightsFile, serializeWeights(ir, weights, format));
  const dataFile = join(dir, `${name}.data.json`);
  writeFileSync(dataFile, JSON.stringify(batchToJson(ir, randomBatch(ir, rng, { T: 5, B: 3, ragged: true }))));
  return ["--data", dataFile, "--weights", weightsFile];
}

/** Models that use each construct: every activation, arithmetic with scalars and vectors, concatenation, delays of 1 to 3 steps of states and inputs (one-hot and dense), learned and constant initial states, every loss in every form, two losses, reduce = sum, no loss. */
const constructs: Record<string, string> = {
  everything: `model Everything {
  dim D = 3
  dim V = 4
  dim H = 5
  dim K = 3
  input x : [D]
  input w : onehot[V]
  target y : class[K]
  target r : [H]
  param W : [H, H + D + V]
  param U : [H, H]
  param b : [H] = 0.1
  param Vo : [K, H]
  state h : [H] = learned
  state g : [H] = 0.5
  gate a = sigmoid(W @ [h[t-1], x, w] + b)
  h = tanh(a * h[t-2] - U @ g[t-1] / 2 + relu(b))
  g = exp(-0.5 * h) * 0.25 + log(1 + a) - g[t-1] / (2 + a) + U @ [h]
  e = W @ [g, x[t-1], w[t-3]]
  z = log_softmax(Vo @ h)
  loss cross_entropy(z, y) at each
  loss mse(e, r, reduce = sum) at each
}
`,
  bce_fused: `model BceFused {
  dim D = 3
  dim H = 4
  input x : [D]
  target y : [H]
  param W : [H, H + D]
  state h : [H] = zeros
  h = tanh(W @ [h[t-1], x])
  p = sigmoid(h * 3)
  loss binary_cross_entropy(p, y) at last
}
`,
  bce_plain_ce_plain: `model Plain {
  dim D = 3
  dim H = 4
  input x : [D]
  target y : [H]
  target c : class[H]
  param W : [H, H + D]
  state h : [H] = zeros
  h = tanh(W @ [h[t-1], x])
  p = 0.5 + 0.4 * tanh(h)
  q = p / (p + 0.5)
  loss binary_cross_entropy(p, y, reduce = sum) at each
  loss cross_entropy(q, c) at last
}
`,
  no_loss: `model Free {
  dim V = 6
  dim H = 4
  input x : onehot[V]
  param W : [H, H]
  param U : [H, V]
  state h : [H] = 0.3
  h = tanh(W @ h[t-1] + U @ x)
  s = softmax(h)
}
`,
  // Names that are Python's words, nn.Module's attributes, the step's own arguments, not ASCII.
  hostile_names: `model lambda {
  dim H = 3
  dim K = 2
  input x : [H]
  input ids : onehot[K]
  target y : [K]
  param train : [H, H]
  param forward : [H, K]
  param p : [H] = 0.5
  param ħ : [K, H]
  param __class__ : [K]
  state settle : [H] = learned
  state past : [H] = 0.25
  settle = tanh(train @ settle[t-1] + forward @ ids + p * x)
  past = sigmoid(settle + past[t-2] / 2)
  import = ħ @ past + __class__
  loss mse(import, y) at each
}
`,
  initialisers: `model Inits {
  dim D = 3
  dim H = 4
  input x : [D]
  target y : [H]
  param W : [H, H] = orthogonal
  param U : [H, D] = normal(0.1, 0.5)
  param V : [D, H] = orthogonal(2)
  param Q : [H, D] = uniform(-0.2, 0.3)
  param b : [H] = ones
  param c : [H] = -0.25
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x + Q @ (V @ h[t-1]) + b * c)
  loss mse(h, y) at each
}
`,
};

function cases(): Case[] {
  const out: Case[] = [];
  for (const file of readdirSync("examples").filter((f) => f.endsWith(".rnn"))) {
    const model = join("examples", file);
    const ir = irFromFile(model);
    const name = basename(file, ".rnn");
    const weights = randomInputs(name, ir, out.length + 1, out.length % 2 ? "json" : "safetensors-f64");
    const data = ["--data", join("examples", "data", `${name}.json`)];
    out.push({
      name: `example ${file}`,
      model,
      args: [...data, weights[2]!, weights[3]!, "--grad", "--outputs", allQuantities(ir)],
    });
  }
  for (const file of readdirSync("tests/fixtures/pytorch").filter((f) => f.endsWith(".rnn"))) {
    const model = join("tests/fixtures/pytorch", file);
    const fixture = JSON.parse(readFileSync(model.replace(/\.rnn$/, ".json"), "utf8"));
    const name = `fixture-${basename(file, ".rnn")}`;
    writeFileSync(join(dir, `${name}.weights.json`), JSON.stringify(fixture.weights));
    writeFileSync(join(dir, `${name}.data.json`), JSON.stringify(fixture.data));
    const args = ["--data", join(dir, `${name}.data.json`), "--weights", join(dir, `${name}.weights.json`)];
    out.push({
      name: `fixture ${file}`,
      model,
      args: [...args, "--grad", "--outputs", allQuantities(irFromFile(model))],
    });
  }
  for (const [name, text] of Object.entries(constructs)) {
    const model = writeModel(name, text);
    const ir = irFromText(text);
    const inputs = randomInputs(name, ir, 100 + out.length, "safetensors-f64");
    const grad = ir.losses.length > 0 ? ["--grad"] : [];
    out.push({ name: `construct ${name}`, model, args: [...inputs, ...grad, "--outputs", allQuantities(ir)] });
  }
  // Parameters from the seed, as rnnc draws them (normal and orthogonal go through log, cos and sin: to rounding).
  for (const model of ["examples/lstm-gates.rnn", join(dir, "initialisers.rnn")])
    out.push({
      name: `${basename(model)} initialised from --seed 3`,
      model,
      args: [
        "--data",
        join(dir, `${basename(model, ".rnn") === "lstm-gates" ? "lstm-gates" : "initialisers"}.data.json`),
        "--seed",
        "3",
        "--grad",
      ],
    });
  // Data without targets: the loss is null.
  const noTargets = join(dir, "elman-no-targets.json");
  const elman = JSON.parse(readFileSync("examples/data/elman.json", "utf8"));
  delete elman.y;
  writeFileSync(noTargets, JSON.stringify(elman));
  out.push({ name: "elman.rnn on data without targets", model: "examples/elman.rnn", args: ["--data", noTargets] });
  // Models the generator makes (cells of every kind, derived dims, every initialiser): a fixed sample.
  fc.sample(generatedModel({ safeNumerics: true, maxDim: 5 }), { numRuns: 8, seed: 18 }).forEach((g, i) => {
    const name = `generated-${i}`;
    const model = writeModel(name, g.text);
    const ir = irFromText(g.text);
    out.push({
      name: `generated model ${i} (${g.name})`,
      model,
      args: [...randomInputs(name, ir, 200 + i, "json"), "--grad", "--outputs", allQuantities(ir)],
    });
  });
  // Float32: to rounding.
  const lstm = out.find((c) => c.model === join("examples", "lstm.rnn"))!;
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
