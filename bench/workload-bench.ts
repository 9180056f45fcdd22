/**
 * The workload benchmark: every engine of a workload in a worker process of its own, warmed
 * up, then timed in rounds (each engine in turn, its runs spread over the rounds) so that all
 * engines see the same load of a shared machine; medians, GFLOP/s and ratios against rnnc's
 * compiled modules, in Markdown.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EngineProcess } from "./engine-process.js";
import { median, runsAfterWarmUp, runsInRound, type RunPlan, type Sample } from "./stats.js";
import { gflops, multiplyAdds, workloads, type Mode, type Workload } from "./workloads.js";

export const pytorchEngines = ["pytorch-1t", "pytorch-2t"] as const;
export const jsPeers = ["tfjs-cpu", "tfjs-wasm", "brainjs"];
/** Issue 4's targets: compiled faster than every JavaScript peer, by this factor over the best one. */
const target: Record<string, number> = { w1: 1, w2: 3, w3: 3, w4: 1 };

const python = "/usr/bin/python3";
/** Debian's OpenBLAS (`apt-get install libopenblas0-openmp`), put first for PyTorch when installed: Debian's torch otherwise runs on the reference BLAS. */
const openblas = "/usr/lib/x86_64-linux-gnu/openblas-openmp";
const workerScript = fileURLToPath(new URL("./worker.js", import.meta.url));
const pytorchScript = fileURLToPath(new URL("../../bench/pytorch_bench.py", import.meta.url));

export interface CaseResult {
  workload: string;
  engine: string;
  mode: Mode;
  medianMs: number;
  cpuMs: number;
  runs: number;
  firstMs: number;
  loss: number;
  note?: string;
  error?: string;
}

export const log = (message: string) => process.stderr.write(message + "\n");
export const out = (line = "") => process.stdout.write(line + "\n");
export const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(digits)) : "—");

/** Every (engine, pass) timed for a workload: rnnc forward always, and the measured pass for everyone. */
function cases(w: Workload, engines: readonly string[]): { engine: string; mode: Mode }[] {
  const list: { engine: string; mode: Mode }[] = [];
  for (const engine of ["compiled-f64", "compiled-f32", "compiled-js-f64", "compiled-js-f32", "interp"]) {
    if (w.measured === "fwdbwd") list.push({ engine, mode: "fwd" });
    list.push({ engine, mode: w.measured });
  }
  for (const engine of [...jsPeers, ...pytorchEngines]) list.push({ engine, mode: w.measured });
  return list.filter((c) => engines.includes(c.engine));
}

function startWorker(w: Workload, engine: string, mode: Mode, quick: boolean) {
  const flag = quick ? ["--quick"] : [];
  if (!engine.startsWith("pytorch-")) return EngineProcess.start(process.execPath, [workerScript, w.id, engine, mode, ...flag]);
  const threads = engine.slice("pytorch-".length, -1);
  const path = existsSync(openblas) ? { LD_LIBRARY_PATH: [openblas, process.env["LD_LIBRARY_PATH"]].filter(Boolean).join(":") } : {};
  return EngineProcess.start(python, [pytorchScript, threads, w.id, ...flag], { ...process.env, OMP_NUM_THREADS: threads, ...path });
}

async function measureWorkload(w: Workload, engines: readonly string[], plan: RunPlan, quick: boolean, noTorch: string | null): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const live: { result: CaseResult; process: EngineProcess; total: number; samples: Sample[] }[] = [];
  for (const { engine, mode } of cases(w, engines)) {
    const result: CaseResult = { workload: w.id, engine, mode, medianMs: NaN, cpuMs: NaN, runs: 0, firstMs: NaN, loss: NaN };
    results.push(result);
    if (engine.startsWith("pytorch-") && noTorch) {
      result.error = `skipped: ${noTorch}`;
      continue;
    }
    try {
      const { process, ready } = await startWorker(w, engine, mode, quick);
      const { samples, runs: total } = runsAfterWarmUp(ready.first, ready.lastMs, plan);
      const single = samples.length > 0 ? "a single run, over the budget: no warm-up" : "";
      Object.assign(result, { firstMs: ready.first.ms, loss: ready.loss }, ready.note || single ? { note: [ready.note, single].filter(Boolean).join("; ") } : {});
      live.push({ result, process, total, samples });
      log(`${w.id} ${engine} ${mode}: ready (first run ${fmt(ready.first.ms)} ms, then ${fmt(ready.lastMs)} ms) → ${single || `${total} runs`}`);
    } catch (e) {
      result.error = e instanceof Error ? e.message : String(e);
      log(`${w.id} ${engine} ${mode}: failed: ${result.error}`);
    }
  }
  try {
    for (let round = 0; round < plan.rounds; round++) {
      for (const e of live) {
        const count = runsInRound(e.total, round, plan.rounds);
        if (count > 0 && !e.result.error) {
          try {
            e.samples.push(...(await e.process.run(count)));
          } catch (error) {
            e.result.error = error instanceof Error ? error.message : String(error);
          }
        }
      }
      log(`${w.id}: round ${round + 1} of ${plan.rounds} done`);
    }
  } finally {
    for (const e of live) e.process.close();
  }
  for (const e of live) {
    Object.assign(e.result, { medianMs: median(e.samples.map((s) => s.ms)), cpuMs: median(e.samples.map((s) => s.cpuMs)), runs: e.samples.length });
  }
  return results;
}

const cellName = { lstm: "LSTM", gru: "GRU (PyTorch variant)", elman: "Elman (tanh)" };

function describe(w: Workload): string {
  const input = `${w.input.encoding === "onehot" ? "one-hot" : "dense"} input of ${w.input.size}`;
  const output = `${w.output.loss === "none" ? "a dense output" : "softmax and cross-entropy"} over ${w.output.size} ${w.output.at === "each" ? "at every step" : "at the last step"}`;
  return `${cellName[w.cell]}, ${input}, H = ${w.H}, T = ${w.T}, B = ${w.B}, ${output}; measured ${w.measured === "fwd" ? "forward only" : "forward+backward"} (bench/workloads/${w.file}).`;
}

function table(w: Workload, results: CaseResult[]): void {
  out(`## ${w.title}`);
  out();
  out(describe(w));
  out(`Multiply-adds per batch: forward ${multiplyAdds(w, "fwd").toExponential(3)}${w.measured === "fwdbwd" ? `, forward+backward ${multiplyAdds(w, "fwdbwd").toExponential(3)}` : ""}.`);
  out();
  out("| engine | pass | ms / batch | CPU ms | runs | GFLOP/s | ÷ compiled f64 | ÷ compiled f32 | loss or output sum | notes |");
  out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  const compiled = (dtype: string, mode: Mode) => results.find((r) => r.engine === `compiled-${dtype}` && r.mode === mode)?.medianMs ?? NaN;
  for (const r of results) {
    const ratio = (dtype: string) => (r.engine === `compiled-${dtype}` ? "1" : fmt(r.medianMs / compiled(dtype, r.mode)));
    const notes = r.error ? `**${r.error}**` : (r.note ?? "");
    out(`| ${r.engine} | ${r.mode === "fwd" ? "forward" : "fwd+bwd"} | ${fmt(r.medianMs)} | ${fmt(r.cpuMs)} | ${r.runs} | ${fmt(gflops(w, r.mode, r.medianMs))} | ${ratio("f64")} | ${ratio("f32")} | ${fmt(r.loss, 4)} | ${notes} |`);
  }
  out();
}

/** Per workload: rnnc's best compiled time against the best JavaScript peer's, and issue 4's target. */
export function summary(all: CaseResult[]): void {
  const rows = workloads.filter((w) => all.some((r) => r.workload === w.id));
  if (rows.length === 0) return;
  out("## Summary: rnnc compiled against the best JavaScript peer");
  out();
  out("| workload | best compiled | ms | best JS peer | ms | speed-up | target | met |");
  out("| --- | --- | ---: | --- | ---: | ---: | ---: | --- |");
  for (const w of rows) {
    const best = (names: string[]) => all.filter((r) => r.workload === w.id && r.mode === w.measured && names.includes(r.engine) && Number.isFinite(r.medianMs)).sort((a, b) => a.medianMs - b.medianMs)[0];
    const c = best(["compiled-f64", "compiled-f32"]);
    const p = best(jsPeers);
    if (!c || !p) continue;
    const speedup = p.medianMs / c.medianMs;
    out(`| ${w.title} | ${c.engine} | ${fmt(c.medianMs)} | ${p.engine} | ${fmt(p.medianMs)} | ${speedup.toFixed(2)}× | ≥ ${target[w.id]}× | ${speedup >= target[w.id]! ? "yes" : "**no**"} |`);
  }
  out();
}

export async function workloadSection(w: Workload, engines: readonly string[], plan: RunPlan, quick: boolean, noTorch: string | null): Promise<CaseResult[]> {
  const results = await measureWorkload(w, engines, plan, quick, noTorch);
  table(w, results);
  return results;
}
