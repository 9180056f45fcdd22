/**
 * Micro-benchmark of the matrix kernels: the machine's WebAssembly SIMD peak and relaxed SIMD
 * (fused multiply–add) peak, and the WebAssembly kernels of both tiers and the JavaScript ones on
 * the products of the workloads (../shared/spec/workloads.md), in GFLOP/s, percent of their
 * tier's peak and ratios.
 *
 *     npm run bench:build && node dist/bench/kernels.js [--quick] [--f32]
 *
 * --quick: fewer and shorter trials; --f32: skip the float64 kernels.
 *
 * Peak: a register-only loop of independent f32x4 (or f64x2) multiplies and adds, the SIMD
 * kernels' own instruction mix, and one of independent relaxed_madd chains, the relaxed
 * kernels' (bench/peak.ts). The relaxed tier is measured where the engine runs relaxed SIMD
 * (this process sets V8's flag in Node 20, as rnnc's command line does).
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
import { enableRelaxedSimd } from "../engine/wasm-features.js";
import { relaxedSimdSupported, simdSupported, WasmKernels } from "../runtime/kernels/wasm/index.js";
import { Rng } from "../runtime/rng.js";
import { fullTrials, measure, measureFmaPeak, measurePeak, quickTrials, type Rate, type TrialPlan } from "./peak.js";

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
  /** The relaxed SIMD tier's products (fused multiply–adds); null where the engine has no relaxed SIMD. */
  relaxed: Rate | null;
  js: Rate | null;
}

function filled(a: FloatArray, rng: Rng): FloatArray {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** One kernel of a tier on resident operands x, w, y (the MatmulKernels arguments). */
function call(
  k: Pick<WasmKernels, "matmulBatch" | "matmulBatchBackwardInput" | "matmulBatchBackwardWeight">,
  kernel: KernelName,
  { B, M, N }: Shape,
  [x, w, y]: FloatArray[],
): () => void {
  const [a, b, c] = [x!, w!, y!];
  // Adjoints accumulate into x (as dX) and w (as dW); values stay bounded over the trials
  // because each trial adds at most |dY|·|W| sized terms to data of the same scale.
  if (kernel === "forward") return () => k.matmulBatch(B, M, N, a, 0, b, 0, c, 0, false);
  if (kernel === "backward input") return () => k.matmulBatchBackwardInput(B, M, N, c, 0, b, 0, a, 0);
  return () => k.matmulBatchBackwardWeight(B, M, N, c, 0, a, 0, b, 0);
}

/** The JavaScript kernels as the same interface. */
const jsKernels = { matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight };

/**
 * Every kernel on every shape, on the SIMD tier and (where the engine runs it) the relaxed SIMD tier, wasm
 * operands resident in each tier's arena, JS operands in ordinary arrays.
 */
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
      const initialBytes = (B * N + M * N + B * M) * 8 + (1 << 16);
      const tiers = [
        new WasmKernels({ initialBytes }),
        ...(relaxedSimdSupported() ? [new WasmKernels({ initialBytes, fma: true })] : []),
      ];
      const start = [B * N, M * N, B * M].map((n) => filled(new Float64Array(n), rng));
      const operands = tiers.map((k) => start.map((a) => k.arena.alloc(dtype, a.length)));
      const type = dtype === "f32" ? Float32Array : Float64Array;
      const js = start.map((a) => type.from(a));
      const flops = 2 * B * M * N;
      for (const kernel of kernelNames) {
        progress(`${dtype} ${shape.name}: ${kernel}`);
        // Every tier starts from the same operands.
        const reset = () => [...operands, js].forEach((arrays) => arrays.forEach((a, i) => a.set(start[i]!)));
        reset();
        const [wasm, relaxed] = tiers.map((k, t) => measure(call(k, kernel, shape, operands[t]!), flops, plan));
        const jsRate = shape.noJs ? null : measure(call(jsKernels, kernel, shape, js), flops, plan);
        results.push({ shape, kernel, dtype, wasm: wasm!, relaxed: relaxed ?? null, js: jsRate });
      }
      if (tiers.some((k) => k.stagedCalls !== 0)) throw new Error("internal error: a benchmark call was staged");
    }
  }
  return results;
}

const f1 = (x: number): string => x.toFixed(1);
const rate = (r: Rate): string => `${f1(r.median)} (${f1(r.best)})`;

type TierPeak = { f32: Rate; f64: Rate };

export function report(peak: TierPeak, fmaPeak: TierPeak | null, results: KernelResult[]): string[] {
  const lines = [
    `WebAssembly SIMD peak (register-only mul+add, GFLOP/s, median (best)): f32x4 ${rate(peak.f32)}, f64x2 ${rate(peak.f64)}`,
    fmaPeak
      ? `WebAssembly relaxed SIMD peak (register-only relaxed_madd, GFLOP/s, median (best)): f32x4 ${rate(fmaPeak.f32)}, f64x2 ${rate(fmaPeak.f64)}`
      : "WebAssembly relaxed SIMD: not available in this engine",
    "",
    "Rates are GFLOP/s, median (best trial); % of peak = best / best peak of the kernel's own tier (SIMD: the mul+add loop; relaxed: the relaxed_madd loop); ratios = median / median.",
    "",
    "| product | kernel | type | SIMD GFLOP/s | % of SIMD peak | relaxed GFLOP/s | % of FMA peak | relaxed / SIMD | JS GFLOP/s | SIMD / JS |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const percent = (r: Rate, p: Rate) => `${Math.round((100 * r.best) / p.best)}%`;
  for (const r of results) {
    const js = r.js ? rate(r.js) : "—";
    const ratio = r.js ? `${f1(r.wasm.median / r.js.median)}×` : "—";
    const fused =
      r.relaxed && fmaPeak
        ? [rate(r.relaxed), percent(r.relaxed, fmaPeak[r.dtype]), `${(r.relaxed.median / r.wasm.median).toFixed(2)}×`]
        : ["—", "—", "—"];
    const { name, B, M, N } = r.shape;
    lines.push(
      `| ${name} (B=${B}, M=${M}, N=${N}) | ${r.kernel} | ${r.dtype} | ${rate(r.wasm)} | ${percent(r.wasm, peak[r.dtype])} | ${fused.join(" | ")} | ${js} | ${ratio} |`,
    );
  }
  return lines;
}

function main(): void {
  const args = new Set(process.argv.slice(2));
  const plan = args.has("--quick") ? quickTrials : fullTrials;
  enableRelaxedSimd();
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
  log("peaks …");
  const before = [measurePeak(plan), measureFmaPeak(plan)] as const;
  const results = measureKernels(workloadShapes, dtypes, plan, log);
  log("peaks again …");
  const after = [measurePeak(plan), measureFmaPeak(plan)] as const;
  const better = (a: Rate, b: Rate): Rate => (a.best >= b.best ? a : b);
  const best = (a: TierPeak, b: TierPeak): TierPeak => ({ f32: better(a.f32, b.f32), f64: better(a.f64, b.f64) });
  const fma = before[1] && after[1] ? best(before[1], after[1]) : null;
  console.log(report(best(before[0], after[0]), fma, results).join("\n"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
