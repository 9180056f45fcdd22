/**
 * A character-level language model: an LSTM trained on a text the project generates (any
 * text file works with --text), evaluated on held-out text, then sampled.
 *
 *   node examples/experiments/char-lm.mjs [--seed 1] [--backend interp|compiled] [--epochs 12] [--sentences 800] [--text FILE] [--out runs/experiments/char-lm]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { corpus } from "./data.mjs";
import { evalJson, options, rnnc, write, freshCheckpoint, writeCommands } from "./lib.mjs";

const o = options({
  seed: 1,
  backend: "interp",
  epochs: 12,
  sentences: 800,
  batch: 32,
  seqLen: 50,
  lr: 0.01,
  text: "",
  out: "runs/experiments/char-lm",
});
const model = "examples/experiments/models/char-lstm.rnn";
const trainFile = o.text || join(o.out, "corpus.txt");
const testFile = join(o.out, "test.txt");
if (!o.text) write(trainFile, corpus(o.seed, o.sentences));
write(testFile, o.text ? readFileSync(o.text, "utf8").slice(-5000) : corpus(o.seed + 1000, 100));

const started = Date.now();
const checkpoint = freshCheckpoint(join(o.out, "lstm"));
rnnc([
  "train",
  "--backend",
  o.backend,
  model,
  "--data",
  trainFile,
  "--epochs",
  String(o.epochs),
  "--batch",
  String(o.batch),
  "--seq-len",
  String(o.seqLen),
  "--lr",
  String(o.lr),
  "--seed",
  String(o.seed),
  "--checkpoint",
  checkpoint,
  "--progress",
  "lines",
]);
const test = evalJson(model, checkpoint, testFile, o.backend);

// A reference: the perplexity of the best model that ignores context (character frequencies of the training text).
const text = Array.from(readFileSync(trainFile, "utf8"));
const counts = new Map();
for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
const testChars = Array.from(readFileSync(testFile, "utf8"));
const unigram = Math.exp(
  -testChars.reduce((s, c) => s + Math.log((counts.get(c) ?? 0.5) / text.length), 0) / testChars.length,
);

const samples = [0.5, 1].map((t) => ({
  temperature: t,
  text: rnnc(
    [
      "sample",
      model,
      "--checkpoint",
      checkpoint,
      "--length",
      "300",
      "--prime",
      "the ",
      "--temperature",
      String(t),
      "--seed",
      String(o.seed),
    ],
    { capture: true },
  ).stdout.trimEnd(),
}));
const summary =
  `Character LSTM (H = 64) — ${text.length.toLocaleString("en-US")} training characters (10% held out for validation), seed ${o.seed}, ${o.epochs} epochs, ${o.batch} streams × ${o.seqLen}-step chunks, Adam lr ${o.lr}, ${o.backend} backend; ${((Date.now() - started) / 1000).toFixed(0)} s in all.\n\n` +
  `| on ${testChars.length.toLocaleString("en-US")} test characters | loss (nats/char) | accuracy (next char) | perplexity |\n|---|---|---|---|\n` +
  `| character LSTM | ${test.loss.toFixed(4)} | ${(100 * test.accuracy).toFixed(1)}% | ${test.perplexity.toFixed(2)} |\n` +
  `| character frequencies only (no context) | ${Math.log(unigram).toFixed(4)} | | ${unigram.toFixed(2)} |\n\n` +
  samples
    .map((s) => `Sample, temperature ${s.temperature}, prime "the ", seed ${o.seed}:\n\n\`\`\`\n${s.text}\n\`\`\`\n`)
    .join("\n");
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify({ seed: o.seed, epochs: o.epochs, test, unigramPerplexity: unigram, samples }, null, 2) + "\n",
);
process.stdout.write("\n" + summary);
