/**
 * Elman, Jordan, and both at once, on the same data with the same budget: the lecture's claim
 * that feeding back the hidden state (Elman) usually works better than feeding back the
 * output (Jordan), whose K = 2 numbers are all that reaches the next step.
 *
 *   node examples/experiments/recurrences.mjs [--seeds 1,2,3] [--backend interp|compiled] [--epochs 30] [--out runs/experiments/recurrences]
 *
 * The sentences of order-matters.mjs (word order and negation decide the label); every model
 * has H = 32 and is trained 30 epochs, batch 32, Adam lr 0.005, for each seed (the data, the
 * initial weights and the shuffling all follow the seed); accuracy on held-out sentences.
 */
import { join } from "node:path";
import { sentiment } from "./data.mjs";
import { evalJson, markdownTable, options, pct, trainWithBar, write, writeCommands } from "./lib.mjs";

const o = options({
  seeds: "1,2,3",
  backend: "interp",
  epochs: 30,
  batch: 32,
  lr: 0.005,
  train: 2000,
  test: 1000,
  out: "runs/experiments/recurrences",
});
const seeds = o.seeds.split(",").map(Number);
const models = [
  {
    name: "Elman: h_t = tanh(W h_{t−1} + U x_t + b)",
    file: "examples/experiments/models/sentiment-rnn.rnn",
    dir: "elman",
  },
  {
    name: "Jordan: h_t = tanh(W o_{t−1} + U x_t + b)",
    file: "examples/experiments/models/sentiment-jordan.rnn",
    dir: "jordan",
  },
  {
    name: "both: h_t = tanh(W h_{t−1} + W_o o_{t−1} + U x_t + b)",
    file: "examples/experiments/models/sentiment-both.rnn",
    dir: "both",
  },
];

const started = Date.now();
const results = models.map((m) => ({ ...m, bySeed: [] }));
for (const seed of seeds) {
  const trainFile = join(o.out, `seed-${seed}`, "train.jsonl");
  const testFile = join(o.out, `seed-${seed}`, "test.jsonl");
  write(trainFile, sentiment(seed, o.train));
  write(testFile, sentiment(seed + 1000, o.test));
  const labelWidth = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const checkpoint = join(o.out, `seed-${seed}`, r.dir);
    const label = `${r.name.padEnd(labelWidth)} seed ${seed}`;
    await trainWithBar(label, r.file, trainFile, checkpoint, { ...o, seed }, ["--lr", String(o.lr)]);
    r.bySeed.push({ seed, ...evalJson(r.file, checkpoint, testFile, o.backend, { quiet: true }) });
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const table = markdownTable(
  ["recurrence", "file", ...seeds.map((s) => `seed ${s}`), "mean test accuracy"],
  results.map((r) => [
    r.name,
    `\`${r.file.replace("examples/experiments/models/", "")}\``,
    ...r.bySeed.map((x) => pct(x.accuracy)),
    pct(mean(r.bySeed.map((x) => x.accuracy))),
  ]),
);
const summary = `Elman, Jordan and both — ${o.train} training sentences (10% held out for validation) and ${o.test} test sentences per seed, H = 32, ${o.epochs} epochs, batch ${o.batch}, Adam lr ${o.lr}, ${o.backend} backend; ${((Date.now() - started) / 1000).toFixed(0)} s in all.\n\n${table}`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify(
    results.map((r) => ({ model: r.name, file: r.file, runs: r.bySeed })),
    null,
    2,
  ) + "\n",
);
process.stdout.write("\n" + summary);
