/**
 * The machine's peak multiply–add rate on one thread, for each tier rnnc computes on:
 * register-only loops of independent multiply and add chains, no memory traffic, the most a
 * kernel of that instruction mix can reach on this engine and CPU. WebAssembly SIMD (f32x4,
 * f64x2: the loops of the SIMD kernel module, which has no fused multiply–add), relaxed SIMD
 * (chains of fused relaxed_madd, the loops of the relaxed module, where the engine runs it)
 * and plain JavaScript scalar code (V8 computes in double, whatever the array type).
 *
 * Timing: trials of several calls after a warm-up, timed by the process's CPU time
 * (process.cpuUsage), not the wall clock: the machines this runs on are shared, and CPU
 * time leaves out the time the scheduler gives to other processes.
 *
 * Used by the kernel micro-benchmark (bench/kernels.ts) and the suite (bench/run.ts).
 */
import {
  FMA_PEAK_CHAINS,
  instantiateKernels,
  instantiateRelaxedKernels,
  PEAK_CHAINS,
  relaxedSimdSupported,
  type KernelExports,
} from "../runtime/kernels/wasm/index.js";

export interface Rate {
  /** Median GFLOP/s over the trials. */
  median: number;
  /** Best trial's GFLOP/s. */
  best: number;
}

export interface TrialPlan {
  /** Target duration of one trial, ms. */
  trialMs: number;
  /** Trials per case (fewer when one call alone exceeds the budget). */
  trials: number;
  /** CPU time spent calling before any trial, ms. */
  warmupMs: number;
}

export const fullTrials: TrialPlan = { trialMs: 40, trials: 15, warmupMs: 200 };
export const quickTrials: TrialPlan = { trialMs: 15, trials: 5, warmupMs: 100 };
/** The suite's peaks: about 0.4 s a tier, so that the three cost little beside the workloads. */
const suiteTrials: TrialPlan = { trialMs: 25, trials: 9, warmupMs: 150 };

/** CPU time of this process in ms (user + system). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Runs `f` (flops per call) in timed trials of several calls; GFLOP/s over CPU time. */
export function measure(f: () => void, flops: number, plan: TrialPlan): Rate {
  // Warm-up: V8 runs wasm first in its baseline compiler (Liftoff) and swaps in optimised
  // code only for later calls, so one call is not enough; run for a while.
  const warm = cpuMs() + plan.warmupMs;
  do f();
  while (cpuMs() < warm);
  let reps = 1;
  for (;;) {
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) f();
    const ms = cpuMs() - t0;
    if (ms >= plan.trialMs / 4 || reps >= 1 << 20) {
      reps = Math.max(1, Math.round((reps * plan.trialMs) / Math.max(ms, 1e-3)));
      break;
    }
    reps *= 4;
  }
  // A call that alone takes longer than a trial gets fewer trials (at least 3).
  const trials = reps === 1 ? Math.max(3, Math.min(plan.trials, 5)) : plan.trials;
  const rates: number[] = [];
  for (let t = 0; t < trials; t++) {
    const t0 = cpuMs();
    for (let i = 0; i < reps; i++) f();
    rates.push((flops * reps) / (Math.max(cpuMs() - t0, 1e-3) * 1e6));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, best: rates[rates.length - 1]! };
}

const iterations = 200_000;

/** The register-only SIMD multiply–add peak, f32x4 and f64x2. */
export function measurePeak(plan: TrialPlan = fullTrials): { f32: Rate; f64: Rate } {
  const k: KernelExports = instantiateKernels(new WebAssembly.Memory({ initial: 1 }));
  return {
    f32: measure(() => k.f32_peak(iterations, 1), iterations * PEAK_CHAINS * 2 * 4, plan),
    f64: measure(() => k.f64_peak(iterations, 1), iterations * PEAK_CHAINS * 2 * 2, plan),
  };
}

/** The register-only fused multiply–add peak of relaxed SIMD, f32x4 and f64x2; null where the engine has no relaxed SIMD. */
export function measureFmaPeak(plan: TrialPlan = fullTrials): { f32: Rate; f64: Rate } | null {
  if (!relaxedSimdSupported()) return null;
  const k = instantiateRelaxedKernels(new WebAssembly.Memory({ initial: 1 }));
  return {
    f32: measure(() => k.f32_peak(iterations, 1), iterations * FMA_PEAK_CHAINS * 2 * 4, plan),
    f64: measure(() => k.f64_peak(iterations, 1), iterations * FMA_PEAK_CHAINS * 2 * 2, plan),
  };
}

/**
 * The wasm peak loop in scalar JavaScript: m ← m·c, a ← a + m on each of `chains` chains, which
 * hide each other's latency. Unrolled in generated source so that V8 keeps every chain in a
 * register (an array would go through memory).
 */
function scalarPeakLoop(chains: number): (iterations: number, c: number) => number {
  const ids = Array.from({ length: chains }, (_, i) => i);
  const body = [
    `let ${ids.map((i) => `m${i} = c, a${i} = c`).join(", ")};`,
    `for (let i = 0; i < iterations; i++) { ${ids.map((i) => `m${i} *= c; a${i} += m${i};`).join(" ")} }`,
    `return ${ids.map((i) => `a${i}`).join(" + ")};`,
  ];
  return new Function("iterations", "c", body.join("\n")) as (iterations: number, c: number) => number;
}

/**
 * The register-only scalar multiply–add peak of JavaScript, on as many chains as the wasm loops. `c` is
 * a little over 1 and not an integer: every variable stays a double, no multiply folds away, values stay normal.
 */
function measureJsPeak(plan: TrialPlan): Rate {
  const loop = scalarPeakLoop(PEAK_CHAINS);
  return measure(() => loop(iterations, 1 + 2 ** -30), iterations * PEAK_CHAINS * 2, plan);
}

/** Per tier: WebAssembly f32x4 and f64x2, the same with fused multiply–adds (where relaxed SIMD runs), JavaScript scalar. */
export interface Peaks {
  f32: Rate;
  f64: Rate;
  fma32?: Rate;
  fma64?: Rate;
  js: Rate;
}

export const peakNames: Record<keyof Peaks, string> = {
  f32: "WebAssembly f32x4",
  f64: "WebAssembly f64x2",
  fma32: "WebAssembly f32x4 relaxed_madd",
  fma64: "WebAssembly f64x2 relaxed_madd",
  js: "JavaScript scalar",
};

export function measurePeaks(plan: TrialPlan = suiteTrials): Peaks {
  const fma = measureFmaPeak(plan);
  return { ...measurePeak(plan), ...(fma ? { fma32: fma.f32, fma64: fma.f64 } : {}), js: measureJsPeak(plan) };
}
