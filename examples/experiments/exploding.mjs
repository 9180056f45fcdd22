/**
 * Exploding gradients: an Elman network whose recurrent matrix starts with spectral radius 3
 * (`orthogonal(gain = 3)`), trained on the same data with the same seed and SGD without
 * clipping, with the lecture's rule `--clip-value x` (each entry of the gradient that is
 * larger than x becomes x · sign(g)) and with `--clip-norm x` (the whole gradient rescaled to
 * norm x when larger), for each threshold x. The loss and gradient-norm curves are drawn side
 * by side, and `rnnc analyze` shows the spectrum and ||dL/dh_t|| at the start.
 *
 *   node examples/experiments/exploding.mjs [--seed 1] [--backend interp|compiled] [--lag 20] [--epochs 10] [--lr 0.5] [--thresholds 0.1,1,10] [--out runs/experiments/exploding]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { latch } from "./data.mjs";
import { evalJson, loadDist, markdownTable, options, pct, rnnc, train, write, writeCommands } from "./lib.mjs";

const { composeCharts } = await loadDist("engine/plot/svg.js");
const o = options({
  seed: 1,
  backend: "interp",
  lag: 20,
  epochs: 10,
  lr: 0.5,
  thresholds: "0.1,1,10",
  batch: 32,
  train: 1000,
  test: 500,
  out: "runs/experiments/exploding",
});
const model = "examples/experiments/models/explode-elman.rnn";
const trainFile = join(o.out, "train.json");
const testFile = join(o.out, "test.json");
write(trainFile, latch(o.seed, o.train, o.lag));
write(testFile, latch(o.seed + 1000, o.test, o.lag));

const started = Date.now();
const analysis = rnnc(
  [
    "analyze",
    model,
    "--seed",
    String(o.seed),
    "--data",
    testFile,
    "--batch",
    "32",
    "--plot",
    join(o.out, "analyze-initial.svg"),
  ],
  { capture: true },
).stdout;
process.stdout.write(analysis);

const thresholds = o.thresholds.split(",").map(Number);
const runs = [
  { name: "no clipping", dir: "plain", extra: [] },
  ...["--clip-value", "--clip-norm"].flatMap((flag) =>
    thresholds.map((x) => ({ name: `${flag} ${x}`, dir: `${flag.slice(2)}-${x}`, extra: [flag, String(x)] })),
  ),
];
for (const r of runs) {
  r.checkpoint = join(o.out, r.dir);
  const t = train(model, trainFile, r.checkpoint, o, ["--optimizer", "sgd", "--lr", String(o.lr), ...r.extra], {
    capture: true,
    allowFailure: true,
  });
  r.status = t.status;
  r.output = t.stdout + t.stderr;
  process.stdout.write(r.output);
  const lines = readFileSync(join(r.checkpoint, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  r.steps = lines.filter((l) => l.kind === "step");
  r.warnings = lines.filter((l) => l.kind === "warning").length;
  r.stopped = lines.find((l) => l.kind === "stopped");
  r.test = r.status === 0 ? evalJson(model, r.checkpoint, testFile) : null;
  const norms = r.steps.map((s) => s.grad_norm);
  r.maxNorm = Math.max(...norms);
  r.medianNorm = [...norms].sort((a, b) => a - b)[Math.floor(norms.length / 2)];
  r.finalLoss = r.steps.slice(-20).reduce((s, l) => s + l.loss, 0) / Math.min(20, r.steps.length);
  r.maxLoss = Math.max(...r.steps.map((s) => s.loss));
}

const svg = composeCharts([
  {
    title: "training loss per step",
    xLabel: "step",
    yLabel: "loss",
    series: runs.map((r) => ({ name: r.name, points: r.steps.map((s) => [s.step, s.loss]) })),
  },
  {
    title: "gradient norm before clipping (log)",
    xLabel: "step",
    yLabel: "‖g‖",
    logY: true,
    hLines: thresholds.map((x) => ({ y: x, label: `${x}` })),
    series: runs.map((r) => ({ name: r.name, points: r.steps.map((s) => [s.step, s.grad_norm]) })),
  },
]);
write(join(o.out, "loss-and-norm.svg"), svg);
const table = markdownTable(
  [
    "run",
    "steps",
    "median ‖g‖",
    "largest ‖g‖",
    "explosion warnings",
    "largest step loss",
    "mean loss, last 20 steps",
    "test accuracy",
    "outcome",
  ],
  runs.map((r) => [
    r.name,
    String(r.steps.length),
    r.medianNorm.toPrecision(3),
    r.maxNorm.toPrecision(3),
    String(r.warnings),
    r.maxLoss.toFixed(3),
    r.finalLoss.toFixed(4),
    r.test ? pct(r.test.accuracy) : "—",
    r.stopped ? `stopped: ${r.stopped.reason}` : "finished",
  ]),
);
const summary = `Exploding gradients — Elman H = 16, W = orthogonal(gain = 3) (spectral radius 3), latch task with L = ${o.lag}, ${o.train} sequences, seed ${o.seed}, SGD lr ${o.lr}, ${o.epochs} epochs, batch ${o.batch}, ${o.backend} backend; ${((Date.now() - started) / 1000).toFixed(0)} s in all.\n\n${table}`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(
  join(o.out, "results.json"),
  JSON.stringify(
    runs.map((r) => ({
      run: r.name,
      steps: r.steps.length,
      medianNorm: r.medianNorm,
      maxNorm: r.maxNorm,
      warnings: r.warnings,
      maxLoss: r.maxLoss,
      finalLoss: r.finalLoss,
      test: r.test,
      stopped: r.stopped ?? null,
    })),
    null,
    2,
  ) + "\n",
);
process.stdout.write("\n" + summary);
