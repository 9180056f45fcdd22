/**
 * One engine on one workload, in a process of its own so that engines share no heap or JIT:
 * `node dist/bench/worker.js w1 tfjs-wasm fwdbwd [--quick]`. It prepares and warms up, prints
 * `READY {json}`, then answers each `run N` line on stdin with `SAMPLES {json}` until `quit`.
 * bench/pytorch_bench.py speaks the same protocol.
 */
import { createInterface } from "node:readline";
import { enableRelaxedSimd } from "../engine/wasm-features.js";
import { engineIds, loadEngine, type EngineId } from "./engine.js";
import type { Runner } from "./runner.js";
import { fullPlan, quickPlan, timed, warmUp, type Sample } from "./stats.js";
import { workload } from "./workloads.js";

export interface Ready {
  /** The first run (wall and CPU ms) and the last warm-up run, for a whole batch. */
  first: Sample;
  lastMs: number;
  loss: number;
  note?: string;
  kernels?: Runner["kernels"];
}

const send = (kind: "READY" | "SAMPLES" | "ERROR", body: unknown) =>
  process.stdout.write(`${kind} ${JSON.stringify(body)}\n`);

async function main(): Promise<void> {
  const [id, engine, mode] = process.argv.slice(2);
  if (!id || !engineIds.includes(engine as EngineId) || (mode !== "fwd" && mode !== "fwdbwd")) {
    throw new Error(`usage: worker.js WORKLOAD ${engineIds.join("|")} fwd|fwdbwd [--quick]`);
  }
  // As rnnc's command line does: rnnc's engines run the relaxed SIMD tier where the CPU has it.
  enableRelaxedSimd();
  const runner = await (await loadEngine(engine as EngineId))(workload(id), mode);
  const scale = runner.scale ?? 1;
  let loss = NaN;
  const run = async () => {
    loss = await runner.run();
  };
  const { first, lastMs } = await warmUp(run, process.argv.includes("--quick") ? quickPlan : fullPlan);
  const ready: Ready = {
    first: { ms: first.ms * scale, cpuMs: first.cpuMs * scale },
    lastMs: lastMs * scale,
    loss,
    ...(runner.note ? { note: runner.note } : {}),
    ...(runner.kernels ? { kernels: runner.kernels } : {}),
  };
  send("READY", ready);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, count] = line.trim().split(/\s+/);
    if (command === "quit") break;
    const samples: Sample[] = [];
    for (let i = 0; i < Number(count); i++) {
      const s = await timed(run);
      samples.push({ ms: s.ms * scale, cpuMs: s.cpuMs * scale });
    }
    send("SAMPLES", samples);
  }
}

main().catch((e: unknown) => {
  send("ERROR", e instanceof Error ? e.message.split("\n")[0] : String(e));
  process.exitCode = 1;
});
