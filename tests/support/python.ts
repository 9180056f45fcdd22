/**
 * Python with PyTorch and ONNX Runtime for the tests of exported models: the environment of
 * tools/python (made once, cached), and batches of commands of exported files run in one
 * Python process (tests/support/exported_jobs.py), alone or under torchrun.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pythonEnvironment, type PythonEnvironment } from "../../tools/python/environment.mjs";

/** Making the environment the first time takes minutes: the time a test's beforeAll may take. */
export const PYTHON_SETUP_MS = 20 * 60_000;

let environment: Promise<PythonEnvironment> | undefined;

export function python(): Promise<PythonEnvironment> {
  environment ??= pythonEnvironment({ log: (line) => process.stderr.write(`[python] ${line}\n`) });
  return environment;
}

export type ExportedJob = {
  /** A file written by `rnnc export --to pytorch`. */
  module: string;
} & ({ argv: string[] } | { state_dict: true });

export interface JobResult {
  code: number | null;
  out: string;
  err: string;
}

const jobsScript = fileURLToPath(new URL("./exported_jobs.py", import.meta.url));

/** Runs the jobs in one Python process, or under `torchrun --nproc_per_node processes`. */
export function runExportedJobs(jobs: ExportedJob[], processes = 1): Promise<JobResult[]> {
  return runPythonJobs(jobsScript, jobs, processes);
}

/** Runs `script JOBS.json RESULTS.json` (alone, or under torchrun) and returns what it wrote to RESULTS.json. */
export async function runPythonJobs<R>(script: string, jobs: unknown[], processes = 1): Promise<R[]> {
  const env = await python();
  const dir = mkdtempSync(join(tmpdir(), "rnnc-jobs-"));
  const jobsFile = join(dir, "jobs.json");
  const resultsFile = join(dir, "results.json");
  writeFileSync(jobsFile, JSON.stringify(jobs));
  const [command, args] =
    processes === 1
      ? [env.python, [script, jobsFile, resultsFile]]
      : [env.torchrun, ["--standalone", "--nproc_per_node", String(processes), script, jobsFile, resultsFile]];
  const run = await runProcess(command, args);
  if (run.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${run.code}):\n${run.out}`);
  return JSON.parse(readFileSync(resultsFile, "utf8")) as R[];
}

/** Runs a command to its end; `watch` sees the output so far (stdout and stderr interleaved). */
export function runProcess(
  command: string,
  args: string[],
  watch?: (out: string, pid: number) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const take = (d: Buffer) => {
      out += d.toString();
      watch?.(out, child.pid!);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}
