/**
 * The workload benchmark: every engine of a workload in a worker process of its own, warmed
 * up, then timed in rounds (each engine in turn, its runs spread over the rounds) so that all
 * engines see the same load of a shared machine; medians, GFLOP/s, percent of the machine's
 * peak and ratios against rnnc's compiled modules, in Markdown.
 */
import { fileURLToPath } from "node:url";
import { EngineProcess } from "./engine-process.js";
import { peakNames, type Peaks } from "./peak.js";
import { pytorchThreads, type PyTorch } from "./pytorch.js";
import { median, runsAfterWarmUp, runsInRound, type RunPlan, type Sample } from "./stats.js";
import { gflops, multiplyAdds, workloads, type Mode, type Workload } from "./workloads.js";

export const pytorchEngines = ["pytorch-1t", "pytorch-2t"] as const;
export const jsPeers = ["tfjs-cpu", "tfjs-wasm", "brainjs"];
/** Peers timed forward only, whatever the workload measures (the spec's peer table measured onnxruntime-node so). */
const forwardPeers = ["onnxruntime"];
const compiledEngines = ["compiled-f64", "compiled-f32"];
const threadedEngines = ["compiled-f64-2t", "compiled-f32-2t"];
/** rnnc's engines, in the order of the tables. */
const rnncEngines = [...compiledEngines, ...threadedEngines, "compiled-js-f64", "compiled-js-f32", "interp"];

/** A least speed-up of rnnc over a peer (the peer's time over rnnc's), and how the issue words it. */
interface Target {
  speedup: number;
  label: string;
}
/** Targets against the best JavaScript peer: issue 7's ≥ 5× on W1, W2 and W4 (forward+backward), issue 4's ≥ 3× on W3. */
const jsPeerTarget: Partial<Record<string, Target>> = {
  w1: { speedup: 5, label: "≥ 5×" },
  w2: { speedup: 5, label: "≥ 5×" },
  w3: { speedup: 3, label: "≥ 3×" },
  w4: { speedup: 5, label: "≥ 5×" },
};
/** Issue 19's targets against PyTorch 2.x on one thread, rnnc on one thread too (W3: latency of nn.GRU). */
const pytorchTarget: Partial<Record<string, Target>> = {
  w1: { speedup: 1 / 1.5, label: "within 1.5×" },
  w2: { speedup: 2, label: "≥ 2×" },
  w3: { speedup: 5, label: "≥ 5×" },
  w4: { speedup: 1 / 1.5, label: "within 1.5×" },
  // Issue 16's target: the GRU encoder–decoder no slower than PyTorch on one thread.
  w5: { speedup: 1, label: "no slower" },
  // Issue 17's target: W5 with attention no slower than PyTorch on one thread.
  w6: { speedup: 1, label: "no slower" },
};
/** Issue 19's targets for rnnc on both cores against PyTorch 2.x on one thread. */
const bothCoresTarget: Partial<Record<string, Target>> = {
  w1: { speedup: 1, label: "no slower" },
  w4: { speedup: 1, label: "no slower" },
};
/** Issue 19's targets against onnxruntime-node, forward, one thread each. */
const onnxruntimeTarget: Partial<Record<string, Target>> = {
  w1: { speedup: 1 / 2, label: "within 2×" },
  w3: { speedup: 1, label: "no slower" },
  w4: { speedup: 1 / 2, label: "within 2×" },
};

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
  /** The kernels an rnnc engine's products ran on. */
  kernels?: "relaxed" | "wasm" | "js";
  error?: string;
}

export const log = (message: string) => process.stderr.write(message + "\n");
export const out = (line = "") => process.stdout.write(line + "\n");
export const fmt = (x: number, digits = 3) =>
  Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(digits)) : "—";

/** Threads an engine computes on: N for a name ending in -Nt, else 1. */
const threadsOf = (engine: string) => Number(/-(\d+)t$/.exec(engine)?.[1] ?? 1);

/**
 * Every (engine, pass) timed for a workload: rnnc forward always, and the measured pass for everyone
 * but the forward-only peers; rnnc's threaded engines only forward+backward (their pool computes nothing else).
 */
function cases(w: Workload, engines: readonly string[]): { engine: string; mode: Mode }[] {
  const list: { engine: string; mode: Mode }[] = [];
  for (const engine of rnncEngines) {
    const threaded = threadsOf(engine) > 1;
    if (w.measured === "fwdbwd" && !threaded) list.push({ engine, mode: "fwd" });
    if (w.measured === "fwdbwd" || !threaded) list.push({ engine, mode: w.measured });
  }
  // The JavaScript peers and the ONNX export build single-sequence models: an encoder–decoder is PyTorch's alone.
  const peers = w.source ? pytorchEngines : [...jsPeers, ...pytorchEngines];
  for (const engine of peers) list.push({ engine, mode: w.measured });
  if (!w.source) for (const engine of forwardPeers) list.push({ engine, mode: "fwd" });
  return list.filter((c) => engines.includes(c.engine));
}

function startWorker(w: Workload, engine: string, mode: Mode, quick: boolean, python: string) {
  const flag = quick ? ["--quick"] : [];
  if (!engine.startsWith("pytorch-"))
    return EngineProcess.start(process.execPath, [workerScript, w.id, engine, mode, ...flag]);
  const threads = threadsOf(engine);
  return EngineProcess.start(python, [pytorchScript, String(threads), w.id, ...flag], pytorchThreads(threads));
}

/** Each (engine, pass) of a workload warmed up in a process of its own, then timed in rounds, all in turn. */
export async function measureCases(
  w: Workload,
  list: readonly { engine: string; mode: Mode }[],
  plan: RunPlan,
  quick: boolean,
  torch: PyTorch,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const live: { result: CaseResult; process: EngineProcess; total: number; samples: Sample[] }[] = [];
  for (const { engine, mode } of list) {
    const result: CaseResult = {
      workload: w.id,
      engine,
      mode,
      medianMs: NaN,
      cpuMs: NaN,
      runs: 0,
      firstMs: NaN,
      loss: NaN,
    };
    results.push(result);
    if (engine.startsWith("pytorch-") && "missing" in torch) {
      result.error = `skipped: ${torch.missing}`;
      continue;
    }
    try {
      const { process, ready } = await startWorker(w, engine, mode, quick, "python" in torch ? torch.python : "");
      const { samples, runs: total } = runsAfterWarmUp(ready.first, ready.lastMs, plan);
      const single = samples.length > 0 ? "a single run, over the budget: no warm-up" : "";
      Object.assign(
        result,
        { firstMs: ready.first.ms, loss: ready.loss, ...(ready.kernels ? { kernels: ready.kernels } : {}) },
        ready.note || single ? { note: [ready.note, single].filter(Boolean).join("; ") } : {},
      );
      live.push({ result, process, total, samples });
      log(
        `${w.id} ${engine} ${mode}: ready (first run ${fmt(ready.first.ms)} ms, then ${fmt(ready.lastMs)} ms) → ${single || `${total} runs`}`,
      );
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
    Object.assign(e.result, {
      medianMs: median(e.samples.map((s) => s.ms)),
      cpuMs: median(e.samples.map((s) => s.cpuMs)),
      runs: e.samples.length,
    });
  }
  return results;
}

const cellName = { lstm: "LSTM", gru: "GRU (PyTorch variant)", elman: "Elman (tanh)" };

function describe(w: Workload): string {
  const input = `${w.input.encoding === "onehot" ? "one-hot" : "dense"} input of ${w.input.size}`;
  const output = `${w.output.loss === "none" ? "a dense output" : "softmax and cross-entropy"} over ${w.output.size} ${w.output.at === "each" ? "at every step" : "at the last step"}`;
  const encoder = w.source
    ? `, an encoder of ${w.source.steps} source steps whose last state starts a decoder of T = ${w.T} steps${w.attention ? ` with ${w.attention} attention over the source` : ""}`
    : `, T = ${w.T}`;
  return `${cellName[w.cell]}, ${input}, H = ${w.H}${encoder}, B = ${w.B}, ${output}; measured ${w.measured === "fwd" ? "forward only" : "forward+backward"} (bench/workloads/${w.file}).`;
}

/** The tier whose peak an rnnc engine's rate is a share of (the fused multiply–add peak where its products fused them); none for the peers. */
function peakTier(r: CaseResult): keyof Peaks | null {
  if (r.engine.startsWith("compiled-js-") || r.engine === "interp") return "js";
  const fma = r.kernels === "relaxed";
  if (r.engine.startsWith("compiled-f32")) return fma ? "fma32" : "f32";
  if (r.engine.startsWith("compiled-f64")) return fma ? "fma64" : "f64";
  return null;
}

/** "% of peak" and its note: an rnnc engine's rate over the best peak of its tier, times its threads. */
function ofPeak(w: Workload, r: CaseResult, peaks: Peaks): { cell: string; note?: string } {
  const tier = peakTier(r);
  const peak = tier ? peaks[tier] : undefined;
  if (!tier || !peak) return { cell: "—" };
  const threads = threadsOf(r.engine);
  const percent = (100 * gflops(w, r.mode, r.medianMs)) / (threads * peak.best);
  return {
    cell: Number.isFinite(percent) ? `${fmt(percent, 2)}%` : "—",
    ...(threads > 1 ? { note: `% of ${threads} × the ${peakNames[tier]} peak` } : {}),
  };
}

function table(w: Workload, results: CaseResult[], peaks: Peaks): void {
  out(`## ${w.title}`);
  out();
  out(describe(w));
  out(
    `Multiply-adds per batch: forward ${multiplyAdds(w, "fwd").toExponential(3)}${w.measured === "fwdbwd" ? `, forward+backward ${multiplyAdds(w, "fwdbwd").toExponential(3)}` : ""}.`,
  );
  out();
  out(
    "| engine | pass | ms / batch | CPU ms | runs | GFLOP/s | % of peak | ÷ compiled f64 | ÷ compiled f32 | loss or output sum | notes |",
  );
  out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  const compiled = (dtype: string, mode: Mode) =>
    results.find((r) => r.engine === `compiled-${dtype}` && r.mode === mode)?.medianMs ?? NaN;
  for (const r of results) {
    const ratio = (dtype: string) =>
      r.engine === `compiled-${dtype}` ? "1" : fmt(r.medianMs / compiled(dtype, r.mode));
    const peak = ofPeak(w, r, peaks);
    const notes = r.error ? `**${r.error}**` : [r.note, peak.note].filter(Boolean).join("; ");
    out(
      `| ${r.engine} | ${r.mode === "fwd" ? "forward" : "fwd+bwd"} | ${fmt(r.medianMs)} | ${fmt(r.cpuMs)} | ${r.runs} | ${fmt(gflops(w, r.mode, r.medianMs))} | ${peak.cell} | ${ratio("f64")} | ${ratio("f32")} | ${fmt(r.loss, 4)} | ${notes} |`,
    );
  }
  out();
}

/** The machine's peaks (bench/peak.ts), once before the workload sections: what their "% of peak" columns divide by. */
export function peakSection(peaks: Peaks): void {
  out("## Machine peak");
  out();
  const rates = (Object.keys(peakNames) as (keyof Peaks)[]).flatMap((tier) => {
    const peak = peaks[tier];
    return peak ? [`${peakNames[tier]} ${fmt(peak.median)} (${fmt(peak.best)})`] : [];
  });
  out(
    `One thread, register-only multiply–add loops (bench/peak.ts), GFLOP/s on CPU time, median (best trial): ${rates.join(", ")}.`,
  );
  out(
    "A workload's \"% of peak\" is an rnnc engine's GFLOP/s over the best trial of its tier (WebAssembly for compiled-f64 and compiled-f32, the relaxed_madd loop when their products ran on the relaxed SIMD kernels, JavaScript for compiled-js-* and interp), times its threads.",
  );
  out();
}

/** rnnc's best time among `rnnc` against the best of `peers`, per workload, with the issue's target. */
interface Comparison {
  heading: string;
  peerColumn: string;
  rnnc(w: Workload): string[];
  peers: readonly string[];
  target(w: Workload): Target | undefined;
  /** The pass compared: the workload's measured one unless given. */
  mode?: Mode;
}

function comparisonTable(all: CaseResult[], c: Comparison): void {
  const fastest = (w: Workload, names: readonly string[]) =>
    all
      .filter(
        (r) =>
          r.workload === w.id &&
          r.mode === (c.mode ?? w.measured) &&
          names.includes(r.engine) &&
          Number.isFinite(r.medianMs),
      )
      .sort((a, b) => a.medianMs - b.medianMs)[0];
  const rows: string[] = [];
  for (const w of workloads) {
    const [mine, theirs, target] = [fastest(w, c.rnnc(w)), fastest(w, c.peers), c.target(w)];
    if (!mine || !theirs) continue;
    const speedup = theirs.medianMs / mine.medianMs;
    const met = target ? (speedup >= target.speedup ? "yes" : "**no**") : "—";
    rows.push(
      `| ${w.title} | ${mine.engine} | ${fmt(mine.medianMs)} | ${theirs.engine} | ${fmt(theirs.medianMs)} | ${speedup.toFixed(2)}× | ${target?.label ?? "—"} | ${met} |`,
    );
  }
  if (rows.length === 0) return;
  out(`## ${c.heading}`);
  out();
  out(`| workload | best compiled | ms | ${c.peerColumn} | ms | speed-up | target | met |`);
  out("| --- | --- | ---: | --- | ---: | ---: | ---: | --- |");
  for (const row of rows) out(row);
  out();
}

/**
 * Per workload: rnnc's best compiled time against the best JavaScript peer's (one thread each: no
 * JavaScript peer uses a second core), against PyTorch on one thread (rnnc on one thread, then on
 * both cores), and rnnc's best compiled forward against onnxruntime-node's (one thread each).
 * Speed-up: the peer's time over rnnc's.
 */
export function summary(all: CaseResult[]): void {
  comparisonTable(all, {
    heading: "Summary: rnnc compiled against the best JavaScript peer",
    peerColumn: "best JS peer",
    rnnc: () => compiledEngines,
    peers: jsPeers,
    target: (w) => jsPeerTarget[w.id],
  });
  comparisonTable(all, {
    heading: "Summary: rnnc compiled against PyTorch on one thread",
    peerColumn: "PyTorch",
    rnnc: () => compiledEngines,
    peers: ["pytorch-1t"],
    target: (w) => pytorchTarget[w.id],
  });
  comparisonTable(all, {
    heading: "Summary: rnnc compiled on both cores against PyTorch on one thread",
    peerColumn: "PyTorch",
    rnnc: () => threadedEngines,
    peers: ["pytorch-1t"],
    target: (w) => bothCoresTarget[w.id],
  });
  comparisonTable(all, {
    heading: "Summary: rnnc compiled against onnxruntime-node, forward, one thread",
    peerColumn: "onnxruntime",
    rnnc: () => compiledEngines,
    peers: forwardPeers,
    target: (w) => onnxruntimeTarget[w.id],
    mode: "fwd",
  });
}

export async function workloadSection(
  w: Workload,
  engines: readonly string[],
  plan: RunPlan,
  quick: boolean,
  torch: PyTorch,
  peaks: Peaks,
): Promise<CaseResult[]> {
  const results = await measureCases(w, cases(w, engines), plan, quick, torch);
  table(w, results, peaks);
  return results;
}
