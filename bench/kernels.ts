/**
 * Micro-benchmark of the matrix kernels: the machine's WebAssembly SIMD peak, and the
 * WebAssembly and JavaScript kernels on the products of the workloads
 * (../shared/spec/workloads.md), in GFLOP/s, percent of peak and ratios.
 *
 *     npm run bench:build && node dist/bench/kernels.js [--quick] [--f32]
 *
 * --quick: fewer and shorter trials; --f32: skip the float64 kernels.
 *
 * Peak: a register-only loop of independent f32x4 (or f64x2) multiplies and adds, the
 * kernels' own instruction mix (bench/peak.ts).
 *
 * Timing: each case runs in trials of about 40 ms after a warm-up, on the process's CPU
 * time as the peak is (bench/peak.ts; other processes' cache pollution remains). The table
 * gives the median rate and, in parentheses, the best trial. Percent of peak compares best
 * with best (the peak is measured at the start and at the end, and the better one kept):
 * what the kernel can do against what the machine can do. Ratios between tiers use
 * medians. A product of shapes B, M, N counts 2·B·M·N flops.
 */
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import type { FloatArray } from "../runtime/floatArray.js";
import { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../runtime/kernels/matmul.js";
import { simdSupported, WasmKernels } from "../runtime/kernels/wasm/index.js";
import { Rng } from "../runtime/rng.js";
import { fullTrials, measure, measurePeak, quickTrials, type Rate, type TrialPlan } from "./peak.js";

/** A product shape of a workload: Y[B,M] = X[B,N]·Wᵀ and its two adjoints. */
export interface Shape {
  name: string;
  B: number;
  M: number;
  N: number;
  /** Skip the (slow) JavaScript kernels on this shape. */
  noJs?: boolean;
}

/** The gate products of the workloads (M = gates · H, N = inputs + H, as one fused product per step). */
export const workloadShapes: Shape[] = [
  { name: "W1 char-LSTM, [x;h] 65+128 → 4·128", B: 32, M: 512, N: 193 },
  { name: "W1 recurrent part h 128 → 4·128", B: 32, M: 512, N: 128 },
  { name: "W2 Elman, [x;h] 32+64 → 64", B: 16, M: 64, N: 96 },
  { name: "W3 GRU latency, [x;h] 16+32 → 3·32", B: 1, M: 96, N: 48 },
  { name: "W4 LSTM-large, [x;h] 256+512 → 4·512", B: 64, M: 2048, N: 768 },
  { name: "W4 input product of all 50 steps at once", B: 3200, M: 2048, N: 256, noJs: true },
];

export type KernelName = "forward" | "backward input" | "backward weight";
export const kernelNames: KernelName[] = ["forward", "backward input", "backward weight"];

export interface KernelResult {
  shape: Shape;
  kernel: KernelName;
  dtype: "f32" | "f64";
  wasm: Rate;
  js: Rate | null;
}

function filled(a: FloatArray, rng: Rng): FloatArray {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Every kernel on every shape, wasm operands resident in the arena, JS operands in ordinary arrays. */
export function measureKernels(
  shapes: Shape[],
  dtypes: ("f32" | "f64")[],
  plan: TrialPlan,
  progress: (line: string) => void = () => {},
): KernelResult[] {
  const results: KernelResult[] = [];
  const rng = new Rng(1);
  for (const dtype of dtypes) {
    for (const shape of shapes) {
      const { B, M, N } = shape;
      const kernels = new WasmKernels({ initialBytes: (B * N + M * N + B * M) * 8 + (1 << 16) });
      const [x, w, y] = [B * N, M * N, B * M].map((n) => filled(kernels.arena.alloc(dtype, n), rng)) as [
        FloatArray,
        FloatArray,
        FloatArray,
      ];
      const type = dtype === "f32" ? Float32Array : Float64Array;
      const [jx, jw, jy] = [x, w, y].map((a) => type.from(a)) as [FloatArray, FloatArray, FloatArray];
      const flops = 2 * B * M * N;
      for (const kernel of kernelNames) {
        progress(`${dtype} ${shape.name}: ${kernel}`);
        // Adjoints accumulate into x (as dX) and w (as dW); values stay bounded over the trials
        // because each trial adds at most |dY|·|W| sized terms to data of the same scale.
        const wasmCall =
          kernel === "forward"
            ? () => kernels.matmulBatch(B, M, N, x, 0, w, 0, y, 0, false)
            : kernel === "backward input"
              ? () => kernels.matmulBatchBackwardInput(B, M, N, y, 0, w, 0, x, 0)
              : () => kernels.matmulBatchBackwardWeight(B, M, N, y, 0, x, 0, w, 0);
        const jsCall =
          kernel === "forward"
            ? () => matmulBatch(B, M, N, jx, 0, jw, 0, jy, 0, false)
            : kernel === "backward input"
              ? () => matmulBatchBackwardInput(B, M, N, jy, 0, jw, 0, jx, 0)
              : () => matmulBatchBackwardWeight(B, M, N, jy, 0, jx, 0, jw, 0);
        const wasm = measure(wasmCall, flops, plan);
        const js = shape.noJs ? null : measure(jsCall, flops, plan);
        // Reset the accumulated operands so later kernels start from the same scale.
        x.set(jx.fill(0.5));
        w.set(jw.fill(0.25));
        results.push({ shape, kernel, dtype, wasm, js });
      }
      if (kernels.stagedCalls !== 0) throw new Error("internal error: a benchmark call was staged");
    }
  }
  return results;
}

const f1 = (x: number): string => x.toFixed(1);
const rate = (r: Rate): string => `${f1(r.median)} (${f1(r.best)})`;

export function report(peak: { f32: Rate; f64: Rate }, results: KernelResult[]): string[] {
  const lines = [
    `WebAssembly SIMD peak (register-only mul+add, GFLOP/s, median (best)): f32x4 ${rate(peak.f32)}, f64x2 ${rate(peak.f64)}`,
    "",
    "Rates are GFLOP/s, median (best trial); % of peak = best / best peak; wasm / JS = median / median.",
    "",
    "| product | kernel | type | wasm GFLOP/s | % of peak | JS GFLOP/s | wasm / JS |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const p = peak[r.dtype].best;
    const js = r.js ? rate(r.js) : "—";
    const ratio = r.js ? `${f1(r.wasm.median / r.js.median)}×` : "—";
    const { name, B, M, N } = r.shape;
    lines.push(
      `| ${name} (B=${B}, M=${M}, N=${N}) | ${r.kernel} | ${r.dtype} | ${rate(r.wasm)} | ${Math.round((100 * r.wasm.best) / p)}% | ${js} | ${ratio} |`,
    );
  }
  return lines;
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  const plan = args.has("--quick") ? quickTrials : fullTrials;
  const dtypes: ("f32" | "f64")[] = args.has("--f32") ? ["f32"] : ["f32", "f64"];
  if (!simdSupported()) {
    console.log("WebAssembly SIMD is not available in this engine: nothing to measure.");
    return;
  }
  const header = [
    `# Kernel micro-benchmark`,
    "",
    `- command: \`node dist/bench/kernels.js ${[...args].join(" ")}\``.replace(/ `$/, "`"),
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the start; node ${process.version}`,
    "",
  ];
  console.log(header.join("\n"));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log("peak …");
  const before = measurePeak(plan);
  const results = measureKernels(workloadShapes, dtypes, plan, log);
  log("peak again …");
  const after = measurePeak(plan);
  const better = (a: Rate, b: Rate): Rate => (a.best >= b.best ? a : b);
  const peak = { f32: better(before.f32, after.f32), f64: better(before.f64, after.f64) };
  console.log(report(peak, results).join("\n"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
