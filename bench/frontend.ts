/**
 * Front-end speed on the generated 10,000-line model of the LSP benchmark: parse, the whole
 * front end (parse, cell expansion, checks: `analyze`), and lowering the checked model to IR,
 * in lines per second. The peer, in the same run: TypeScript's parser and checker on a
 * generated TypeScript program of the same length and shape (five lines per layer).
 */
import ts from "typescript";
import { analyze } from "../compiler/frontend.js";
import { lower } from "../compiler/ir/lower.js";
import { parse } from "../grammar/parse.js";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generatedModel } from "./support/generated-model.js";
import { generatedTypeScript, typeCheck } from "./support/typescript-peer.js";
import { median } from "./stats.js";
import { cpuMsOf } from "./cpu-time.js";
import type { SideTimes } from "./frontend-side.js";

export interface FrontEndRow {
  what: string;
  runs: number;
  medianMs: number;
  linesPerSecond: number;
  /** Median CPU time of the process over a run (all its threads, the garbage collector's too). */
  cpuMs: number;
  linesPerCpuSecond: number;
}

/**
 * Median wall and CPU milliseconds of a run, after `warmupMs` of CPU time of runs (rnnc's
 * analysis needs about 10 to settle; the pairs in one process that came first used to warm it).
 * On a shared machine the CPU time is the steadier of the two.
 */
function timeRuns(runs: number, warmupMs: number, f: () => void): { wall: number; cpu: number } {
  for (let spent = 0; spent < warmupMs;) spent += cpuMsOf(f);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    cpu.push(cpuMsOf(f));
    wall.push(performance.now() - start);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** A side's lines per millisecond over all its timed calls, in CPU or wall time. */
const linesPerMs = (t: SideTimes, ms: number[]) => (t.lines * ms.length) / ms.reduce((a, b) => a + b, 0);

const sideScript = fileURLToPath(new URL("./frontend-side.js", import.meta.url));

/** The CPU and wall milliseconds of each call of one side, timed in a process of its own for `budgetMs` after as long a warm-up. */
function sideTimes(side: "rnnc" | "typescript", layers: number, budgetMs: number): SideTimes {
  const child = spawnSync(process.execPath, [sideScript, side, String(layers), String(budgetMs)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`frontend-side ${side} exited with ${child.status}: ${child.stderr}`);
  return JSON.parse(child.stdout) as SideTimes;
}

/**
 * rnnc's lines per CPU second over TypeScript's, each side in a process of its own, the two
 * processes in turn (rnnc, TypeScript, rnnc, ...) so that a pair sees one load (on a shared
 * machine the load drifts between the rows, measured one after the other): the median of the
 * pairs' ratios, each side's lines per CPU second over all its timed calls (its collections
 * counted where they fall). Timed in turn in one process, as before, `process.cpuUsage` (every
 * thread) can charge a call with the collector's work on the other side's garbage, and the two
 * share a heap sized by TypeScript's: that read rnnc 11–20% lower (bench/RESULTS.md, fifth pass).
 * The same ratio in wall time too: what a user waits, which a quiet machine gives steadily and
 * where the collector's helper threads, which CPU time adds up, run beside the main one.
 */
function pairedRatios(pairs: number, layers: number, budgetMs: number): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const rnnc = sideTimes("rnnc", layers, budgetMs);
    const peer = sideTimes("typescript", layers, budgetMs);
    cpu.push(linesPerMs(rnnc, rnnc.cpuMs) / linesPerMs(peer, peer.cpuMs));
    wall.push(linesPerMs(rnnc, rnnc.wallMs) / linesPerMs(peer, peer.wallMs));
  }
  return { cpu: median(cpu), wall: median(wall) };
}

export function frontEndBench(
  quick: boolean,
  layers = 2_000,
): { lines: number; rows: FrontEndRow[]; pairs: number; paired: { cpu: number; wall: number } } {
  const runs = quick ? 3 : 10;
  const text = generatedModel(layers);
  const lines = text.split("\n").length - 1;
  const first = analyze(text);
  if (!first.model) throw new Error(`the generated model does not check: ${first.diagnostics[0]?.message}`);
  const model = first.model;
  const tsText = generatedTypeScript(layers);
  const tsLines = tsText.split("\n").length - 1;
  const row = (what: string, count: number, f: () => void): FrontEndRow => {
    const { wall, cpu } = timeRuns(runs, quick ? 300 : 1_000, f);
    return {
      what,
      runs,
      medianMs: wall,
      linesPerSecond: count / (wall / 1000),
      cpuMs: cpu,
      linesPerCpuSecond: count / (cpu / 1000),
    };
  };
  const pairs = quick ? 3 : 7;
  return {
    lines,
    pairs,
    paired: pairedRatios(pairs, layers, quick ? 500 : 2_000),
    rows: [
      row("rnnc parse", lines, () => parse(text)),
      row("rnnc analyze (parse, expand, check)", lines, () => analyze(text)),
      row("rnnc lower to IR (checked model given)", lines, () => lower(model)),
      row("rnnc analyze + lower", lines, () => lower(analyze(text).model!)),
      row(`peer: TypeScript ${ts.version} parse (${tsLines.toLocaleString("en-US")} lines)`, tsLines, () =>
        ts.createSourceFile("big.ts", tsText, ts.ScriptTarget.ES2022, true),
      ),
      row(`peer: TypeScript ${ts.version} parse + check`, tsLines, () => typeCheck(tsText)),
    ],
  };
}
