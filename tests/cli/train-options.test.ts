/**
 * `rnnc train`'s options for optimisers, weight decay, schedules, early stopping, gradient
 * accumulation and starting points, end to end: what the run says, what its checkpoint keeps,
 * and that a resumed run keeps them. (The numbers themselves are tested against PyTorch in
 * tests/engine/train/.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { signalAfterStep, spawnRnnc } from "../support/spawn.js";
import { Rng } from "../../runtime/rng.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/io/safetensors.js";

let dir: string;
let corpus: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-train-options-"));
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(new Rng(4), 60));
});

const lm = ["examples/char-lm.rnn", "--dim", "H=8", "--batch", "4", "--seq-len", "16", "--progress", "none"];
const checkpointConfig = (ck: string) => JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8")).config;

describe("optimisers and weight decay", () => {
  it("trains with each optimiser, says which, and keeps its weight decay for a resumed run", async () => {
    const ck = join(dir, "adamw");
    const r = await rnnc("train", ...lm, "--data", corpus, "--epochs", "1", "--optimizer", "adamw", "--checkpoint", ck);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/adamw lr 0.005 weight decay 0.01,/);
    expect(r.out).toMatch(/^training: 1 epoch × \d+ steps = \d+ steps,/m);
    expect(checkpointConfig(ck).optimizer).toMatchObject({ kind: "adamw", lr: 0.005, weightDecay: 0.01 });
    const changed = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--checkpoint",
      ck,
      "--resume",
      "--weight-decay",
      "0.1",
    );
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/--weight-decay 0.1 differs from the checkpoint \(--weight-decay 0.01\)/);
    for (const optimizer of ["nesterov", "adagrad", "rmsprop"]) {
      const other = await rnnc(
        "train",
        ...lm,
        "--data",
        corpus,
        "--epochs",
        "1",
        "--optimizer",
        optimizer,
        "--weight-decay",
        "0.001",
        "--checkpoint",
        join(dir, optimizer),
      );
      expect(other.err, optimizer).toBe("");
      expect(other.out).toMatch(new RegExp(`${optimizer} lr [\\d.]+( momentum 0.9)? weight decay 0.001,`));
    }
  });

  it("rnnc help train gives every optimiser's rule and default learning rate", async () => {
    const r = await rnnc("help", "train");
    for (const line of [
      /nesterov +v ← μv \+ g, w ← w − lr·\(g \+ μv\) \(default lr 0.05\)/,
      /adamw +adam with decoupled weight decay w ← w·\(1 − lr·λ\)/,
      /adagrad +s ← s \+ g², w ← w − lr·g\/\(√s \+ ε\) \(default lr 0.1\)/,
      /rmsprop +s ← αs \+ \(1 − α\)g²/,
      /--weight-decay <x> +λ: L2 added to the gradient/,
    ])
      expect(r.out).toMatch(line);
  });
});

const metrics = (ck: string) =>
  readFileSync(join(ck, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("learning-rate schedules", () => {
  it("logs each step's rate, shows it while training and draws it below the loss", async () => {
    const ck = join(dir, "step-schedule");
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "2",
      "--lr-schedule",
      "step",
      "--lr-factor",
      "0.5",
      "--warmup",
      "3",
      "--optimizer",
      "sgd",
      "--progress",
      "lines",
      "--log-every",
      "10",
      "--checkpoint",
      ck,
    );
    expect(r.err).toBe("");
    const perEpoch = Number(/× (\d+) steps/.exec(r.out)![1]);
    expect(r.out).toContain(`sgd lr 0.1 (step schedule: ×0.5 every ${perEpoch} steps, warmup 3 steps)`);
    expect(r.out).toMatch(/step 10\/\d+ {2}loss [\d.]+ {2}lr 0.1 {2}/);
    const rates = metrics(ck)
      .filter((l) => l.kind === "step")
      .map((l) => l.lr);
    expect(rates.slice(0, 4)).toEqual([0.1 * (1 / 3), 0.1 * (2 / 3), 0.1, 0.1]);
    expect(rates[3 + perEpoch]).toBe(0.05);
    expect(checkpointConfig(ck).schedule).toEqual({
      kind: "step",
      warmup: 3,
      stepSize: perEpoch,
      factor: 0.5,
      cosineSteps: 2 * perEpoch - 3,
      minLr: 0,
      patience: 10,
    });
    expect(readFileSync(join(ck, "loss.svg"), "utf8")).toMatch(/>learning rate<\/text>/);
    const changed = await rnnc("train", ...lm, "--data", corpus, "--checkpoint", ck, "--resume", "--warmup", "5");
    expect(changed.err).toMatch(/--warmup 5 differs from the checkpoint \(--warmup 3\)/);
  });

  it("a constant rate draws no rate chart", async () => {
    const ck = join(dir, "constant-schedule");
    await rnnc("train", ...lm, "--data", corpus, "--epochs", "1", "--checkpoint", ck);
    expect(readFileSync(join(ck, "loss.svg"), "utf8")).not.toMatch(/learning rate/);
  });

  it("refuses a plateau schedule without validation, and another schedule's settings", async () => {
    const plateau = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--val-split",
      "0",
      "--lr-schedule",
      "plateau",
      "--checkpoint",
      join(dir, "plateau-no-val"),
    );
    expect(plateau.code).toBe(1);
    expect(plateau.err).toMatch(/--lr-schedule plateau .* needs validation \(--val-split above 0, or --val-data\)/);
    const mixed = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--lr-schedule",
      "cosine",
      "--lr-step",
      "5",
      "--checkpoint",
      join(dir, "mixed"),
    );
    expect(mixed.err).toMatch(/--lr-step applies to --lr-schedule step, not cosine/);
    const long = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "1",
      "--lr-schedule",
      "cosine",
      "--warmup",
      "1000",
      "--checkpoint",
      join(dir, "long-warmup"),
    );
    expect(long.err).toMatch(
      /--warmup 1000 leaves no steps for the cosine schedule: the run has \d+ \(1 epoch × \d+\)/,
    );
  });
});

describe("early stopping and accumulation", () => {
  it("--patience stops when validation has not improved for n validations, keeps the best, and will not resume", async () => {
    const ck = join(dir, "patience");
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "40",
      "--lr",
      "0.05",
      "--eval-every",
      "4",
      "--patience",
      "2",
      "--checkpoint",
      ck,
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/stopping after 2 validations without improvement/);
    expect(r.out).toMatch(
      /stopped early in epoch \d+ of 40, \d+ steps in .*: 2 validations in a row have not improved on the best validation loss \(--patience 2\)/,
    );
    const evals = metrics(ck).filter((l) => l.kind === "eval");
    const best = Math.min(...evals.map((e) => e.val_loss));
    expect(evals.slice(-2).every((e) => e.val_loss >= best)).toBe(true);
    expect(evals[evals.length - 3].val_loss).toBe(best);
    expect(JSON.parse(readFileSync(join(ck, "best", "checkpoint.json"), "utf8")).best.valLoss).toBe(best);
    const again = await rnnc("train", ...lm, "--data", corpus, "--epochs", "50", "--checkpoint", ck, "--resume");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /stopped early at step \d+: 2 validations in a row had not improved .* best weights are in .*best/,
    );
  });

  it("--patience and --accumulate need what they work on", async () => {
    const noVal = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--val-split",
      "0",
      "--patience",
      "3",
      "--checkpoint",
      join(dir, "patience-no-val"),
    );
    expect(noVal.err).toMatch(/--patience 3 stops the run when validation stops improving, so it needs validation/);
    const model = join(dir, "two-losses.rnn");
    writeFileSync(
      model,
      readFileSync("examples/char-lm.rnn", "utf8").replace(
        /(\n\s*loss [^\n]*)/,
        "$1\n  loss cross_entropy(o, y, reduce = sum) at each",
      ),
    );
    const twoLosses = await rnnc(
      "train",
      model,
      "--dim",
      "H=8",
      "--data",
      corpus,
      "--accumulate",
      "2",
      "--checkpoint",
      join(dir, "two-losses"),
    );
    expect(twoLosses.err).toMatch(
      /--accumulate 2: model .*'s losses weigh batches differently \(mean at each, sum at each\)/,
    );
  });
});

describe.each(["1", "2"])(
  "a run with the new options stopped by SIGINT on %s thread(s) resumes to the same weights",
  (threads) => {
    const args = (ck: string, variant: string[]) => [
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "4",
      "--seed",
      "5",
      "--checkpoint",
      ck,
      "--checkpoint-every",
      "7",
      "--eval-every",
      "5",
      "--accumulate",
      "2",
      "--progress",
      "lines",
      "--log-every",
      "1",
      "--threads",
      threads,
      ...variant,
    ];
    // Stopped after the plateau schedule has lowered the rate (at step 35), so its saved state decides the rest.
    const variants: Record<string, { stopAfter: number; options: string[] }> = {
      "adamw, plateau": {
        stopAfter: 36,
        options: [
          "--epochs",
          "10",
          "--optimizer",
          "adamw",
          "--weight-decay",
          "0.05",
          "--lr",
          "1",
          "--lr-schedule",
          "plateau",
          "--lr-patience",
          "0",
          "--lr-factor",
          "0.7",
          "--warmup",
          "4",
          "--patience",
          "30",
        ],
      },
      "nesterov, cosine": {
        stopAfter: 11,
        options: ["--optimizer", "nesterov", "--weight-decay", "0.01", "--lr-schedule", "cosine", "--warmup", "6"],
      },
    };
    for (const [name, { stopAfter, options: variant }] of Object.entries(variants))
      it(
        name,
        async () => {
          const reference = join(dir, `resume-ref-${threads}-${name}`);
          const straight = await rnnc(...args(reference, variant));
          expect(straight.code, straight.err).toBe(0);
          const ck = join(dir, `resume-${threads}-${name}`);
          const stopped = await spawnRnnc(args(ck, variant), signalAfterStep("SIGINT", stopAfter));
          expect(stopped.code, stopped.out).toBe(130);
          const saved = JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8"));
          if (name.includes("plateau")) expect(saved.plateau.lr).toBeLessThan(1);
          const resumed = await rnnc(...args(ck, variant), "--resume");
          expect(resumed.err).toBe("");
          for (const file of ["weights.safetensors", "best/weights.safetensors"])
            expect(Buffer.compare(readFileSync(join(ck, file)), readFileSync(join(reference, file))), file).toBe(0);
          const logged = (d: string) =>
            metrics(d)
              .filter((l) => l.kind !== "warning")
              .map(({ seconds: _, ...rest }) => rest);
          expect(logged(ck)).toEqual(logged(reference));
        },
        90_000,
      );
  },
);

describe("starting points", () => {
  it("--init-from a checkpoint loads its weights and vocabulary; --freeze keeps a cell as it was", async () => {
    const first = join(dir, "first");
    expect((await rnnc("train", ...lm, "--data", corpus, "--epochs", "1", "--checkpoint", first)).code).toBe(0);
    const tuned = join(dir, "tuned");
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "1",
      "--init-from",
      first,
      "--freeze",
      "h",
      "--checkpoint",
      tuned,
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(
      /--init-from .*first \(checkpoint at step \d+\): loaded 10 of 10 parameters: h.W_i, h.b_i, .*, Vo, c\n/,
    );
    expect(r.out).toMatch(/frozen \(not trained\): h.W_i, h.b_i, h.W_f, h.b_f, h.W_g, h.b_g, h.W_o, h.b_o\n/);
    const tensors = (d: string) => decodeSafetensors(readFileSync(join(d, "weights.safetensors"))).tensors;
    const [before, after] = [tensors(first), tensors(tuned)];
    for (const name of Object.keys(before))
      if (name.startsWith("h.")) expect(Array.from(after[name]!.data), name).toEqual(Array.from(before[name]!.data));
      else expect(Array.from(after[name]!.data), name).not.toEqual(Array.from(before[name]!.data));
    expect(checkpointConfig(tuned)).toMatchObject({ initFrom: first, frozen: expect.arrayContaining(["h.W_i"]) });
    const refreeze = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "2",
      "--checkpoint",
      tuned,
      "--resume",
      "--freeze",
      "Vo",
    );
    expect(refreeze.err).toMatch(
      /--freeze Vo differs from the checkpoint \(h.W_i,.*\); a resumed run keeps its configuration/,
    );
    const both = await rnnc("train", ...lm, "--data", corpus, "--checkpoint", tuned, "--resume", "--init-from", first);
    expect(both.err).toMatch(/--init-from starts a new run from given weights; --resume continues/);
    const other = join(dir, "other.txt");
    writeFileSync(other, "the zebra sat.\n".repeat(40));
    const newText = await rnnc(
      "train",
      ...lm,
      "--data",
      other,
      "--init-from",
      first,
      "--checkpoint",
      join(dir, "zebra"),
    );
    expect(newText.code).toBe(1);
    expect(newText.err).toMatch(/outside the model's vocabulary of 18: 'z'/);
  });

  it("--init-from safetensors reports what it loaded, left and ignored; a wrong shape is refused", async () => {
    const file = join(dir, "start.safetensors");
    writeFileSync(
      file,
      encodeSafetensors(
        {
          c: { shape: [18], data: new Float64Array(18).fill(0.5) },
          "lstm.weight_hh_l0": { shape: [1], data: Float64Array.of(1) },
        },
        "F32",
      ),
    );
    const r = await rnnc(
      "train",
      ...lm,
      "--data",
      corpus,
      "--epochs",
      "1",
      "--init-from",
      file,
      "--checkpoint",
      join(dir, "from-file"),
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(
      /--init-from .*start.safetensors \(safetensors\): loaded 1 of 10 parameters: c\n {2}left at their initialisers: h.W_i, .*, Vo\n {2}ignored \(not parameters of the model\): lstm.weight_hh_l0\n/,
    );
    const wrong = await rnnc(
      "train",
      ...lm,
      "--dim",
      "H=9",
      "--data",
      corpus,
      "--init-from",
      join(dir, "first"),
      "--checkpoint",
      join(dir, "wrong"),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/--init-from .*first: 'h.W_i' is \[8, 26\] there but \[9, 27\] in the model/);
    const unknown = await rnnc("train", ...lm, "--data", corpus, "--freeze", "W", "--checkpoint", join(dir, "unknown"));
    expect(unknown.err).toMatch(/--freeze W: 'W' is not a parameter or cell of model CharLM/);
  });
});
