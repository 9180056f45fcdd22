/**
 * How much two threads can gain on a workload, measured so that other jobs on the machine do not
 * decide it: the CPU time of each thread of this process (Linux, /proc/self/task/<tid>/schedstat)
 * for one batch's loss and gradient on one thread and through the 2-thread GradientPool, runs of
 * the two alternating. The ratio of the one-thread CPU time to the busiest thread's CPU time on two
 * threads is the speed-up two free cores would give (the pool's critical path: its own shard and
 * the splitting, hand-off and summing around it); the wall-clock ratio beside it is what this
 * machine gave at the time.
 *
 *     npm run build && npx tsc -p tsconfig.bench.json && node dist/bench/threads-probe.js w1 f32 [runs]
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { enableRelaxedSimd } from "../engine/wasm-features.js";
import { compiled, threaded } from "./engines/rnnc.js";
import type { Runner } from "./runner.js";
import { workload, type WorkloadId } from "./workloads.js";

/** CPU ms of every thread of this process so far, by thread id. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]) / 1e6);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return out;
}

/** One run: wall ms, CPU ms of all threads, and of the busiest thread. */
async function timed(runner: Runner): Promise<{ wall: number; cpu: number; busiest: number }> {
  const before = threadCpu();
  const start = performance.now();
  await runner.run();
  const wall = performance.now() - start;
  let cpu = 0;
  let busiest = 0;
  for (const [tid, ms] of threadCpu()) {
    const used = ms - (before.get(tid) ?? 0);
    cpu += used;
    busiest = Math.max(busiest, used);
  }
  return { wall, cpu, busiest };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

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
  const rows = { one: [] as Awaited<ReturnType<typeof timed>>[], two: [] as Awaited<ReturnType<typeof timed>>[] };
  for (let i = 0; i < Number(runs); i++) {
    rows.one.push(await timed(one));
    rows.two.push(await timed(two));
  }
  const m = (k: "one" | "two", f: "wall" | "cpu" | "busiest") => median(rows[k].map((r) => r[f]));
  for (const k of ["one", "two"] as const)
    console.log(
      `${id} ${dtype} ${k === "one" ? "1 thread " : "2 threads"}: wall ${m(k, "wall").toFixed(2)} ms, CPU ${m(k, "cpu").toFixed(2)} ms, busiest thread ${m(k, "busiest").toFixed(2)} ms (medians of ${runs})`,
    );
  console.log(
    `speed-up of 2 threads: ${(m("one", "cpu") / m("two", "busiest")).toFixed(2)}× on CPU (1-thread CPU ÷ busiest thread), ${(m("one", "wall") / m("two", "wall")).toFixed(2)}× on the wall clock; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  process.exit(0); // the pool's idle worker threads
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
