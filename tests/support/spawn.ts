/**
 * The built `rnnc` command line as a separate process (`npm test` builds first), for what an
 * in-process run cannot show: signals, kill -9, exit statuses, two runs at once.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface SpawnedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Standard output and error, interleaved as they came. */
  out: string;
  pid: number;
}

/** Runs `rnnc args`; `watch` sees the output so far after each piece and may act on the child. */
export function spawnRnnc(args: string[], watch?: (out: string, child: ChildProcess) => void): Promise<SpawnedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/rnnc.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const take = (d: Buffer) => {
      out += d.toString();
      watch?.(out, child);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, out, pid: child.pid! }));
  });
}

/** The last step a run has reported in its progress lines (`--progress lines`), or 0. */
export function lastStep(out: string): number {
  const m = [...out.matchAll(/step (\d+)\//g)].pop();
  return m ? Number(m[1]) : 0;
}

/**
 * A watcher that sends `signal` when the run has reported step `after`: once, or `times`
 * times 5 ms apart (apart, so they are separate deliveries and not merged by the kernel).
 */
export function signalAfterStep(
  signal: NodeJS.Signals,
  after: number,
  times = 1,
): (out: string, child: ChildProcess) => void {
  let sent = false;
  return (out, child) => {
    if (!sent && lastStep(out) >= after) {
      sent = true;
      for (let i = 0; i < times; i++) setTimeout(() => child.kill(signal), 5 * i);
    }
  };
}
