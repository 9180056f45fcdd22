/**
 * The `scaleout` section: `rnnc train` against the same model exported to PyTorch
 * (`rnnc export --to pytorch`) and trained by its `train` command under torchrun on 1 and 2
 * processes, on the same text, from the same initial weights, in float64: tokens per second
 * of training (the steps' own time, from metrics.jsonl) and of the whole run (process start to
 * end), and how far each loss curve is from rnnc's. PyTorch comes from the environment of
 * tools/python (made on first use).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonEnvironment } from "../tools/python/environment.mjs";
import { fmt, log, out } from "./workload-bench.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const rnncBin = join(root, "bin", "rnnc.js");

interface StepLine {
  loss: number;
  positions: number;
  seconds: number;
}

interface RunResult {
  what: string;
  steps: StepLine[];
  wallSeconds: number;
}

function timed(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd: root, encoding: "utf8", env, maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${what} failed (${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`);
  return (performance.now() - started) / 1000;
}

function steps(checkpoint: string): StepLine[] {
  return readFileSync(join(checkpoint, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.includes('"kind":"step"'))
    .map((l) => JSON.parse(l) as StepLine);
}

/** A text of English words, the first `characters` of what tools/scale/generate-text.mjs writes. */
function corpus(dir: string, characters: number): string {
  const big = join(dir, "generated.txt");
  timed("the text generator", process.execPath, [join(root, "tools/scale/generate-text.mjs"), "1", big]);
  const path = join(dir, "corpus.txt");
  writeFileSync(path, readFileSync(big, "utf8").slice(0, characters));
  rmSync(big);
  return path;
}

export async function scaleOutSection(quick: boolean): Promise<void> {
  log("scaleout …");
  const env = await pythonEnvironment({ log });
  const dir = mkdtempSync(join(tmpdir(), "rnnc-bench-scaleout-"));
  const characters = quick ? 20_000 : 100_000;
  const text = corpus(dir, characters);
  const options = ["--data", text, "--epochs", "1", "--batch", "32", "--seq-len", "50", "--val-split", "0"];
  const results: RunResult[] = [];
  const rnncRun = (threads: number) => {
    const checkpoint = join(dir, `rnnc-${threads}`);
    const wall = timed(`rnnc train --threads ${threads}`, process.execPath, [
      ...[rnncBin, "train", "examples/char-lm.rnn", "--dim", "H=64", ...options],
      ...["--checkpoint", checkpoint, "--threads", String(threads), "--progress", "none"],
    ]);
    results.push({ what: `rnnc train --threads ${threads}`, steps: steps(checkpoint), wallSeconds: wall });
    return checkpoint;
  };
  const reference = rnncRun(1);
  rnncRun(2);
  const exported = join(dir, "char_lm.py");
  timed("rnnc export", process.execPath, [
    ...[rnncBin, "export", "examples/char-lm.rnn", "--to", "pytorch", "--checkpoint", reference, "-o", exported],
  ]);
  for (const processes of [1, 2]) {
    const checkpoint = join(dir, `torchrun-${processes}`);
    const what = `torchrun --nproc_per_node ${processes}`;
    // One thread a process, as torchrun sets for two and more: with one process PyTorch would
    // otherwise start a thread per core, which on a shared machine runs many times slower.
    const wall = timed(
      what,
      env.torchrun,
      [
        ...["--standalone", "--nproc_per_node", String(processes), exported, "train", ...options],
        "--checkpoint",
        checkpoint,
      ],
      { ...process.env, OMP_NUM_THREADS: "1" },
    );
    results.push({ what: `exported module, ${what}`, steps: steps(checkpoint), wallSeconds: wall });
  }
  const base = results[0]!.steps;
  const tokens = base.reduce((n, s) => n + s.positions, 0);
  out("## Scale-out: rnnc train against the exported module under torchrun");
  out();
  out(
    `examples/char-lm.rnn (LSTM, H = 64, V from the text) on ${characters.toLocaleString("en-US")} characters of tools/scale/generate-text.mjs's text: one epoch of ${base.length} steps, 32 streams × 50 steps, Adam, float64, the same initial weights (rnnc's, drawn by both). torchrun runs one thread per process (OMP_NUM_THREADS = 1); rnnc --threads 2 splits each batch over both cores. Training tokens/s counts the steps' own time (metrics.jsonl); run tokens/s the whole command, start-up included.`,
  );
  out();
  out(
    "| run | steps | training tokens/s | run tokens/s | final step loss | largest loss difference from rnnc --threads 1 |",
  );
  out("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    const seconds = r.steps.reduce((t, s) => t + s.seconds, 0);
    const difference = Math.max(...r.steps.map((s, i) => Math.abs(s.loss - base[i]!.loss) / base[i]!.loss));
    out(
      `| ${r.what} | ${r.steps.length} | ${Math.round(tokens / seconds).toLocaleString("en-US")} | ${Math.round(tokens / r.wallSeconds).toLocaleString("en-US")} | ${r.steps.at(-1)!.loss.toFixed(6)} | ${r === results[0] ? "—" : fmt(difference, 2)} |`,
    );
  }
  out();
  rmSync(dir, { recursive: true, force: true });
}
