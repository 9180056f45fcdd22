/**
 * Training runs that cannot be lost. A run killed (kill -9) or stopped (SIGTERM, SIGHUP) at
 * any point resumes to exactly the weights of a run never stopped; two runs cannot share a
 * checkpoint directory; a start that fails leaves nothing behind; a run that diverges stops,
 * keeping its best weights. The runs are the built command line in processes of their own
 * (`npm test` builds first), stopped the way a scheduler or a person stops them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import type { Example } from "../../engine/data/dataset.js";
import { loadCheckpoint, readCheckpointMeta } from "../../engine/train/checkpoint.js";
import { initialTrainState, trainLoop, type TrainConfig } from "../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../engine/train/optimizers.js";
import { BackgroundWrites } from "../../engine/io/background-writes.js";
import { RunCheckpoints } from "../../engine/train/run-checkpoints.js";
import { RunLog } from "../../engine/train/run-log.js";
import { LOCK_FILE } from "../../engine/train/run-lock.js";
import { Rng } from "../../runtime/rng.js";
import { checkpointFixed } from "../support/checkpoints.js";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { irFromFile } from "../support/models.js";
import { lastStep, signalAfterStep, spawnRnnc } from "../support/spawn.js";

let dir: string;
let corpus: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-reliability-"));
  const rng = new Rng(1);
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(rng));
});

/** 4 epochs of 77 steps, validated every 10 steps (so best/ moves during the run), checkpointed every 7. */
const trainArgs = (ck: string) => [
  "train",
  "examples/char-lm.rnn",
  "--dim",
  "H=8",
  "--data",
  corpus,
  "--epochs",
  "4",
  "--batch",
  "4",
  "--seq-len",
  "8",
  "--seed",
  "3",
  "--eval-every",
  "10",
  "--checkpoint",
  ck,
  "--checkpoint-every",
  "7",
  "--progress",
  "lines",
  "--log-every",
  "1",
];

const metricsSteps = (ck: string): number[] =>
  readFileSync(join(ck, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { kind: string; step: number })
    .filter((l) => l.kind === "step")
    .map((l) => l.step);

const bytes = (path: string) => readFileSync(path);

/** Every file under a directory with its contents. */
const snapshot = (d: string) =>
  readdirSync(d, { recursive: true })
    .map(String)
    .sort()
    .map((f) => [f, statSync(join(d, f)).isFile() ? readFileSync(join(d, f), "latin1") : "(directory)"]);

describe("a run stopped at any point resumes to the weights of a run never stopped, bit for bit", () => {
  let reference: string;
  beforeAll(async () => {
    reference = join(dir, "reference");
    const r = await spawnRnnc(trainArgs(reference));
    expect(r.code, r.out).toBe(0);
  }, 120_000);

  const cases: { signal: NodeJS.Signals; after: number; status: number | null; what: string; every?: string }[] = [
    { signal: "SIGKILL", after: 3, status: null, what: "before the first periodic checkpoint" },
    { signal: "SIGKILL", after: 76, status: null, what: "at the end of the first epoch" },
    { signal: "SIGKILL", after: 160, status: null, what: "in the third epoch" },
    // A checkpoint every step, written in the background while the next steps compute: a kill
    // lands while one is being written, and leaves the one before it or the new one whole.
    { signal: "SIGKILL", after: 50, status: null, what: "while a checkpoint is written", every: "1" },
    { signal: "SIGKILL", after: 78, status: null, what: "while an epoch end's checkpoint is written", every: "1" },
    { signal: "SIGTERM", after: 12, status: 143, what: "in the first epoch" },
    { signal: "SIGTERM", after: 230, status: 143, what: "in the last epoch" },
    { signal: "SIGHUP", after: 100, status: 129, what: "in the second epoch" },
  ];
  for (const { signal, after, status, what, every } of cases)
    it(`${signal} after step ${after}, ${what}`, async () => {
      const ck = join(dir, `stopped-${signal}-${after}`);
      const args = every ? [...trainArgs(ck), "--checkpoint-every", every] : trainArgs(ck);
      const stopped = await spawnRnnc(args, signalAfterStep(signal, after));
      const meta = readCheckpointMeta(ck);
      expect(meta.finished).toBe(false);
      if (status === null) {
        expect(stopped.signal).toBe("SIGKILL");
        expect(existsSync(join(ck, LOCK_FILE))).toBe(true);
      } else {
        expect(stopped.code, stopped.out).toBe(status);
        // The step in progress is finished and saved: nothing after the signal is lost.
        expect(stopped.out).toMatch(new RegExp(`interrupted at step ${meta.step} \\(${signal}\\) .*checkpoint saved`));
        expect(meta.step).toBeGreaterThanOrEqual(lastStep(stopped.out));
        expect(existsSync(join(ck, LOCK_FILE))).toBe(false);
      }

      const resumed = await spawnRnnc([...trainArgs(ck), "--resume"]);
      expect(resumed.code, resumed.out).toBe(0);
      expect(resumed.out).toMatch(new RegExp(`resuming .* at step ${meta.step} `));
      if (status === null)
        expect(resumed.out).toMatch(
          new RegExp(`note: taking over .* from process ${stopped.pid}, .*no longer running`),
        );
      expect(bytes(join(ck, "weights.safetensors")).equals(bytes(join(reference, "weights.safetensors")))).toBe(true);
      expect(bytes(join(ck, "best", "weights.safetensors"))).toEqual(
        bytes(join(reference, "best", "weights.safetensors")),
      );
      expect(readCheckpointMeta(join(ck, "best")).best).toEqual(readCheckpointMeta(join(reference, "best")).best);
      expect(metricsSteps(ck)).toEqual(metricsSteps(reference));
      expect(existsSync(join(ck, LOCK_FILE))).toBe(false);
    });

  it("SIGTERM delivered twice in a moment, as timeout(1) sends it, is one request: the step in progress is saved", async () => {
    // timeout sends its signal to the command and again to its process group. A step of this
    // size on one thread is long enough (a few hundred ms) for both deliveries to arrive while it runs.
    const longer = join(dir, "longer.txt");
    writeFileSync(longer, toyCorpus(new Rng(2), 2000));
    const ck = join(dir, "timeout");
    const args = trainArgs(ck).map((a) => (a === "H=8" ? "H=128" : a === corpus ? longer : a));
    const stopped = await spawnRnnc(
      [...args, "--batch", "32", "--seq-len", "50", "--threads", "1"],
      signalAfterStep("SIGTERM", 2, 2),
    );
    expect(stopped.code, stopped.out).toBe(143);
    expect(stopped.out).toMatch(/interrupted at step \d+ \(SIGTERM\) .*checkpoint saved/);
    expect(readCheckpointMeta(ck).step).toBeGreaterThanOrEqual(2);
  });

  it("best/ holds the weights of the lowest validation loss, which eval on the validation text reproduces", async () => {
    const evals = readFileSync(join(reference, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; step: number; val_loss?: number })
      .filter((l) => l.val_loss !== undefined);
    const lowest = evals.reduce((a, b) => (b.val_loss! < a.val_loss! ? b : a));
    const best = readCheckpointMeta(join(reference, "best")).best!;
    expect(best).toMatchObject({ valLoss: lowest.val_loss, step: lowest.step });
    // --val-split 0.1 holds out the last tenth of the characters.
    const chars = Array.from(readFileSync(corpus, "utf8"));
    const val = join(dir, "val.txt");
    writeFileSync(val, chars.slice(chars.length - Math.floor(chars.length * 0.1)).join(""));
    const r = await rnnc(
      "eval",
      "examples/char-lm.rnn",
      "--checkpoint",
      join(reference, "best"),
      "--data",
      val,
      "--format",
      "json",
    );
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toMatchObject({ step: best.step, loss: best.valLoss });
  });
});

describe("one run at a time in a checkpoint directory", () => {
  it("refuses a second run while one trains, naming it; the first is unharmed", async () => {
    const ck = join(dir, "shared");
    let second: Promise<[Awaited<ReturnType<typeof rnnc>>, Awaited<ReturnType<typeof rnnc>>]> | undefined;
    const first = await spawnRnnc([...trainArgs(ck), "--epochs", "40"], (out, child) => {
      if (second || lastStep(out) < 5) return;
      second = Promise.all([
        rnnc(...trainArgs(ck), "--epochs", "40", "--resume"),
        rnnc(...trainArgs(ck), "--epochs", "40"),
      ]).then((runs) => {
        child.kill("SIGTERM");
        return runs;
      });
    });
    for (const r of await second!) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(
          `${ck} is in use by another training run \\(process ${first.pid}, since .*\\); wait for it to finish`,
        ),
      );
    }
    expect(first.code, first.out).toBe(143);
    const resumed = await spawnRnnc([...trainArgs(ck), "--epochs", "5", "--resume"]);
    expect(resumed.code, resumed.out).toBe(0);
    expect(metricsSteps(ck)).toEqual(Array.from({ length: 5 * 77 }, (_, i) => i + 1));
  });

  it("of two runs started together into a new directory, one trains and the other is refused", async () => {
    const ck = join(dir, "together");
    const runs = await Promise.all([spawnRnnc(trainArgs(ck)), spawnRnnc(trainArgs(ck))]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(runs.find((r) => r.code === 1)!.out).toMatch(/is in use by another training run|already holds a checkpoint/);
    expect(metricsSteps(ck)).toEqual(Array.from({ length: 4 * 77 }, (_, i) => i + 1));
  });
});

describe("a start that fails leaves nothing behind", () => {
  it("binary data is refused before the checkpoint directory is made", async () => {
    const rng = new Rng(5);
    const binary = join(dir, "image.txt");
    writeFileSync(
      binary,
      Uint8Array.from({ length: 4096 }, () => rng.int(256)),
    );
    const ck = join(dir, "binary-run");
    const r = await rnnc(...trainArgs(ck).map((a) => (a === corpus ? binary : a)));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/image\.txt is not UTF-8 text \(binary data\?\): byte \d+ is /);
    expect(existsSync(ck)).toBe(false);
  });

  it("a model too big to allocate fails before the directory is made (it used to leave it empty)", async () => {
    const ck = join(dir, "huge", "run");
    const args = trainArgs(ck).map((a) => (a === "H=8" ? "H=100000" : a));
    const r = await spawnRnnc([...args, "--backend", "interp"]);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(dir, "huge"))).toBe(false);
  });

  it("a failed resume leaves the checkpoint as it was, without a lock", async () => {
    const ck = join(dir, "resume-fails");
    expect((await rnnc(...trainArgs(ck), "--epochs", "1")).code).toBe(0);
    const before = snapshot(ck);
    const other = join(dir, "other.txt");
    writeFileSync(other, readFileSync(corpus, "utf8") + "more\n");
    const r = await rnnc(...trainArgs(ck).map((a) => (a === corpus ? other : a)), "--resume", "--epochs", "2");
    expect(r.err).toMatch(/is not the data the checkpoint was trained on/);
    expect(snapshot(ck)).toEqual(before);
  });

  it("a failed start in a directory that already existed leaves it as it was", async () => {
    const ck = join(dir, "made-by-hand");
    mkdirSync(ck);
    const r = await rnnc(...trainArgs(ck), "--dim", "V=3");
    expect(r.code).toBe(1);
    expect(readdirSync(ck)).toEqual([]);
  });
});

describe("a run that diverges stops, keeping its best weights", () => {
  it("--lr 1e9 stops at once with a message and a failure status (it used to finish with loss 5e9)", async () => {
    const ck = join(dir, "lr1e9");
    const r = await rnnc(...trainArgs(ck), "--lr", "1e9");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /training stopped at step 2 \(epoch 1\): the loss is [\d.e+]+ per token, so the perplexity e\^loss is Infinity\n {2}hint: lower the learning rate/,
    );
    expect(readCheckpointMeta(ck).step).toBe(0);
  });

  it("a run whose loss blows up after it has learned stops, and best/ keeps what it had learned", async () => {
    const ir = irFromFile("examples/elman.rnn", { V: 5, H: 6, K: 3 });
    // Learnable: the class is the last token's id mod 3.
    const rng = new Rng(2);
    const examples: Example[] = Array.from({ length: 60 }, () => {
      const ids = Int32Array.from({ length: 4 }, () => rng.int(5));
      return { length: 4, inputs: { x: ids }, targets: { y: Int32Array.of(ids[3]! % 3) } };
    });
    const train = { kind: "sequences" as const, examples: examples.slice(0, 48) };
    const val = { kind: "sequences" as const, examples: examples.slice(48) };
    const config: TrainConfig = {
      epochs: 40,
      batch: 8,
      seqLen: 50,
      optimizer: defaultOptimizerConfig("sgd", 0.5),
      clipValue: null,
      clipNorm: null,
      seed: 1,
      valSplit: 0,
      evalEvery: 6,
    };
    const ck = join(dir, "blows-up");
    mkdirSync(ck);
    const fixed = checkpointFixed(ir, config, "elman.rnn");
    const backend = interpreterBackend(ir);
    const state = initialTrainState(initialWeights(ir, 1), config);
    const writes = new BackgroundWrites();
    const log = new RunLog(ck, "blow-up", writes);
    const shapes = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
    const checkpoints = new RunCheckpoints(ck, { fixed, shapes, log, writes, every: 0 });
    const blowUpAt = 120;
    // From then on the gradient is far too large: what a learning rate far too high does.
    const outcome = await trainLoop(
      backend,
      { train, val },
      config,
      state,
      {
        evaluated: (r) => r.val && checkpoints.offerBest(state, r.val, r.epoch + 1),
        checkpointDue: (s, at) => checkpoints.due(s, at),
        checkpoint: (s) => checkpoints.save(s),
      },
      (weights, batch) => {
        const r = backend.lossAndGrad(weights, batch);
        if (state.step >= blowUpAt) for (const g of Object.values(r.grads)) g.forEach((v, i) => (g[i] = v * 100));
        return r;
      },
    );
    await writes.finished();
    log.close();
    expect(outcome.status).toBe("diverged");
    if (outcome.status !== "diverged") return;
    expect(outcome.message).toMatch(/the loss has diverged: .* above the untrained model's/);
    expect(outcome.state.step).toBeGreaterThan(blowUpAt);
    const best = readCheckpointMeta(join(ck, "best")).best!;
    expect(best.step).toBeLessThanOrEqual(blowUpAt);
    expect(best.valLoss).toBeLessThan(0.5 * state.losses.initial!);
    const kept = loadCheckpoint(join(ck, "best"));
    expect(kept.meta.step).toBe(best.step);
    expect(Array.from(kept.weights["W"]!)).not.toEqual(Array.from(outcome.state.weights["W"]!));
  });

  it("best/ is for eval, sample and analyze; --resume refuses it", async () => {
    const ck = join(dir, "one-epoch");
    expect((await rnnc(...trainArgs(ck), "--epochs", "1")).code).toBe(0);
    const best = join(ck, "best");
    const sample = await rnnc("sample", "examples/char-lm.rnn", "--checkpoint", best, "--length", "20");
    expect(sample.err).toBe("");
    const resumed = await rnnc(...trainArgs(best), "--resume", "--epochs", "9");
    expect(resumed.code).toBe(1);
    expect(resumed.err).toMatch(/holds the best weights of a run \(step \d+\), kept for eval, sample and analyze/);
  });
});
