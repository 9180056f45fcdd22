/**
 * Whole training runs (the `training` section of bench/run.ts): `rnnc train` and an equivalent
 * PyTorch loop (bench/pytorch_train.py: the same model, optimiser, batch and sequence length) on
 * one thread and two, each run a process of its own, the runs of a task taking turns round by round
 * so they see the same load of the machine.
 *
 * Tasks: the adding problem (bench/training/adding.rnn: LSTM H = 32, T = 50, 4,000 sequences, batch 32,
 * Adam) and the shipped character model (examples/char-lm.rnn, H = 128) for one epoch of a fixed text
 * (bench/training/data.ts), in streams of batch 32 and chunks of 50 steps.
 *
 * Times: the whole run as a user waits for it (process start to exit, wall; and the process's CPU
 * time over all its threads), and the training loop alone. rnnc's loop is timed from its progress lines
 * (`--progress lines --log-every 1`): from the end of the first step to the end of the last, scaled by
 * steps / (steps − 1); PyTorch's by the script around its loop. Throughput is sequences (or characters)
 * per second of the loop.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { pytorchThreads, type PyTorch } from "../pytorch.js";
import { fmt, log, out } from "../workload-bench.js";
import { addingProblem, text } from "./data.js";
import type { Precision } from "../../engine/backend.js";

interface Task {
  id: "adding" | "text";
  title: string;
  model: string;
  /** Writes the task's data into `dir`: its path, and the sequences (characters) an epoch trains on. */
  data(dir: string): { path: string; perEpoch: number };
  epochs: number;
  batch: number;
  seqLen: number;
  unit: "seq" | "char";
}

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

function tasks(quick: boolean): Task[] {
  return [
    {
      id: "adding",
      title: "Adding problem (LSTM H = 32, T = 50, 4,000 sequences, batch 32, Adam)",
      model: repo("bench/training/adding.rnn"),
      data: (dir) => ({ path: write(join(dir, "adding.json"), addingProblem(4000, 50)), perEpoch: 4000 }),
      epochs: quick ? 2 : 15,
      batch: 32,
      seqLen: 50,
      unit: "seq",
    },
    {
      id: "text",
      title: `Character model (examples/char-lm.rnn, H = 128), one epoch of a ${quick ? "50" : "200"},000-character text, batch 32, 50 steps a chunk, Adam`,
      model: repo("examples/char-lm.rnn"),
      data: (dir) => {
        const chars = text(quick ? 50_000 : 200_000);
        // rnnc's streams (engine/data/dataset.ts, planStream): 32 of ⌊(length − 1) / 32⌋ positions each.
        return { path: write(join(dir, "text.txt"), chars), perEpoch: 32 * Math.floor((chars.length - 1) / 32) };
      },
      epochs: 1,
      batch: 32,
      seqLen: 50,
      unit: "char",
    },
  ];
}

function write(path: string, content: string): string {
  writeFileSync(path, content);
  return path;
}

interface RunResult {
  who: "rnnc" | "PyTorch";
  threads: number;
  /** What the run computes in: PyTorch float32; rnnc as `--precision` says. */
  precision: Precision;
  wallSeconds: number;
  cpuSeconds: number;
  loopSeconds: number;
  loss: number;
  error?: string;
}

/** Runs a command to its end: its stdout lines with the time each arrived (ms after the start), stderr, wall ms. */
function timedRun(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ lines: { at: number; text: string }[]; stderr: string; wallMs: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const lines: { at: number; text: string }[] = [];
    let stderr = "";
    createInterface({ input: child.stdout }).on("line", (text) => lines.push({ at: performance.now() - start, text }));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ lines, stderr, wallMs: performance.now() - start, code }));
  });
}

/** A finished run's wall time, or why it failed (its last lines of stderr). */
function outcome(
  who: RunResult["who"],
  threads: number,
  precision: Precision,
  r: Awaited<ReturnType<typeof timedRun>>,
  failed: boolean,
): RunResult {
  const result = {
    who,
    threads,
    precision,
    wallSeconds: r.wallMs / 1000,
    cpuSeconds: NaN,
    loopSeconds: NaN,
    loss: NaN,
  };
  return failed ? { ...result, error: r.stderr.trim().split("\n").slice(-2).join(" ") || `exit ${r.code}` } : result;
}

const rnncRun = fileURLToPath(new URL("./rnnc-run.js", import.meta.url));
const pytorchTrain = repo("bench/pytorch_train.py");

async function runRnnc(
  task: Task,
  data: string,
  threads: number,
  precision: Precision,
  dir: string,
): Promise<RunResult> {
  const checkpoint = join(dir, `run-${task.id}-${threads}-${precision}`);
  rmSync(checkpoint, { recursive: true, force: true });
  const args = [
    ...["train", task.model, "--data", data, "--epochs", String(task.epochs), "--batch", String(task.batch)],
    ...["--seq-len", String(task.seqLen), "--val-split", "0", "--threads", String(threads), "--seed", "1"],
    ...["--checkpoint", checkpoint, "--progress", "lines", "--log-every", "1", "--precision", precision],
  ];
  const r = await timedRun(process.execPath, [rnncRun, ...args], process.env);
  const result = outcome("rnnc", threads, precision, r, r.code !== 0);
  if (result.error) return result;
  result.cpuSeconds = Number(/^CPU (\S+)$/m.exec(r.stderr)?.[1]);
  // "epoch 1/15  step 7/1875  loss 0.51  2405 seq/s ..." after each step; "final (epoch 15): train loss 0.0002".
  const steps = r.lines.flatMap(({ at, text }) => {
    const m = /step (\d+)\/(\d+)/.exec(text);
    return m ? [{ at, step: Number(m[1]), of: Number(m[2]) }] : [];
  });
  const first = steps.find((s) => s.step === 1);
  const last = steps.at(-1);
  if (first && last && last.step === last.of && last.of > 1)
    result.loopSeconds = ((last.at - first.at) / 1000) * (last.of / (last.of - 1));
  result.loss = Number(/final \(epoch \d+\): train loss (\S+)/.exec(r.lines.map((l) => l.text).join("\n"))?.[1]);
  return result;
}

async function runPytorch(task: Task, data: string, threads: number, python: string): Promise<RunResult> {
  const args = [
    pytorchTrain,
    task.id,
    String(threads),
    data,
    String(task.epochs),
    String(task.batch),
    String(task.seqLen),
  ];
  const r = await timedRun(python, args, pytorchThreads(threads));
  const line = r.lines.at(-1)?.text;
  const result = outcome("PyTorch", threads, "f32", r, r.code !== 0 || !line);
  if (result.error) return result;
  const j = JSON.parse(line!) as { cpuSeconds: number; loopSeconds: number; loss: number };
  return { ...result, cpuSeconds: j.cpuSeconds, loopSeconds: j.loopSeconds, loss: j.loss };
}

/** The run of `runs` with the median loop time (a failed run, if every one failed). */
function median(runs: RunResult[]): RunResult {
  const good = runs.filter((r) => !r.error).sort((a, b) => a.loopSeconds - b.loopSeconds);
  return good[Math.floor((good.length - 1) / 2)] ?? runs[0]!;
}

export async function trainingSection(quick: boolean, torch: PyTorch): Promise<void> {
  out("## Whole training runs");
  out();
  out(
    "`rnnc train` (the compiled backend, float32 on `--threads 1` and `2`, and float64 on one thread) against an equivalent PyTorch loop (bench/pytorch_train.py, float32: the same model, Adam, batch and sequence length), each run a process of its own, " +
      `the runs of a task in turn for ${quick ? "1 round" : "3 rounds"}, the median run by loop time shown. ` +
      "Whole run: process start to exit (startup, data and, for PyTorch, `import torch` included) and the process's CPU time; loop: the training steps alone (bench/training/section.ts says how each is timed).",
  );
  out();
  const dir = mkdtempSync(join(tmpdir(), "rnnc-bench-train-"));
  try {
    for (const task of tasks(quick)) {
      log(`training: ${task.id} …`);
      const { path, perEpoch } = task.data(dir);
      const configs: (() => Promise<RunResult>)[] = [
        ...[1, 2].flatMap((threads) => [
          () => runRnnc(task, path, threads, "f32", dir),
          ...("python" in torch ? [() => runPytorch(task, path, threads, torch.python)] : []),
        ]),
        () => runRnnc(task, path, 1, "f64", dir),
      ];
      const runs: RunResult[][] = configs.map(() => []);
      for (let round = 0; round < (quick ? 1 : 3); round++)
        for (const [i, run] of configs.entries()) {
          log(`  round ${round + 1}, run ${i + 1} of ${configs.length}`);
          runs[i]!.push(await run());
        }
      table(task, runs.map(median), task.epochs * perEpoch, torch);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function table(task: Task, rows: RunResult[], units: number, torch: PyTorch): void {
  out(`### ${task.title}`);
  out();
  if ("missing" in torch) out(`PyTorch skipped: ${torch.missing}.\n`);
  out(
    `| run | precision | threads | whole run s | CPU s | loop s | ${task.unit}/s (loop) | ÷ PyTorch 1 thread | final train loss |`,
  );
  out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const rate = (r: RunResult) => units / r.loopSeconds;
  const reference = rows.find((r) => r.who === "PyTorch" && r.threads === 1 && !r.error);
  for (const r of rows) {
    if (r.error) {
      out(`| ${r.who} | ${r.precision} | ${r.threads} | **failed**: ${r.error} | | | | | |`);
      continue;
    }
    const ratio = reference ? `${fmt(rate(r) / rate(reference))}×` : "—";
    out(
      `| ${r.who} | ${r.precision} | ${r.threads} | ${fmt(r.wallSeconds)} | ${fmt(r.cpuSeconds)} | ${fmt(r.loopSeconds)} | ${fmt(rate(r))} | ${ratio} | ${fmt(r.loss, 4)} |`,
    );
  }
  out();
}
