/**
 * The eigenvalue argument on the lecture's linear recurrence h_t = W h_{t-1}: with W = ρ·Q
 * (Q a random orthogonal matrix, every |λ| = ρ) the state is h_t = W^t h_0 and its norm is
 * exactly ρ^t ‖h_0‖: it vanishes for ρ < 1, keeps its size for ρ = 1 and explodes for ρ > 1.
 * For each ρ the script writes W, runs `rnnc run --steps` (the states) and `rnnc analyze
 * --steps` (eigenvalues, ‖h_t‖ beside ρ^t), and draws ‖h_t‖ against t on a log scale.
 *
 *   node examples/experiments/linear-recurrence.mjs [--rhos 0.9,1,1.1] [--steps 50] [--seed 1] [--out runs/experiments/linear-recurrence]
 */
import { join } from "node:path";
import { loadDist, markdownTable, options, rnnc, write, writeCommands } from "./lib.mjs";

const { householderQr } = await loadDist("runtime/qr.js");
const { Rng } = await loadDist("runtime/rng.js");
const { composeCharts, PALETTE } = await loadDist("engine/plot/svg.js");

const o = options({ rhos: "0.9,1,1.1", steps: 50, seed: 1, out: "runs/experiments/linear-recurrence" });
const model = "examples/experiments/models/linear.rnn";
const H = 8;
const rng = new Rng(o.seed);
const q = householderQr(
  Float64Array.from({ length: H * H }, () => rng.normal()),
  H,
  H,
).q;

const runs = o.rhos.split(",").map((text) => {
  const rho = Number(text);
  const weights = join(o.out, `W-rho-${text}.json`);
  write(
    weights,
    JSON.stringify({
      W: Array.from({ length: H }, (_, i) => Array.from(q.subarray(i * H, (i + 1) * H), (v) => rho * v)),
    }),
  );
  rnnc(["run", model, "--weights", weights, "--steps", String(o.steps)], { capture: true });
  const analysis = JSON.parse(
    rnnc(["analyze", model, "--weights", weights, "--steps", String(o.steps), "--format", "json"], { capture: true })
      .stdout,
  );
  const norms = analysis.free_run.norms.h;
  return {
    rho,
    weights,
    radius: analysis.matrices[0].spectral_radius,
    norms,
    growth: analysis.free_run.growth_per_step.h,
  };
});

const shown = [0, 10, 20, 30, 40, 50].filter((t) => t <= o.steps);
const table = markdownTable(
  ["ρ(W)", "measured ρ", ...shown.map((t) => `‖h_${t}‖`), "growth per step", "ρ^50 ‖h_0‖"],
  runs.map((r) => [
    String(r.rho),
    r.radius.toFixed(4),
    ...shown.map((t) => r.norms[t].toPrecision(4)),
    r.growth.toFixed(4),
    (r.rho ** o.steps * r.norms[0]).toPrecision(4),
  ]),
);
write(
  join(o.out, "norms.svg"),
  composeCharts([
    {
      title: "‖h_t‖ of h_t = W h_{t−1}, W = ρ·Q (log scale)",
      xLabel: "step t",
      yLabel: "‖h_t‖",
      logY: true,
      series: runs.map((r, i) => ({
        name: `ρ = ${r.rho}`,
        points: r.norms.map((v, t) => [t, v]),
        color: PALETTE[i % PALETTE.length],
      })),
    },
  ]),
);
const summary = `Linear recurrence h_t = W h_{t−1}, H = ${H}, h_0 = 1 (‖h_0‖ = √${H}), W = ρ·Q with Q orthogonal (seed ${o.seed}), ${o.steps} steps.\n\n${table}`;
write(join(o.out, "results.md"), summary);
writeCommands(o.out);
write(join(o.out, "results.json"), JSON.stringify(runs, null, 2) + "\n");
process.stdout.write("\n" + summary);
