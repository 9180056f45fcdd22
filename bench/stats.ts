/** Timing rules shared by the benchmark workers (and mirrored in pytorch_bench.py). */

export interface RunPlan {
  /** Warm-up: runs until this much time has passed (at least one run), so that the JIT has settled. */
  warmupMs: number;
  /** Runs wanted when a run is cheap enough (workloads.md asks for at least 20). */
  runs: number;
  /** Time the timed runs of one engine may take in all: a slow case gets fewer runs, never fewer than one. */
  budgetMs: number;
  /** Upper bound on runs of a fast case. */
  maxRuns: number;
  /** The timed runs are spread over this many rounds, every engine in turn, so that all see the same load. */
  rounds: number;
}

export const fullPlan: RunPlan = { warmupMs: 2_000, runs: 20, budgetMs: 8_000, maxRuns: 50, rounds: 5 };
export const quickPlan: RunPlan = { warmupMs: 500, runs: 5, budgetMs: 2_000, maxRuns: 10, rounds: 3 };

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** How many timed runs when one takes `runMs`: the wanted number if they fit in twice the budget, else what fits the budget. */
export function plannedRuns(runMs: number, plan: RunPlan): number {
  const each = Math.max(runMs, 1e-3);
  if (each * plan.runs <= 2 * plan.budgetMs)
    return Math.min(plan.maxRuns, Math.max(plan.runs, Math.floor(plan.budgetMs / each)));
  return Math.max(1, Math.floor(plan.budgetMs / each));
}

/** Runs in round `round` of `rounds` for an engine that makes `total` runs: spread evenly. */
export function runsInRound(total: number, round: number, rounds: number): number {
  return Math.floor(((round + 1) * total) / rounds) - Math.floor((round * total) / rounds);
}

export interface Sample {
  ms: number;
  /** CPU time of the process over the run (all its threads): far below `ms` when the machine starved it. */
  cpuMs: number;
}

/** One run of an engine, awaited so that one on worker threads can be timed (a synchronous run costs an await more). */
export type Run = () => void | Promise<void>;

export async function timed(run: Run): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Runs until `warmupMs` has passed (at least once); the first run and the last. A first run
 * longer than the whole budget is the only run: one that long has nothing left to warm up.
 */
export async function warmUp(run: Run, plan: RunPlan): Promise<{ first: Sample; lastMs: number }> {
  const start = performance.now();
  const first = await timed(run);
  let lastMs = first.ms;
  while (performance.now() - start < plan.warmupMs && first.ms < plan.budgetMs) lastMs = (await timed(run)).ms;
  return { first, lastMs };
}

/** Timed runs after the warm-up: none when the first run was over budget (it is the sample), else plannedRuns. */
export function runsAfterWarmUp(first: Sample, lastMs: number, plan: RunPlan): { samples: Sample[]; runs: number } {
  return first.ms >= plan.budgetMs ? { samples: [first], runs: 0 } : { samples: [], runs: plannedRuns(lastMs, plan) };
}
