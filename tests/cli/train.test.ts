/**
 * `rnnc train | eval | sample | analyze` end to end: files written, dims from the data,
 * errors, and a training process interrupted (Ctrl-C, and kill -9) then resumed that ends
 * with exactly the weights of an uninterrupted run. The spawned runs use the built CLI
 * (`npm test` builds first).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { signalAfterStep, spawnRnnc } from "../support/spawn.js";
import { explodingModel } from "../support/models.js";
import { decodeSafetensors } from "../../runtime/io/safetensors.js";
import { Rng } from "../../runtime/rng.js";

const run = (args: string[]) => rnnc(...args);

let dir: string;
let corpus: string;
let records: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-train-"));
  const rng = new Rng(1);
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(rng));
  records = join(dir, "records.jsonl");
  const lines = Array.from({ length: 60 }, () => {
    const good = rng.int(2) === 1;
    const neg = rng.int(2) === 1;
    return JSON.stringify({
      text: `it was ${neg ? "not " : ""}${good ? "good" : "bad"}`,
      label: good !== neg ? "pos" : "neg",
    });
  });
  writeFileSync(records, lines.join("\n") + "\n");
});

const lm = ["examples/char-lm.rnn", "--dim", "H=8"];

describe("rnnc train on a text corpus", () => {
  let ck: string;
  let trained: { code: number; out: string; err: string };
  beforeAll(async () => {
    ck = join(dir, "lm");
    trained = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "2",
      "--batch",
      "8",
      "--seq-len",
      "16",
      "--checkpoint",
      ck,
      "--progress",
      "lines",
    ]);
  });

  it("takes V from the vocabulary, reports it, and writes every file", () => {
    expect(trained.err).toBe("");
    expect(trained.code).toBe(0);
    expect(trained.out).toMatch(/from the data: V = 18 \(18 distinct characters in .*corpus.txt; the file says 65\)/);
    expect(trained.out).toMatch(/truncated BPTT/);
    expect(trained.out).toMatch(
      /epoch 2\/2 done: train loss [\d.]+, val loss [\d.]+, val accuracy [\d.]+%, perplexity [\d.]+/,
    );
    expect(trained.out).toMatch(/done: 2 epochs/);
    for (const f of ["checkpoint.json", "weights.safetensors", "metrics.jsonl", "loss.svg"])
      expect(existsSync(join(ck, f)), f).toBe(true);
    const meta = JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8"));
    expect(meta.model.overrides).toEqual({ V: 18, H: 8 });
    expect(meta.data.codebook.vocabulary.entries).toHaveLength(18);
    expect(meta.finished).toBe(true);
    const lines = readFileSync(join(ck, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.kind === "step")).toHaveLength(meta.step);
    expect(lines.filter((l) => l.kind === "eval" && l.epoch_end)).toHaveLength(2);
    expect(readFileSync(join(ck, "loss.svg"), "utf8")).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*validation[\s\S]*<\/svg>\n$/);
  });

  it("the weights load with rnnc run", async () => {
    const data = join(dir, "one.json");
    writeFileSync(data, JSON.stringify({ x: [[1], [2]], y: [[2], [3]] }));
    const r = await run(["run", ...lm, "--dim", "V=18", "--weights", join(ck, "weights.safetensors"), "--data", data]);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out).loss).toBeGreaterThan(0);
  });

  it("eval reports loss, accuracy and perplexity", async () => {
    const r = await run(["eval", ...lm, "--checkpoint", ck, "--data", corpus, "--format", "json"]);
    expect(r.err).toBe("");
    const j = JSON.parse(r.out);
    expect(j.perplexity).toBeCloseTo(Math.exp(j.loss), 10);
    expect(j.accuracy).toBeGreaterThan(0);
  });

  it("eval names characters the model has never seen", async () => {
    const other = join(dir, "other.txt");
    writeFileSync(other, "the cat\nsat on Zed\n");
    const r = await run(["eval", ...lm, "--checkpoint", ck, "--data", other]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /other.txt has 1 character outside the model's vocabulary of 18: 'Z' \(U\+005A\) \(line 2, column 8\)/,
    );
  });

  it("sample is reproducible by seed and starts from the prime", async () => {
    const a = await run(["sample", ...lm, "--checkpoint", ck, "--length", "40", "--prime", "the ", "--seed", "3"]);
    const b = await run(["sample", ...lm, "--checkpoint", ck, "--length", "40", "--prime", "the ", "--seed", "3"]);
    expect(a.err).toBe("");
    expect(a.out).toBe(b.out);
    expect(a.out.startsWith("the ")).toBe(true);
    expect(Array.from(a.out.trimEnd()).length).toBeGreaterThanOrEqual(40);
    const greedy = await run([
      "sample",
      ...lm,
      "--checkpoint",
      ck,
      "--length",
      "10",
      "--temperature",
      "0",
      "--seed",
      "9",
    ]);
    const greedy2 = await run([
      "sample",
      ...lm,
      "--checkpoint",
      ck,
      "--length",
      "10",
      "--temperature",
      "0",
      "--seed",
      "10",
    ]);
    expect(greedy.out).toBe(greedy2.out);
    const bad = await run(["sample", ...lm, "--checkpoint", ck, "--prime", "Zebra"]);
    expect(bad.err).toMatch(/--prime has 1 character outside.*'Z'/);
  });

  it("analyze prints spectra and gradient norms and draws them", async () => {
    const r = await run(["analyze", ...lm, "--checkpoint", ck, "--data", corpus, "--seq-len", "12"]);
    expect(r.err).toBe(`wrote ${join(ck, "analyze.svg")} (plot of the eigenvalues and of ||dL/dh_t||)\n`);
    expect(r.out).toMatch(/h\.W_f\[:, 0:8\] @ h\[t-1\]\s+8×8\s+[\d.]+/);
    expect(r.out).toMatch(/‖dL\/dh‖\s+‖dL\/dh\.c‖/);
    expect(readFileSync(join(ck, "analyze.svg"), "utf8")).toMatch(/\|λ\| = 1/);
  });

  it("will not overwrite a checkpoint without --resume, and a resumed run keeps its configuration", async () => {
    const again = await run(["train", ...lm, "--data", corpus, "--checkpoint", ck]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a checkpoint \(step \d+\); continue it with --resume/);
    const changed = await run(["train", ...lm, "--data", corpus, "--checkpoint", ck, "--resume", "--lr", "0.1"]);
    expect(changed.err).toMatch(/--lr 0.1 differs from the checkpoint \(--lr 0.005\)/);
    const done = await run(["train", ...lm, "--data", corpus, "--checkpoint", ck, "--resume"]);
    expect(done.err).toMatch(/has finished \(2 epochs/);
  });
});

describe("rnnc train's report", () => {
  it("counts in the singular where there is one: one epoch of one step, one sequence validated", async () => {
    const r = await run([
      ...["train", "examples/regression.rnn", "--data", "examples/data/regression.json"],
      ...["--epochs", "1", "--checkpoint", join(dir, "one-step"), "--progress", "none"],
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/validating on 1 sequence of 5 steps/);
    expect(r.out).toMatch(/^training: 1 epoch × 1 step = 1 step,/m);
    expect(r.out).toMatch(/^done: 1 epoch, 1 step in /m);
  });
});

describe("a run's directory", () => {
  it("loses the temporary files an interrupted write left (kill -9, a second Ctrl-C) when a run next takes it", async () => {
    const ck = join(dir, "left-temporaries");
    const args = ["train", "examples/regression.rnn", "--data", "examples/data/regression.json", "--checkpoint", ck];
    expect((await run([...args, "--epochs", "1", "--progress", "none"])).code).toBe(0);
    // What writeAtomic's temporary files of another process look like (engine/io/atomic-write.ts).
    const left = [join(ck, ".checkpoint.json.4000001.tmp"), join(ck, "best", ".weights.json.4000002.tmp")];
    for (const f of left) writeFileSync(f, "half");
    const resumed = await run([...args, "--resume", "--epochs", "2", "--progress", "none"]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(left.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(join(ck, "checkpoint.json"))).toBe(true);
  });
});

describe("rnnc help train", () => {
  it("says how a run stops, what it keeps and that its directory is locked", async () => {
    const r = await run(["help", "train"]);
    expect(r.out).toMatch(
      /Ctrl-C, SIGTERM .* or SIGHUP finishes the\s+step, saves a checkpoint and exits with 130, 143 or 129/,
    );
    expect(r.out).toMatch(/loss diverges/);
    expect(r.out).toMatch(/kept in DIR\/best/);
    expect(r.out).toMatch(/DIR\/train\.lock/);
  });
});

describe("rnnc train --threads", () => {
  it("splits each batch between threads, says so, and keeps the count in the checkpoint for a resumed run", async () => {
    const ck = join(dir, "threads");
    const r = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "1",
      "--batch",
      "8",
      "--seq-len",
      "16",
      "--checkpoint",
      ck,
      "--threads",
      "2",
      "--progress",
      "none",
    ]);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/backend compiled on 2 threads/);
    expect(JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).config.threads).toBe(2);
    const changed = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--resume",
      "--epochs",
      "2",
      "--threads",
      "1",
    ]);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/--threads 1 differs from the checkpoint \(--threads 2\)/);
    const interp = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--resume",
      "--epochs",
      "2",
      "--backend",
      "interp",
    ]);
    expect(interp.code).toBe(1);
    expect(interp.err).toMatch(
      /the checkpoint was trained on 2 threads \(--threads 2\), which needs --backend compiled/,
    );
  });

  it("auto keeps a small model on one thread", async () => {
    const ck = join(dir, "threads-auto");
    const r = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "1",
      "--batch",
      "2",
      "--seq-len",
      "4",
      "--checkpoint",
      ck,
      "--progress",
      "none",
    ]);
    expect(r.out).not.toMatch(/on \d+ threads/);
    expect(JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).config.threads).toBe(1);
  });

  it("refuses more than one thread for the interpreter, and a count that is not one", async () => {
    const interp = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--backend",
      "interp",
      "--threads",
      "2",
      "--checkpoint",
      join(dir, "threads-interp"),
    ]);
    expect(interp.code).toBe(1);
    expect(interp.err).toMatch(/--threads 2 needs --backend compiled/);
    const zero = await run([
      "train",
      ...lm,
      "--data",
      corpus,
      "--threads",
      "0",
      "--checkpoint",
      join(dir, "threads-zero"),
    ]);
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/expected auto or a whole number ≥ 1/);
  });
});

describe("dims and data errors", () => {
  it("an explicit one-hot dim too small for the data is an error that says what the data needs", async () => {
    const r = await run(["train", ...lm, "--dim", "V=10", "--data", corpus, "--checkpoint", join(dir, "small")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /--dim V=10 is too small: the data in .*corpus.txt needs 18 \(18 distinct characters\); give --dim V=18 or more, or leave the dim out/,
    );
  });

  it("trains a classifier on JSONL, taking V and K from tokens and labels", async () => {
    const r = await run([
      "train",
      "examples/elman.rnn",
      "--dim",
      "H=8",
      "--data",
      records,
      "--epochs",
      "3",
      "--batch",
      "8",
      "--checkpoint",
      join(dir, "cls"),
      "--progress",
      "none",
    ]);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/V = 5 \(5 distinct tokens .*\), K = 2 \(2 labels \(neg, pos\)/);
    expect(r.out).toMatch(/final \(epoch 3\): train loss [\d.]+, val loss [\d.]+, val accuracy/);
  });

  it("prints each warning of the model once when the data sets its dims (the model is read twice)", async () => {
    const model = join(dir, "warned.rnn");
    writeFileSync(
      model,
      readFileSync("examples/char-lm.rnn", "utf8").replace(
        "param Vo : [V, H]",
        "param unused : [H]\n  param Vo : [V, H]",
      ),
    );
    const r = await run([
      "train",
      model,
      "--dim",
      "H=4",
      "--data",
      corpus,
      "--epochs",
      "1",
      "--checkpoint",
      join(dir, "warned"),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/from the data: V = 18/);
    expect(r.err.match(/warning\[W001\]: parameter 'unused' is never used/g)).toHaveLength(1);
  });

  it("a JSONL error names its line", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"text": "a b", "label": 1}\n{"text": "c", "label": 0\n');
    const r = await run(["train", "examples/elman.rnn", "--data", bad, "--checkpoint", join(dir, "bad")]);
    expect(r.err).toMatch(/bad.jsonl:2: not valid JSON/);
  });

  it("a model that cannot read the data says why", async () => {
    const r = await run(["train", "examples/gru.rnn", "--data", corpus, "--checkpoint", join(dir, "gru")]);
    expect(r.err).toMatch(
      /a text corpus trains a language model \(of its characters or words\), which needs one one-hot input and a class target scored at each step/,
    );
  });

  it("--backend compiled trains a text model like the interpreter (to rounding)", async () => {
    const common = [...lm, "--data", corpus, "--epochs", "1", "--batch", "8", "--seq-len", "16", "--progress", "none"];
    const a = await run(["train", ...common, "--backend", "compiled", "--checkpoint", join(dir, "compiled")]);
    const b = await run(["train", ...common, "--backend", "interp", "--checkpoint", join(dir, "interpreted")]);
    expect(a.err).toBe("");
    expect(a.out).toMatch(/backend compiled/);
    const weights = (d: string) => decodeSafetensors(readFileSync(join(dir, d, "weights.safetensors"))).tensors;
    const [wa, wb] = [weights("compiled"), weights("interpreted")];
    for (const name of Object.keys(wb))
      wa[name]!.data.forEach((v, i) => expect(Math.abs(v - wb[name]!.data[i]!)).toBeLessThan(1e-9));
    expect(b.code).toBe(0);
  });

  it("a diverging run stops with a clear message and keeps the last good checkpoint", async () => {
    const model = join(dir, "blowup.rnn");
    writeFileSync(model, explodingModel);
    const ck = join(dir, "blowup");
    const r = await run([
      "train",
      model,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--progress",
      "none",
      "--seq-len",
      "30",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /training stopped at step 1 \(epoch 1\): 'h' is Infinity at step \d+ of sequence \d+: the forward pass overflowed\n {2}hint: .*\n {2}the last good checkpoint is step 0 in .*blowup; nothing after it was saved/,
    );
    expect(JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).step).toBe(0);
    expect(readFileSync(join(ck, "metrics.jsonl"), "utf8")).toMatch(/"kind":"stopped"/);
  });

  it("a file that cannot be written in the background stops the run with the file named, keeping the checkpoint before", async () => {
    const ck = join(dir, "unwritable");
    // A directory where the loss plot goes, first written with step 5's checkpoint: renaming onto it fails.
    const inTheWay = join(ck, "loss.svg");
    mkdirSync(inTheWay, { recursive: true });
    const r = await spawnRnnc([
      "train",
      ...lm,
      ...["--data", corpus, "--batch", "4", "--seq-len", "8", "--checkpoint", ck, "--checkpoint-every", "5"],
      ...["--progress", "none"],
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`\\nrnnc: cannot write '${inTheWay}': it is a directory\\n$`));
    expect(r.out).not.toMatch(/^\s+at /m);
    // Written before the plot; the checkpoints asked for after the failure are not started.
    expect(JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).step).toBe(5);
    expect(existsSync(join(ck, "train.lock"))).toBe(false);
  });
});

describe.each([
  { threads: "1", precision: "f64", signals: ["SIGINT", "SIGKILL"] as const },
  { threads: "2", precision: "f64", signals: ["SIGINT"] as const },
  { threads: "1", precision: "f32", signals: ["SIGKILL"] as const },
  { threads: "2", precision: "f32", signals: ["SIGINT"] as const },
])(
  "an interrupted $precision run on $threads thread(s) resumes to the same weights, bit for bit",
  ({ threads, precision, signals }) => {
    const args = (ck: string) => [
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "6",
      "--batch",
      "4",
      "--seq-len",
      "8",
      "--seed",
      "5",
      "--checkpoint",
      ck,
      "--checkpoint-every",
      "7",
      "--progress",
      "lines",
      "--log-every",
      "1",
      "--threads",
      threads,
      "--precision",
      precision,
    ];
    let reference: Buffer;
    beforeAll(async () => {
      const ck = join(dir, `reference-${threads}-${precision}`);
      const r = await run(args(ck));
      expect(r.code).toBe(0);
      reference = readFileSync(join(ck, "weights.safetensors"));
    });

    for (const signal of signals) {
      it(`after ${signal}`, async () => {
        const expectExit = signal === "SIGINT" ? 130 : null;
        const ck = join(dir, `stopped-${signal}-${threads}-${precision}`);
        // Checkpoints are written in the background, one at a time: once step 15 is reported, step 14's
        // checkpoint has waited for step 7's, which is on disk.
        const stopped = await spawnRnnc(args(ck), signalAfterStep(signal, 15));
        if (expectExit !== null) {
          expect(stopped.code, stopped.out).toBe(expectExit);
          expect(stopped.out).toMatch(/interrupted at step \d+ .*checkpoint saved/);
        } else expect(stopped.signal).toBe("SIGKILL");
        const meta = JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8"));
        expect(meta.finished).toBe(false);
        expect(meta.step).toBeGreaterThan(0);
        const resumed = await run([...args(ck), "--resume"]);
        expect(resumed.err).toBe("");
        expect(resumed.out).toMatch(new RegExp(`resuming .* at step ${meta.step}`));
        expect(Buffer.compare(readFileSync(join(ck, "weights.safetensors")), reference)).toBe(0);
        const steps = readFileSync(join(ck, "metrics.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
          .filter((l) => l.kind === "step")
          .map((l) => l.step);
        expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
      }, 60_000);
    }
  },
);

afterAll(() => {
  // Temporary files are left in the OS temp dir on failure for inspection; nothing else to clean.
});
