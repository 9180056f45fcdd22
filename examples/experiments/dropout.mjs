/**
 * Dropout against none on the character model: the same LSTM (char-lstm.rnn, H = 64) trained
 * on a shipped text, examples/data/fables.txt (2,752 characters: small enough to overfit),
 * without dropout and with dropout before its output (char-lstm-dropout.rnn, p = 0.3), from
 * the same initial weights, batches and seed; the validation perplexity (the last 10% of the
 * text) after every epoch, read from each run's metrics.jsonl.
 *
 *   node examples/experiments/dropout.mjs [--seed 1] [--backend interp|compiled] [--epochs 60] [--out runs/experiments/dropout]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { markdownTable, options, trainWithBar, write, writeCommands } from "./lib.mjs";

const o = options({
  seed: 1,
  backend: "compiled",
  epochs: 60,
  batch: 8,
  seqLen: 50,
  lr: 0.01,
  text: "examples/data/fables.txt",
  out: "runs/experiments/dropout",
});
const runs = [
  { name: "no dropout", model: "examples/experiments/models/char-lstm.rnn", dir: "none" },
  { name: "dropout p = 0.3", model: "examples/experiments/models/char-lstm-dropout.rnn", dir: "dropout" },
];

const started = Date.now();
for (const run of runs) {
  const checkpoint = join(o.out, run.dir);
  await trainWithBar(run.name.padEnd(15), run.model, o.text, checkpoint, o, [
    "--seq-len",
    String(o.seqLen),
    "--lr",
    String(o.lr),
    "--val-split",
    "0.1",
  ]);
  // The validation at the end of each epoch (epochs from 1), with that epoch's mean training loss.
  run.epochs = readFileSync(join(checkpoint, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
    .filter((r) => r.kind === "eval" && r.epoch_end)
    .map((r) => ({ epoch: r.epoch, perplexity: r.val_perplexity, trainLoss: r.train_loss }));
  run.best = run.epochs.reduce((b, e) => (e.perplexity < b.perplexity ? e : b));
}
const seconds = (Date.now() - started) / 1000;

const shown = runs[0].epochs.map((e) => e.epoch).filter((e) => e === 1 || e % 5 === 0);
const at = (run, epoch) => run.epochs.find((e) => e.epoch === epoch);
const table = markdownTable(
  ["epoch", ...runs.flatMap((r) => [`${r.name}: train loss`, `${r.name}: val perplexity`])],
  shown.map((epoch) => [
    String(epoch),
    ...runs.flatMap((r) => [at(r, epoch).trainLoss.toFixed(3), at(r, epoch).perplexity.toFixed(2)]),
  ]),
);
const best = markdownTable(
  ["model", "best val perplexity", "at epoch", "val perplexity at the end"],
  runs.map((r) => [r.name, r.best.perplexity.toFixed(2), String(r.best.epoch), r.epochs.at(-1).perplexity.toFixed(2)]),
);
const summary =
  `Character LSTM (H = 64) on ${o.text} (10% held out for validation), seed ${o.seed}, ${o.epochs} epochs, ` +
  `${o.batch} streams × ${o.seqLen}-step chunks, Adam lr ${o.lr}, ${o.backend} backend; ${seconds.toFixed(0)} s in all.\n\n` +
  table +
  "\n" +
  best;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify(
    { seed: o.seed, epochs: o.epochs, runs: runs.map(({ name, epochs }) => ({ name, epochs })) },
    null,
    2,
  ) + "\n",
);
process.stdout.write("\n" + summary);
