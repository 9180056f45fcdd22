/**
 * The benchmark suite: `npm run bench [-- --only w1,w2,frontend,lsp] [--quick] [--engines LIST]`.
 *
 * Sections: `frontend` (lines/s of the front end, against TypeScript's), `w1`…`w6` (the
 * workloads of the spec: bench/workload-bench.ts), `training` (whole training runs against PyTorch:
 * bench/training/section.ts), `lsp` (bench/lsp.ts), `scaleout` (rnnc train against the exported
 * module under torchrun: bench/scale-out.ts), `scaling` (time per batch against H and T, rnnc and PyTorch:
 * bench/scaling.ts). Prints Markdown;
 * bench/RESULTS.md records a full run. Progress goes to stderr.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { enableRelaxedSimd } from "../engine/wasm-features.js";
import { engineIds } from "./engine.js";
import { frontEndBench } from "./frontend.js";
import { header, load } from "./machine.js";
import { measurePeaks } from "./peak.js";
import { pytorchPeer, type PyTorch } from "./pytorch.js";
import { fullPlan, quickPlan } from "./stats.js";
import { scalingSection } from "./scaling.js";
import { trainingSection } from "./training/section.js";
import {
  fmt,
  log,
  out,
  peakSection,
  pytorchEngines,
  summary,
  workloadSection,
  type CaseResult,
} from "./workload-bench.js";
import { workloads } from "./workloads.js";
import { scaleOutSection } from "./scale-out.js";

const sections = ["frontend", "w1", "w2", "w3", "w4", "w5", "w6", "training", "lsp", "scaleout", "scaling"] as const;
const allEngines = [...engineIds, ...pytorchEngines];

function options() {
  const { values } = parseArgs({
    options: { only: { type: "string" }, quick: { type: "boolean", default: false }, engines: { type: "string" } },
  });
  const pick = <T extends string>(list: string | undefined, all: readonly T[], what: string): T[] => {
    if (!list) return [...all];
    const chosen = list.split(",").map((s) => s.trim().toLowerCase());
    const unknown = chosen.filter((s) => !all.includes(s as T));
    if (unknown.length > 0) throw new Error(`unknown ${what} ${unknown.join(", ")} (choose from ${all.join(", ")})`);
    return chosen as T[];
  };
  return {
    only: pick(values.only, sections, "section"),
    quick: values.quick!,
    engines: pick(values.engines, allEngines, "engine"),
  };
}

function frontEndSection(quick: boolean): void {
  log("frontend …");
  const { lines, rows, pairs, paired } = frontEndBench(quick);
  out("## Front end");
  out();
  out(
    `The generated model of the LSP benchmark (bench/support/generated-model.ts): ${lines.toLocaleString("en-US")} lines, 2,000 stacked Elman layers.`,
  );
  out();
  out("| phase | runs | median ms | lines / s | median CPU ms | lines / CPU s |");
  out("| --- | ---: | ---: | ---: | ---: | ---: |");
  const perSecond = (n: number) => Math.round(n).toLocaleString("en-US");
  for (const r of rows)
    out(
      `| ${r.what} | ${r.runs} | ${fmt(r.medianMs)} | ${perSecond(r.linesPerSecond)} | ${fmt(r.cpuMs)} | ${perSecond(r.linesPerCpuSecond)} |`,
    );
  const rnnc = rows.find((r) => r.what.startsWith("rnnc analyze ("));
  const typescript = rows.find((r) => r.what.endsWith("parse + check"));
  if (rnnc && typescript)
    out(
      `\nrnnc parse + check ÷ TypeScript parse + check, in lines/s: ${(rnnc.linesPerSecond / typescript.linesPerSecond).toFixed(2)} (wall time), ${(rnnc.linesPerCpuSecond / typescript.linesPerCpuSecond).toFixed(2)} (CPU time); ${paired.cpu.toFixed(2)} in CPU time (the steadier figure on a shared machine) and ${paired.wall.toFixed(2)} in wall time with each in a process of its own, the two in turn (median of ${pairs} pairs of processes).`,
    );
  out();
}

function lspSection(): void {
  log("lsp …");
  const child = spawnSync(process.execPath, [fileURLToPath(new URL("./lsp.js", import.meta.url))], {
    encoding: "utf8",
    timeout: 900_000,
  });
  out("## Language server");
  out();
  out(
    child.status === 0
      ? child.stdout.trim()
      : `**failed**: ${(child.stderr || child.error?.message || "").trim().split("\n").slice(-3).join(" ")}`,
  );
  out();
}

async function main(): Promise<void> {
  const { only, quick, engines } = options();
  // The peaks of this process and rnnc's engines in the workers: relaxed SIMD where the CPU has it, as rnnc's command line runs.
  enableRelaxedSimd();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  out(`# rnnc benchmarks${quick ? " (quick: fewer runs)" : ""}`);
  out();
  for (const line of header(command)) out(line);
  out();
  if (only.includes("frontend")) frontEndSection(quick);
  const chosen = workloads.filter((w) => only.some((section) => section === w.id));
  const wantTorch =
    (chosen.length > 0 || only.includes("training") || only.includes("scaling")) &&
    engines.some((e) => e.startsWith("pytorch-"));
  const torch: PyTorch = wantTorch ? await pytorchPeer(log) : { missing: "not asked for" };
  if (wantTorch && "missing" in torch) out(`PyTorch skipped: ${torch.missing}.\n`);
  const results: CaseResult[] = [];
  if (chosen.length > 0) {
    log("peak …");
    const peaks = measurePeaks();
    peakSection(peaks);
    for (const w of chosen)
      results.push(...(await workloadSection(w, engines, quick ? quickPlan : fullPlan, quick, torch, peaks)));
  }
  summary(results);
  if (only.includes("training")) await trainingSection(quick, torch);
  if (only.includes("lsp")) lspSection();
  if (only.includes("scaleout")) await scaleOutSection(quick);
  if (only.includes("scaling")) await scalingSection(engines, quick ? quickPlan : fullPlan, quick, torch);
  out(`Load average at the end: ${load()}.`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
