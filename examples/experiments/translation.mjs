/**
 * Translation: examples/translate.rnn, a GRU encoder-decoder, on the toy English → toy French
 * corpus of data.mjs (`pairs`), reading the source forwards, reversed (Sutskever et al. 2014:
 * the first source words then lie close to the first target words they decide), and with a
 * bidirectional encoder (with its control, the same two layers both forwards); beside it the
 * PyTorch GRU encoder-decoder of the same size, optimiser, batches and data
 * (translate_pytorch.py, in the Python environment of tools/python/environment.mjs).
 *
 *   node examples/experiments/translation.mjs [--seed 1] [--backend interp|compiled] [--epochs 10]
 *     [--train 3000] [--val 300] [--test 500] [--pytorch yes|no] [--out runs/experiments/translation]
 *
 * Writes the data (the reversed copies too), trains each model with `rnnc train --tokens words`
 * and rnnc's default optimiser (one progress bar each), scores it on the test pairs with
 * `rnnc eval` (loss, token accuracy, and of its greedy translations exact match and BLEU), scores
 * PyTorch's translations with the same exact match and BLEU (engine/train/bleu.ts), and prints
 * (and writes) the table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pythonEnvironment } from "../../tools/python/environment.mjs";
import { pairs } from "./data.mjs";
import {
  ensureDir,
  evalJson,
  loadDist,
  markdownTable,
  options,
  pct,
  root,
  runWithBar,
  trainWithBar,
  write,
  writeCommands,
} from "./lib.mjs";

const o = options({
  seed: 1,
  backend: "interp",
  epochs: 10,
  batch: 32,
  train: 3000,
  val: 300,
  test: 500,
  pytorch: "yes",
  out: "runs/experiments/translation",
});
const { corpusBleu } = await loadDist("engine/train/bleu.js");

/** The corpus of `n` pairs from `seed`, and the same with each source's words reversed. */
function writeData(name, seed, n) {
  const text = pairs(seed, n);
  const reversed = text
    .trimEnd()
    .split("\n")
    .map((line) => {
      const [source, target] = line.split("\t");
      return `${source.split(" ").reverse().join(" ")}\t${target}`;
    })
    .join("\n");
  write(join(o.out, `${name}.tsv`), text);
  write(join(o.out, `${name}-reversed.tsv`), reversed + "\n");
  return text;
}
writeData("train", o.seed, o.train);
writeData("val", o.seed + 1000, o.val);
const testText = writeData("test", o.seed + 2000, o.test);
const references = testText
  .trimEnd()
  .split("\n")
  .map((line) => line.split("\t")[1]);
const file = (name, reversed) => join(o.out, `${name}${reversed ? "-reversed" : ""}.tsv`);

const models = [
  { name: "source forwards", file: "examples/translate.rnn", dir: "forwards", reversed: false },
  { name: "source reversed", file: "examples/translate.rnn", dir: "reversed", reversed: true },
  {
    name: "two forward encoder layers (control)",
    file: "examples/experiments/models/translate-stacked.rnn",
    dir: "stacked",
    reversed: false,
  },
  {
    name: "bidirectional encoder (+ forward layer)",
    file: "examples/experiments/models/translate-bidirectional.rnn",
    dir: "bidirectional",
    reversed: false,
  },
];

const started = Date.now();
const results = [];
process.stdout.write(
  `\ntraining ${models.length} models${o.pytorch === "yes" ? " and PyTorch's" : ""} for ${o.epochs} epoch${o.epochs === 1 ? "" : "s"} on ${o.train} pairs (${o.backend} backend), checkpoints in ${o.out}:\n`,
);
const pytorchLabel = "PyTorch, source forwards";
const labelWidth = Math.max(pytorchLabel.length, ...models.map((m) => m.name.length));
for (const m of models) {
  const checkpoint = join(o.out, m.dir);
  const began = Date.now();
  await trainWithBar(m.name.padEnd(labelWidth), m.file, file("train", m.reversed), checkpoint, o, [
    "--tokens",
    "words",
    "--val-data",
    file("val", m.reversed),
  ]);
  const seconds = (Date.now() - began) / 1000;
  const test = evalJson(m.file, checkpoint, file("test", m.reversed), o.backend, { quiet: true });
  results.push({ ...test, model: m.name, file: `\`${m.file}\``, seconds });
}
if (o.pytorch === "yes") results.push(await pytorch());
process.stdout.write("\n");

/** The PyTorch peer of examples/translate.rnn, trained and scored on the same pairs. */
async function pytorch() {
  const { python } = await pythonEnvironment({ log: (line) => process.stdout.write(`${line}\n`) });
  const dir = join(o.out, "pytorch");
  ensureDir(dir);
  const script = join(root, "examples/experiments/translate_pytorch.py");
  const args = [script, "--train", file("train"), "--test", file("test"), "--out", dir];
  args.push("--epochs", String(o.epochs), "--batch", String(o.batch), "--seed", String(o.seed));
  await runWithBar(
    pytorchLabel.padEnd(labelWidth),
    python,
    args,
    join(dir, "metrics.jsonl"),
    o.epochs,
    `$ python ${args.join(" ")}`,
  );
  const r = JSON.parse(readFileSync(join(dir, "pytorch.json"), "utf8"));
  const exact = r.translations.filter((t, i) => t === references[i]).length / references.length;
  return {
    model: pytorchLabel,
    file: "`examples/experiments/translate_pytorch.py`",
    seconds: r.seconds,
    loss: r.loss,
    accuracy: r.accuracy,
    exactMatch: exact,
    bleu: corpusBleu(r.translations, [references]).score,
  };
}

const rows = results.map((r) => [
  r.model,
  r.file,
  r.loss.toFixed(4),
  pct(r.accuracy),
  pct(r.exactMatch),
  r.bleu.toFixed(2),
  `${r.seconds.toFixed(0)} s`,
]);
const table = markdownTable(
  ["model", "file", "test loss", "token accuracy", "exact match (greedy)", "BLEU (greedy)", "training time"],
  rows,
);
const summary = `Translation — ${o.train} training pairs, ${o.val} validation pairs, ${o.test} test pairs (data.mjs pairs, seed ${o.seed}), ${o.epochs} epoch${o.epochs === 1 ? "" : "s"}, batch ${o.batch}, Adam lr 0.005, ${o.backend} backend; ${((Date.now() - started) / 1000).toFixed(0)} s in all.\n\n${table}`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify({ seed: o.seed, epochs: o.epochs, train: o.train, test: o.test, results }, null, 2) + "\n",
);
process.stdout.write("\n" + summary);
