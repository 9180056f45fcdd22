/**
 * Attention on long sequences: examples/translate.rnn (the whole source squeezed into the
 * encoder's last state) against examples/translate-attention.rnn (additive attention over every
 * encoder state), both at the same H, trained to reverse sequences of 4–24 letters (data.mjs
 * `reversal`), scored by exact match of their greedy outputs for each range of source lengths;
 * and the attention weights of one long test example drawn by `rnnc translate --attention-plot`.
 *
 *   node examples/experiments/attention.mjs [--seed 1] [--epochs 20] [--train 1500] [--val 200]
 *     [--test 300] [--min 4] [--max 24] [--H 32] [--out runs/experiments/attention]
 *
 * Writes the data, trains each model with `rnnc train --tokens words` and rnnc's default
 * optimiser on the interpreter (the code generator refuses attention), translates the test
 * sources with `rnnc translate`, and prints (and writes) the table.
 */
import { join } from "node:path";
import { reversal } from "./data.mjs";
import { markdownTable, options, pct, rnnc, trainWithBar, write, writeCommands } from "./lib.mjs";

const o = options({
  seed: 1,
  backend: "interp",
  epochs: 20,
  batch: 32,
  train: 1500,
  val: 200,
  test: 300,
  min: 4,
  max: 24,
  H: 32,
  out: "runs/experiments/attention",
});

const data = (name, seed, n) => {
  const text = reversal(seed, n, o.min, o.max);
  write(join(o.out, `${name}.tsv`), text);
  return text;
};
data("train", o.seed, o.train);
data("val", o.seed + 1000, o.val);
const test = data("test", o.seed + 2000, o.test)
  .trimEnd()
  .split("\n")
  .map((line) => line.split("\t"));
write(join(o.out, "test-sources.txt"), test.map(([source]) => source).join("\n") + "\n");
// The example drawn: the first test source of the longest lengths.
const drawn = test.find(([source]) => source.split(" ").length >= o.max - 2) ?? test[0];
write(join(o.out, "example.txt"), drawn[0] + "\n");

const models = [
  { name: "no attention", file: "examples/translate.rnn", dir: "plain" },
  { name: "additive attention", file: "examples/translate-attention.rnn", dir: "attention" },
];
const dim = ["--dim", `H=${o.H}`];
const started = Date.now();
process.stdout.write(`\ntraining ${models.length} models for ${o.epochs} epochs on ${o.train} pairs (interpreter):\n`);
const labelWidth = Math.max(...models.map((m) => m.name.length));
for (const m of models) {
  const began = Date.now();
  await trainWithBar(m.name.padEnd(labelWidth), m.file, join(o.out, "train.tsv"), join(o.out, m.dir), o, [
    "--tokens",
    "words",
    "--val-data",
    join(o.out, "val.tsv"),
    ...dim,
  ]);
  m.seconds = (Date.now() - began) / 1000;
  const translated = rnnc(
    ["translate", m.file, "--checkpoint", join(o.out, m.dir), "--input", join(o.out, "test-sources.txt"), ...dim],
    { capture: true, quiet: true },
  ).stdout;
  m.outputs = translated.trimEnd().split("\n");
}
rnnc([
  "translate",
  "examples/translate-attention.rnn",
  "--checkpoint",
  join(o.out, "attention"),
  "--input",
  join(o.out, "example.txt"),
  "--attention-plot",
  join(o.out, "attention.svg"),
  ...dim,
]);

/** Exact match of a model's outputs on the test pairs whose source has `from`–`to` words. */
function exactMatch(m, from, to) {
  const chosen = test
    .map((pair, i) => [pair, i])
    .filter(([[source]]) => {
      const n = source.split(" ").length;
      return n >= from && n <= to;
    });
  const right = chosen.filter(([[, target], i]) => m.outputs[i] === target).length;
  return { n: chosen.length, exact: chosen.length === 0 ? 0 : right / chosen.length };
}

// Five ranges of source lengths, then all of them.
const span = o.max - o.min + 1;
const ranges = [0, 1, 2, 3, 4].map((k) => [
  o.min + Math.round((k * span) / 5),
  o.min + Math.round(((k + 1) * span) / 5) - 1,
]);
ranges.push([o.min, o.max]);
const rows = ranges.map(([from, to], k) => [
  k === ranges.length - 1 ? `all (${from}–${to})` : `${from}–${to}`,
  String(exactMatch(models[0], from, to).n),
  ...models.map((m) => pct(exactMatch(m, from, to).exact)),
]);
const table = markdownTable(["source words", "test pairs", ...models.map((m) => `exact match, ${m.name}`)], rows);
const times = models.map((m) => `${m.name} ${m.seconds.toFixed(0)} s`).join(", ");
const summary = `Reversal — ${o.train} training pairs, ${o.val} validation, ${o.test} test (data.mjs reversal, ${o.min}–${o.max} letters, seed ${o.seed}), H = ${o.H}, ${o.epochs} epochs, batch ${o.batch}, Adam lr 0.005, interpreter; training ${times}; ${((Date.now() - started) / 1000).toFixed(0)} s in all. Greedy decoding.\n\n${table}\nThe attention of the example (${drawn[0].split(" ").length} letters): ${join(o.out, "attention.svg")}\n`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify(
    { ...o, models: models.map((m) => ({ name: m.name, file: m.file, seconds: m.seconds })), rows },
    null,
    2,
  ) + "\n",
);
process.stdout.write("\n" + summary);
