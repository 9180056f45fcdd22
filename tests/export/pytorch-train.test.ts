/**
 * Training an exported model under torchrun: one step of DistributedDataParallel on two
 * processes is one step on one process with the whole batch, and one step of `rnnc train`
 * (float64, 1e-10), on every example and on a text, JSONL records and sentence pairs; a run moves between
 * rnnc and torchrun in both directions, interrupted by SIGTERM, and ends where the
 * uninterrupted `rnnc train` ends; rnnc eval and sample read what torchrun wrote; an
 * encoder-decoder learns to reverse sequences on two processes as it does in rnnc, and a run on
 * sentence pairs moves from rnnc to torchrun.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initialWeights } from "../../engine/init-weights.js";
import { decodeSafetensors } from "../../runtime/io/safetensors.js";
import { Rng } from "../../runtime/rng.js";
import { rnnc } from "../support/cli.js";
import { largestMagnitude, maxRelativeError } from "../support/compare.js";
import { shippedExamples } from "../support/export-cases.js";
import { irFromFile } from "../support/models.js";
import { PYTHON_SETUP_MS, python, runExportedJobs, runProcess, type JobResult } from "../support/python.js";
import { signalAfterStep, spawnRnnc } from "../support/spawn.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-export-train-"));

type Weights = Record<string, Float64Array>;

function checkpointWeights(checkpoint: string): Weights {
  const { tensors } = decodeSafetensors(readFileSync(join(checkpoint, "weights.safetensors")));
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.data]));
}

function checkpointMeta(checkpoint: string): {
  step: number;
  epoch: number;
  finished: boolean;
  config: { backend: string };
} {
  return JSON.parse(readFileSync(join(checkpoint, "checkpoint.json"), "utf8"));
}

/** The largest difference between two sets of weights' changes from `start`, relative to the largest change. */
function updateDifference(a: Weights, b: Weights, start: Weights): number {
  const change = (w: Weights) => Object.keys(start).map((k) => w[k]!.map((v, i) => v - start[k]![i]!));
  const [da, db] = [change(a), change(b)];
  const scale = Math.max(...db.map((d) => largestMagnitude(d)));
  expect(scale).toBeGreaterThan(0);
  return Math.max(...da.map((d, i) => maxRelativeError(d, db[i]!, scale)));
}

function weightsDifference(a: Weights, b: Weights): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  const scale = Math.max(...Object.values(b).map((w) => largestMagnitude(w)));
  return Math.max(...Object.keys(b).map((k) => maxRelativeError(a[k]!, b[k]!, scale)));
}

/** A text of a few thousand characters from a small vocabulary. */
function corpus(): string {
  const words = "the quick brown fox jumps over a lazy dog while seven cats sleep".split(" ");
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: 500 }, () => words[next() % words.length]).join(" ");
}

/** `--dim NAME=VALUE` options as a record. */
function dimValues(options: string[]): Record<string, number> {
  return Object.fromEntries(
    options.filter((_, k) => k % 2 === 1).map((spec) => [spec.split("=")[0]!, Number(spec.split("=")[1])]),
  );
}

interface StepCase {
  name: string;
  model: string;
  data: string;
  /** Options of both `rnnc train` and the exported file's `train`. */
  options: string[];
  /** --dim for rnnc and the export (a text's and records' dims fit their data). */
  dims: string[];
}

function stepCases(): StepCase[] {
  const oneStep = ["--epochs", "1", "--batch", "64", "--val-split", "0", "--optimizer", "sgd", "--lr", "0.5"];
  const cases: StepCase[] = shippedExamples().map((model) => ({
    name: `example ${basename(model)}`,
    model,
    data: join("examples", "data", `${basename(model, ".rnn")}.json`),
    options: oneStep,
    dims: [],
  }));
  const text = join(dir, "corpus.txt");
  writeFileSync(text, corpus().slice(0, 200));
  // Two chunks of four streams, split two and two: the second chunk reads the state the first left.
  cases.push({
    name: "a text (char-lm.rnn), two chunks of 4 streams",
    model: "examples/char-lm.rnn",
    data: text,
    options: [
      "--epochs",
      "1",
      "--batch",
      "4",
      "--seq-len",
      "25",
      "--val-split",
      "0",
      "--optimizer",
      "momentum",
      "--lr",
      "0.5",
    ],
    dims: ["--dim", "H=8", "--dim", `V=${new Set(corpus().slice(0, 200)).size}`],
  });
  const records = join(dir, "records.jsonl");
  writeFileSync(
    records,
    ["the film was good", "not good at all", "a bad film", "good good good", "bad"]
      .map((text, i) => JSON.stringify({ text, label: i % 2 ? "neg" : "pos" }))
      .join("\n"),
  );
  cases.push({
    name: "JSONL records (elman.rnn), 5 in one batch",
    model: "examples/elman.rnn",
    data: records,
    options: oneStep,
    dims: ["--dim", "V=9", "--dim", "K=2"],
  });
  const pairs = join(dir, "pairs.tsv");
  writeFileSync(pairs, "c f\tf c\nh b a h e\te h a b h\nd d h h g\tg h h d d\na g\tg a\nb\tb\n");
  cases.push({
    name: "sentence pairs (translate.rnn), cut into words, 5 in one batch",
    model: "examples/translate.rnn",
    data: pairs,
    options: [...oneStep, "--tokens", "words"],
    dims: ["--dim", "V=8", "--dim", "W=9", "--dim", "H=8"],
  });
  return cases;
}

describe("an exported model trained under torchrun", () => {
  const cases = stepCases();
  let two: JobResult[] = [];
  let one: JobResult[] = [];
  const exported = (i: number) => join(dir, `step-${i}.py`);
  const checkpoint = (i: number, processes: number) => join(dir, `step-${i}-${processes}`);

  beforeAll(async () => {
    for (const [i, c] of cases.entries())
      expect((await rnnc("export", c.model, "--to", "pytorch", ...c.dims, "-o", exported(i))).code).toBe(0);
    const jobs = (processes: number) =>
      cases.map((c, i) => ({
        module: exported(i),
        argv: ["train", "--data", c.data, "--checkpoint", checkpoint(i, processes), ...c.options],
      }));
    two = await runExportedJobs(jobs(2), 2);
    one = await runExportedJobs(jobs(1), 1);
  }, PYTHON_SETUP_MS);

  for (const [i, c] of cases.entries()) {
    it(`${c.name}: a step on 2 processes is a step on one with the whole batch, and rnnc train's (1e-10)`, async () => {
      expect(two[i]!.code, two[i]!.err).toBe(0);
      expect(one[i]!.code, one[i]!.err).toBe(0);
      expect(two[i]!.out).toContain("on 2 processes");
      const own = join(dir, `step-${i}-rnnc`);
      const r = await rnnc(
        "train",
        c.model,
        "--data",
        c.data,
        "--checkpoint",
        own,
        ...c.options,
        ...c.dims,
        "--backend",
        "interp",
        "--progress",
        "none",
      );
      expect(r.code, r.err).toBe(0);
      const start = initialWeights(irFromFile(c.model, dimValues(c.dims)), 1);
      const [onTwo, onOne, ofRnnc] = [
        checkpointWeights(checkpoint(i, 2)),
        checkpointWeights(checkpoint(i, 1)),
        checkpointWeights(own),
      ];
      expect(checkpointMeta(checkpoint(i, 2)).step).toBe(checkpointMeta(own).step);
      expect(updateDifference(onTwo, onOne, start)).toBeLessThan(1e-10);
      expect(updateDifference(onTwo, ofRnnc, start)).toBeLessThan(1e-10);
      expect(checkpointMeta(checkpoint(i, 2)).config.backend).toBe("pytorch");
    });
  }
});

describe("a run moving between rnnc and torchrun", () => {
  const text = join(dir, "moving.txt");
  writeFileSync(text, corpus());
  const options = ["--data", text, "--epochs", "2", "--batch", "4", "--seq-len", "25", "--seed", "5"];
  /** `rnnc train` of the char-LM (H = 8, V from the text) into `checkpoint`. */
  const trainArgs = (checkpoint: string, ...more: string[]) => [
    "train",
    "examples/char-lm.rnn",
    "--dim",
    "H=8",
    ...options,
    "--checkpoint",
    checkpoint,
    ...more,
  ];
  const reference = join(dir, "moving-rnnc");
  const file = join(dir, "moving.py");

  beforeAll(async () => {
    const r = await rnnc(...trainArgs(reference, "--progress", "none"));
    expect(r.code, r.err).toBe(0);
    // The exported model takes its dims from the run (V from the text).
    expect(
      (await rnnc("export", "examples/char-lm.rnn", "--to", "pytorch", "--checkpoint", reference, "-o", file)).code,
    ).toBe(0);
  }, PYTHON_SETUP_MS);

  it(
    "rnnc train stopped by SIGTERM, resumed under torchrun on 2 processes, ends where rnnc ends",
    async () => {
      const run = join(dir, "moving-a");
      const first = await spawnRnnc(
        trainArgs(run, "--progress", "lines", "--log-every", "1"),
        signalAfterStep("SIGTERM", 5),
      );
      expect(first.code, first.out).toBe(143);
      const stopped = checkpointMeta(run);
      expect(stopped.finished).toBe(false);
      const env = await python();
      const second = await runProcess(env.torchrun, [
        "--standalone",
        "--nproc_per_node",
        "2",
        file,
        "train",
        "--data",
        text,
        "--checkpoint",
        run,
        "--resume",
      ]);
      expect(second.code, second.out).toBe(0);
      expect(second.out).toContain("on 2 processes");
      expect(checkpointMeta(run)).toMatchObject({ finished: true, step: checkpointMeta(reference).step });
      expect(weightsDifference(checkpointWeights(run), checkpointWeights(reference))).toBeLessThan(1e-10);
      // What torchrun wrote is an rnnc checkpoint: eval and sample read it.
      const evaluated = await rnnc("eval", "examples/char-lm.rnn", "--checkpoint", run, "--data", text);
      expect(evaluated.code, evaluated.err).toBe(0);
      const referenceEval = await rnnc("eval", "examples/char-lm.rnn", "--checkpoint", reference, "--data", text);
      expect(evaluated.out).toBe(referenceEval.out.replace(`(${reference})`, `(${run})`));
      const sampled = await rnnc(
        "sample",
        "examples/char-lm.rnn",
        "--checkpoint",
        run,
        "--length",
        "20",
        "--seed",
        "3",
      );
      expect(sampled.code, sampled.err).toBe(0);
      expect(sampled.out).toBe(
        (await rnnc("sample", "examples/char-lm.rnn", "--checkpoint", reference, "--length", "20", "--seed", "3")).out,
      );
    },
    PYTHON_SETUP_MS,
  );

  it(
    "torchrun on 2 processes stopped by SIGTERM, resumed by rnnc train, ends where rnnc ends",
    async () => {
      const run = join(dir, "moving-b");
      const env = await python();
      let sent = false;
      const first = await runProcess(
        env.torchrun,
        ["--standalone", "--nproc_per_node", "2", file, "train", ...options, "--checkpoint", run, "--log-every", "1"],
        (out, pid) => {
          if (!sent && /step 5\//.test(out)) {
            sent = true;
            process.kill(pid, "SIGTERM");
          }
        },
      );
      expect(first.out).toContain("stopped after step");
      expect(first.code).not.toBe(0);
      const stopped = checkpointMeta(run);
      expect(stopped.finished).toBe(false);
      expect(stopped.step).toBeGreaterThanOrEqual(5);
      const second = await rnnc(
        "train",
        "examples/char-lm.rnn",
        "--data",
        text,
        "--checkpoint",
        run,
        "--resume",
        "--progress",
        "none",
      );
      expect(second.code, second.err).toBe(0);
      expect(checkpointMeta(run)).toMatchObject({ finished: true, step: checkpointMeta(reference).step });
      expect(weightsDifference(checkpointWeights(run), checkpointWeights(reference))).toBeLessThan(1e-10);
      // The same losses step by step, whoever computed them.
      const losses = (path: string) =>
        readFileSync(join(path, "metrics.jsonl"), "utf8")
          .split("\n")
          .filter((l) => l.includes('"kind":"step"'))
          .map((l) => JSON.parse(l).loss as number);
      expect(maxRelativeError(losses(run), losses(reference))).toBeLessThan(1e-10);
    },
    PYTHON_SETUP_MS,
  );
});

/**
 * Sentence pairs as the normative batch of a model of two sequences: sources of 1–4 word ids
 * (0–5) and their reverses ended by id 6, each side over its own steps with its own lengths.
 */
function reversalPairs(n: number): Record<string, unknown> {
  const rng = new Rng(11);
  const sources = Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(4) }, () => rng.int(6)));
  const targets = sources.map((s) => [...s].reverse().concat(6));
  const timeMajor = (rows: number[][]) =>
    Array.from({ length: Math.max(...rows.map((r) => r.length)) }, (_, t) => rows.map((r) => r[t] ?? 0));
  return {
    x: timeMajor(sources),
    y: timeMajor(targets),
    lengths: { s: sources.map((s) => s.length), t: targets.map((t) => t.length) },
  };
}

describe("a translation model trained under torchrun", () => {
  const data = join(dir, "reversal.json");
  writeFileSync(data, JSON.stringify(reversalPairs(64)));
  const dims = ["--dim", "V=6", "--dim", "W=7", "--dim", "H=16"];
  const options = ["--data", data, "--epochs", "12", "--batch", "16", "--val-split", "0", "--lr", "0.02"];
  const file = join(dir, "translate.py");

  it(
    "examples/translate.rnn on 2 processes: its loss falls, step for step as rnnc train's (1e-9)",
    async () => {
      expect((await rnnc("export", "examples/translate.rnn", "--to", "pytorch", ...dims, "-o", file)).code).toBe(0);
      const env = await python();
      const run = join(dir, "translate-torchrun");
      const r = await runProcess(env.torchrun, [
        "--standalone",
        "--nproc_per_node",
        "2",
        file,
        "train",
        ...options,
        "--checkpoint",
        run,
      ]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("64 sequences of 2-5 steps, 4 batches an epoch on 2 processes");
      const own = join(dir, "translate-rnnc");
      const reference = await rnnc(
        "train",
        "examples/translate.rnn",
        ...dims,
        ...options,
        "--checkpoint",
        own,
        "--backend",
        "interp",
        "--progress",
        "none",
      );
      expect(reference.code, reference.err).toBe(0);
      const epochLosses = (path: string) =>
        readFileSync(join(path, "metrics.jsonl"), "utf8")
          .split("\n")
          .filter((l) => l.includes('"epoch_end":true'))
          .map((l) => JSON.parse(l).train_loss as number);
      const losses = epochLosses(run);
      expect(losses).toHaveLength(12);
      expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
      expect(maxRelativeError(losses, epochLosses(own))).toBeLessThan(1e-9);
      expect(weightsDifference(checkpointWeights(run), checkpointWeights(own))).toBeLessThan(1e-9);
    },
    PYTHON_SETUP_MS,
  );

  it(
    "sentence pairs: a run of rnnc train (examples/translate-attention.rnn, words) resumed under torchrun ends where rnnc ends (1e-10)",
    async () => {
      const rng = new Rng(5);
      const pairs = join(dir, "reversal.tsv");
      const lines = Array.from({ length: 24 }, () =>
        Array.from({ length: 1 + rng.int(4) }, () => "abcdef"[rng.int(6)]!),
      ).map((words) => `${words.join(" ")}\t${[...words].reverse().join(" ")}`);
      writeFileSync(pairs, lines.join("\n") + "\n");
      const model = "examples/translate-attention.rnn";
      const options = ["--dim", "H=8", "--data", pairs, "--tokens", "words", "--batch", "8", "--val-split", "0.2"];
      const rnncOnly = ["--backend", "interp", "--progress", "none"];
      const train = (checkpoint: string, epochs: number) =>
        rnnc("train", model, ...options, "--epochs", String(epochs), "--checkpoint", checkpoint, ...rnncOnly);
      const [reference, moved] = [join(dir, "pairs-rnnc"), join(dir, "pairs-moved")];
      expect((await train(reference, 2)).code).toBe(0);
      expect((await train(moved, 1)).code).toBe(0);
      const exported = join(dir, "translate-attention.py");
      const e = await rnnc("export", model, "--to", "pytorch", "--checkpoint", moved, "-o", exported);
      expect(e.code, e.err).toBe(0);
      const env = await python();
      const resumed = await runProcess(env.torchrun, [
        "--standalone",
        "--nproc_per_node",
        "2",
        exported,
        "train",
        "--data",
        pairs,
        "--checkpoint",
        moved,
        "--resume",
        "--epochs",
        "2",
      ]);
      expect(resumed.code, resumed.out).toBe(0);
      expect(checkpointMeta(moved)).toMatchObject({ finished: true, step: checkpointMeta(reference).step });
      expect(weightsDifference(checkpointWeights(moved), checkpointWeights(reference))).toBeLessThan(1e-10);
    },
    PYTHON_SETUP_MS,
  );
});
