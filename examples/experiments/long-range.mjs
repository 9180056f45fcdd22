/**
 * Long-range dependencies: the sign of the first input is the label, read after L steps of
 * Gaussian noise (x = [value, marker], marker 1 at the first step only; data in the
 * normative JSON). Test accuracy against L for Elman, LSTM and GRU, as a table and a plot.
 *
 *   node examples/experiments/long-range.mjs [--seed 1] [--backend interp|compiled] [--lags 2,5,10,20,40,80] [--epochs 10] [--out runs/experiments/long-range]
 *
 * Chance is 50%. The same budget for every cell: train sequences, epochs, batch, Adam lr.
 */
import { join } from "node:path";
import { latch } from "./data.mjs";
import {
  evalJson,
  loadDist,
  markdownTable,
  options,
  pct,
  rnnc,
  write,
  freshCheckpoint,
  writeCommands,
} from "./lib.mjs";

const { composeCharts } = await loadDist("engine/plot/svg.js");
const o = options({
  seed: 1,
  backend: "interp",
  lags: "2,5,10,20,40,80",
  noise: 1,
  epochs: 10,
  batch: 32,
  lr: 0.01,
  train: 1000,
  test: 500,
  out: "runs/experiments/long-range",
});
const lags = String(o.lags).split(",").map(Number);
const models = [
  { name: "Elman", file: "examples/experiments/models/latch-elman.rnn" },
  { name: "LSTM", file: "examples/experiments/models/latch-lstm.rnn" },
  { name: "GRU", file: "examples/experiments/models/latch-gru.rnn" },
];

const started = Date.now();
const accuracy = Object.fromEntries(models.map((m) => [m.name, []]));
for (const L of lags) {
  const trainFile = join(o.out, `L${L}`, "train.json");
  const testFile = join(o.out, `L${L}`, "test.json");
  write(trainFile, latch(o.seed, o.train, L, o.noise));
  write(testFile, latch(o.seed + 1000, o.test, L, o.noise));
  for (const m of models) {
    const checkpoint = freshCheckpoint(join(o.out, `L${L}`, m.name.toLowerCase()));
    rnnc(
      [
        "train",
        "--backend",
        o.backend,
        m.file,
        "--data",
        trainFile,
        "--epochs",
        String(o.epochs),
        "--batch",
        String(o.batch),
        "--lr",
        String(o.lr),
        "--seed",
        String(o.seed),
        "--checkpoint",
        checkpoint,
        "--progress",
        "none",
      ],
      { capture: true },
    );
    const test = evalJson(m.file, checkpoint, testFile, o.backend);
    accuracy[m.name].push(test.accuracy);
    process.stdout.write(`  L = ${L}, ${m.name}: test accuracy ${pct(test.accuracy)}\n`);
  }
}

const table = markdownTable(
  ["lag L (steps = L + 1)", ...models.map((m) => m.name)],
  lags.map((L, i) => [String(L), ...models.map((m) => pct(accuracy[m.name][i]))]),
);
const svg = composeCharts([
  {
    title: "Sign of the first input after L noisy steps: test accuracy",
    xLabel: "lag L (noisy steps)",
    yLabel: "test accuracy",
    yDomain: [0.4, 1.02],
    hLines: [{ y: 0.5, label: "chance" }],
    series: models.map((m) => ({ name: m.name, points: lags.map((L, i) => [L, accuracy[m.name][i]]), markers: true })),
  },
]);
write(join(o.out, "accuracy.svg"), svg);
const summary = `Long-range dependencies — noise σ = ${o.noise}, ${o.train} training sequences (10% held out), ${o.test} test sequences per lag, seed ${o.seed}, ${o.epochs} epochs, batch ${o.batch}, Adam lr ${o.lr}, H = 16 (LSTM forget bias 1), ${o.backend} backend; ${((Date.now() - started) / 1000).toFixed(0)} s in all.\n\n${table}`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(join(o.out, "results.json"), JSON.stringify({ seed: o.seed, lags, epochs: o.epochs, accuracy }, null, 2) + "\n");
process.stdout.write("\n" + summary);
