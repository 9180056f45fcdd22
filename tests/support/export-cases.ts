/**
 * The models the tests of exported files run, with weights and a batch for each: every
 * example (on its shipped batch), every PyTorch fixture (its weights and data), models that
 * use each construct of the language, and models the generator makes. Each case's files are
 * written into a directory the caller gives.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import fc from "fast-check";
import { batchToJson } from "../../engine/io/data-json.js";
import { serializeWeights } from "../../engine/io/weights-file.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { generatedModel } from "./model-generator.js";
import { irFromFile, irFromText } from "./models.js";

export interface ModelCase {
  name: string;
  model: string;
  ir: IrModel;
  /** The normative JSON batch. */
  data: string;
  /** JSON or safetensors. */
  weights: string;
}

/** Random weights (every parameter non-zero, so every gradient is exercised) and a ragged random batch. */
function randomInputs(
  dir: string,
  name: string,
  ir: IrModel,
  seed: number,
  format: "json" | "safetensors-f64",
): { data: string; weights: string } {
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
  return { data: dataFile, weights: weightsFile };
}

/** Models that use each construct: every activation, arithmetic with scalars and vectors, concatenation, delays of 1 to 3 steps of states and inputs (one-hot and dense), learned and constant initial states, every loss in every form, two losses, reduce = sum, no loss, a state read ahead by a forward equation, dropout. */
export const constructs: Record<string, string> = {
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
  parameters_as_rows: `model Rows {
  dim D = 2
  dim H = 3
  input x : [D]
  target y : [H]
  param b : [H]
  param W : [H, D + H]
  param U : [H, H + H]
  state h : [H] = zeros
  z = [x, b]
  h = tanh(W @ z + U @ [h[t-1], b])
  loss mse(h, y) at each
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
  // A forward equation reading the backward loop's state ahead, past the sequence's end its initial value.
  read_ahead: `model Ahead {
  dim D = 2
  dim H = 3
  input x : [D]
  target y : [H]
  param W : [H, H]
  param U : [H, D]
  state h : [H] = 0.5
  h = tanh(W @ h[t+1] + U @ x)
  o = h[t+1] * 2 + h[t+2]
  loss mse(o, y) at each
}
`,
  // Exported, dropout is the identity (as in rnnc run): on an input, on a state's use (per sequence), before the output.
  dropout: `model Dropped {
  dim D = 3
  dim H = 4
  dim K = 3
  input x : [D]
  target y : class[K]
  param W : [H, H]
  param U : [H, D]
  param Vo : [K, H]
  state h : [H] = zeros
  h = tanh(W @ dropout(h[t-1], p = 0.25, per = sequence) + U @ dropout(x, p = 0.2))
  o = softmax(Vo @ dropout(h, p = 0.5))
  loss cross_entropy(o, y) at each
}
`,
};

/** The shipped examples, as paths: PyTorch and ONNX export every one. */
export function shippedExamples(): string[] {
  return readdirSync("examples")
    .filter((f) => f.endsWith(".rnn"))
    .map((f) => join("examples", f));
}

export function modelCases(dir: string): ModelCase[] {
  const out: ModelCase[] = [];
  for (const model of shippedExamples()) {
    const ir = irFromFile(model);
    const file = basename(model);
    const name = basename(file, ".rnn");
    const { weights } = randomInputs(dir, name, ir, out.length + 1, out.length % 2 ? "json" : "safetensors-f64");
    out.push({ name: `example ${file}`, model, ir, data: join("examples", "data", `${name}.json`), weights });
  }
  for (const file of readdirSync("tests/fixtures/pytorch").filter((f) => f.endsWith(".rnn"))) {
    const model = join("tests/fixtures/pytorch", file);
    const fixture = JSON.parse(readFileSync(model.replace(/\.rnn$/, ".json"), "utf8"));
    const name = `fixture-${basename(file, ".rnn")}`;
    const [weights, data] = [join(dir, `${name}.weights.json`), join(dir, `${name}.data.json`)];
    writeFileSync(weights, JSON.stringify(fixture.weights));
    writeFileSync(data, JSON.stringify(fixture.data));
    out.push({ name: `fixture ${file}`, model, ir: irFromFile(model), data, weights });
  }
  for (const [name, text] of Object.entries(constructs)) {
    const model = join(dir, `${name}.rnn`);
    writeFileSync(model, text);
    const ir = irFromText(text);
    out.push({
      name: `construct ${name}`,
      model,
      ir,
      ...randomInputs(dir, name, ir, 100 + out.length, "safetensors-f64"),
    });
  }
  // A fixed sample of what the generator makes: cells of every kind, derived dims, every initialiser.
  fc.sample(generatedModel({ safeNumerics: true, maxDim: 5 }), { numRuns: 8, seed: 18 }).forEach((g, i) => {
    const name = `generated-${i}`;
    const model = join(dir, `${name}.rnn`);
    writeFileSync(model, g.text);
    const ir = irFromText(g.text);
    out.push({ name: `generated model ${i} (${g.name})`, model, ir, ...randomInputs(dir, name, ir, 200 + i, "json") });
  });
  return out;
}
