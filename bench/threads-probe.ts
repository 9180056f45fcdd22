/**
 * How much two threads can gain on a workload, measured so that other jobs on the machine do not
 * decide it: the CPU time of each thread of this process (Linux, /proc/self/task/<tid>/schedstat)
 * for one batch's loss and gradient on one thread and through the 2-thread GradientPool, runs of
 * the two alternating. The ratio of the one-thread CPU time to the busiest thread's CPU time on two
 * threads is the speed-up two free cores would give (the pool's critical path: its own shard and
 * the splitting, hand-off and summing around it); the wall-clock ratio beside it is what this
 * machine gave at the time. Where the main thread's wall time on two threads went besides its own
 * CPU time: waiting for a core (the kernel's run-queue delay: other processes) or blocked (waiting
 * for the worker, or waking from that wait; within about 0.2 ms, as each thread's times are read
 * just outside the timed run).
 *
 *     npm run build && npx tsc -p tsconfig.bench.json && node dist/bench/threads-probe.js w1 f32 [runs]
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { enableRelaxedSimd } from "../engine/wasm-features.js";
import { compiled, threaded } from "./engines/rnnc.js";
import type { Runner } from "./runner.js";
import { workload, type WorkloadId } from "./workloads.js";

const mainThread = String(process.pid);
const nap = new Int32Array(new SharedArrayBuffer(4));

/**
 * CPU ms and run-queue ms (time runnable but waiting for a core) of every thread of this process
 * so far, by thread id. The kernel adds a running thread's time to its schedstat when the thread
 * is switched out (or at a scheduler tick, 4 ms here), so this thread sleeps for a moment first:
 * otherwise its own figure lags by up to a tick.
 */
function threadCpu(): Map<string, { cpu: number; queued: number }> {
  Atomics.wait(nap, 0, 0, 0.01);
  const out = new Map<string, { cpu: number; queued: number }>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const [cpu, queued] = readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      out.set(tid, { cpu: cpu! / 1e6, queued: queued! / 1e6 });
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return out;
}

interface Timing {
  wall: number;
  /** CPU ms of every thread, of this (the main) thread, and of the busiest thread. */
  cpu: number;
  main: number;
  busiest: number;
  /** This thread's ms waiting for a core, and blocked (the rest of the wall time). */
  queued: number;
  blocked: number;
}

async function timed(runner: Runner): Promise<Timing> {
  const before = threadCpu();
  const start = performance.now();
  await runner.run();
  const wall = performance.now() - start;
  const t: Timing = { wall, cpu: 0, main: 0, busiest: 0, queued: 0, blocked: 0 };
  for (const [tid, { cpu, queued }] of threadCpu()) {
    const used = cpu - (before.get(tid)?.cpu ?? 0);
    t.cpu += used;
    t.busiest = Math.max(t.busiest, used);
    if (tid === mainThread) {
      t.main = used;
      t.queued = queued - before.get(tid)!.queued;
      t.blocked = wall - used - t.queued;
    }
  }
  return t;
}

/** The median of some runs, with their lower and upper quartiles. */
function quartiles(xs: number[]): { median: number; low: number; high: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
}

const describe = (xs: number[]) => {
  const q = quartiles(xs);
  return `${q.median.toFixed(2)} (${q.low.toFixed(2)}–${q.high.toFixed(2)})`;
};

async function main(): Promise<void> {
  const [id = "w1", dtype = "f32", runs = "20"] = process.argv.slice(2);
  if (dtype !== "f32" && dtype !== "f64") throw new Error(`usage: threads-probe.js w1|w2|w3|w4 f32|f64 [runs]`);
  enableRelaxedSimd();
  const w = workload(id as WorkloadId);
  const one = await compiled(dtype)(w, "fwdbwd");
  const two = await threaded(dtype, 2)(w, "fwdbwd");
  for (let i = 0; i < 3; i++) {
    await one.run();
    await two.run();
  }
  const rows = { one: [] as Timing[], two: [] as Timing[] };
  for (let i = 0; i < Number(runs); i++) {
    rows.one.push(await timed(one));
    rows.two.push(await timed(two));
  }
  const of = (k: "one" | "two", f: keyof Timing) => rows[k].map((r) => r[f]);
  const median = (k: "one" | "two", f: keyof Timing) => quartiles(of(k, f)).median;
  console.log(`${id} ${dtype}, medians of ${runs} runs (lower–upper quartile), ms:`);
  console.log(`  1 thread : wall ${describe(of("one", "wall"))}, CPU ${describe(of("one", "cpu"))}`);
  console.log(
    `  2 threads: wall ${describe(of("two", "wall"))}, CPU ${describe(of("two", "cpu"))}, main thread ${describe(of("two", "main"))}, busiest thread ${describe(of("two", "busiest"))}`,
  );
  console.log(
    `  2 threads, the main thread besides its CPU time: waiting for a core ${describe(of("two", "queued"))}, blocked ${describe(of("two", "blocked"))}`,
  );
  // Each run's own ratio too: runs of one and two threads alternate, so a pair saw the same load.
  const paired = quartiles(rows.one.map((r, i) => r.cpu / rows.two[i]!.busiest));
  console.log(
    `speed-up of 2 threads: ${(median("one", "cpu") / median("two", "busiest")).toFixed(2)}× on CPU (1-thread CPU ÷ busiest thread; run by run ${paired.median.toFixed(2)}×, quartiles ${paired.low.toFixed(2)}–${paired.high.toFixed(2)}), ${(median("one", "wall") / median("two", "wall")).toFixed(2)}× on the wall clock; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  process.exit(0); // the pool's idle worker threads
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
