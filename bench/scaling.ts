/**
 * The scaling section (issue 19): how the time of a batch grows with its work, for rnnc's compiled
 * module and PyTorch, both float32 on one thread, forward+backward. W4's LSTM (a dense input of
 * 256, a batch of 64, ten classes at the last step) at widths H = 64…1024 over 50 steps, then at
 * lengths T = 10…1000 with H = 128: a table of each sweep, and both drawn log-log into one SVG.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { composeCharts, type Chart } from "../engine/plot/svg.js";
import type { PyTorch } from "./pytorch.js";
import type { RunPlan } from "./stats.js";
import { fmt, log, measureCases, out, type CaseResult } from "./workload-bench.js";
import { gflops, workload, type Workload } from "./workloads.js";

const engines = [
  { engine: "compiled-f32", name: "rnnc compiled f32" },
  { engine: "pytorch-1t", name: "PyTorch, 1 thread" },
];

interface Sweep {
  /** The size that varies, as the variant's id and the tables name it. */
  size: "H" | "T";
  values: readonly number[];
  /** The other size, held. */
  fixed: string;
  xLabel: string;
}

const sweeps: readonly Sweep[] = [
  { size: "H", values: [64, 128, 256, 512, 1024], fixed: "T=50", xLabel: "width H (T = 50)" },
  { size: "T", values: [10, 30, 100, 300, 1000], fixed: "H=128", xLabel: "steps T (H = 128)" },
];

/** The picture, beside this file in the checkout: bench/RESULTS.md shows the one of its recorded run. */
const scalingPlot = fileURLToPath(new URL("../../bench/scaling.svg", import.meta.url));

function variantOf(sweep: Sweep, value: number): Workload {
  return workload(`w4@${sweep.size}=${value},${sweep.fixed}`);
}

async function measureSweep(sweep: Sweep, chosen: readonly string[], plan: RunPlan, quick: boolean, torch: PyTorch) {
  const list = engines
    .filter(({ engine }) => chosen.includes(engine))
    .map(({ engine }) => ({ engine, mode: "fwdbwd" as const }));
  const rows: { value: number; w: Workload; results: CaseResult[] }[] = [];
  for (const value of sweep.values) {
    const w = variantOf(sweep, value);
    log(`scaling: ${w.title} …`);
    rows.push({ value, w, results: await measureCases(w, list, plan, quick, torch) });
  }
  return rows;
}

type SweepRows = Awaited<ReturnType<typeof measureSweep>>;

function table(sweep: Sweep, rows: SweepRows): void {
  out(`### Time per batch against ${sweep.size} (${sweep.fixed.replace("=", " = ")})`);
  out();
  out(
    `| ${sweep.size} | rnnc ms | rnnc CPU ms | rnnc GFLOP/s | PyTorch ms | PyTorch CPU ms | PyTorch GFLOP/s | PyTorch ÷ rnnc (time) |`,
  );
  out("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const { value, w, results } of rows) {
    const [rnnc, torch] = engines.map(({ engine }) => results.find((r) => r.engine === engine));
    const cells = (r: CaseResult | undefined) =>
      !r
        ? ["—", "—", "not run"]
        : r.error
          ? ["—", "—", `**${r.error}**`]
          : [fmt(r.medianMs), fmt(r.cpuMs), fmt(gflops(w, "fwdbwd", r.medianMs))];
    const ratio = rnnc && torch ? torch.medianMs / rnnc.medianMs : NaN;
    out(`| ${value} | ${[...cells(rnnc), ...cells(torch), fmt(ratio)].join(" | ")} |`);
  }
  out();
}

function chart(sweep: Sweep, rows: SweepRows): Chart {
  return {
    title: `Forward+backward against ${sweep.size}`,
    xLabel: sweep.xLabel,
    yLabel: "ms per batch",
    logX: true,
    logY: true,
    legendAt: "left",
    series: engines.map(({ engine, name }) => ({
      name,
      markers: true,
      points: rows.map(
        ({ value, results }) => [value, results.find((r) => r.engine === engine)?.medianMs ?? NaN] as const,
      ),
    })),
  };
}

/** The sweeps, with the engines of `--engines` among rnnc compiled f32 and PyTorch on one thread. */
export async function scalingSection(
  chosen: readonly string[],
  plan: RunPlan,
  quick: boolean,
  torch: PyTorch,
): Promise<void> {
  out("## Scaling: time per batch against width and length");
  out();
  out(
    "W4's LSTM (dense input of 256, batch 64, ten classes at the last step), float32, forward+backward, one thread; the line of each engine's time on log-log axes has the slope of its cost's growth (2 for work growing as H², 1 for work growing as T).",
  );
  out();
  const measured = [];
  for (const sweep of sweeps) {
    const rows = await measureSweep(sweep, chosen, plan, quick, torch);
    table(sweep, rows);
    measured.push(chart(sweep, rows));
  }
  writeFileSync(scalingPlot, composeCharts(measured, 2));
  out(`Drawn in bench/scaling.svg.`);
  out();
}
