/** A benchmark worker in its own process (bench/worker.ts or pytorch_bench.py), driven over its stdin and stdout. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import type { Sample } from "./stats.js";
import type { Ready } from "./worker.js";

type Waiter = { resolve(body: unknown): void; reject(error: Error): void };

export class EngineProcess {
  private waiting: Waiter | null = null;
  private stderr = "";

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^(READY|SAMPLES|ERROR) (.*)$/.exec(line);
      if (!match || !this.waiting) return; // anything else a library prints
      const waiter = this.waiting;
      this.waiting = null;
      const body: unknown = JSON.parse(match[2]!);
      if (match[1] === "ERROR") waiter.reject(new Error(String(body)));
      else waiter.resolve(body);
    });
    child.on("exit", (code) => this.waiting?.reject(new Error(`exited with ${code}: ${this.lastError()}`)));
    child.on("error", (e) => this.waiting?.reject(e));
  }

  /** Starts the worker and waits until it has prepared and warmed up. */
  static async start(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{ process: EngineProcess; ready: Ready }> {
    const p = new EngineProcess(spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] }));
    try {
      return { process: p, ready: (await p.next()) as Ready };
    } catch (e) {
      p.close();
      throw e;
    }
  }

  async run(count: number): Promise<Sample[]> {
    const answer = this.next();
    this.child.stdin.write(`run ${count}\n`);
    return (await answer) as Sample[];
  }

  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end("quit\n");
      setTimeout(() => this.child.exitCode === null && this.child.kill(), 5_000).unref();
    }
  }

  private next(): Promise<unknown> {
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private lastError(): string {
    return (
      this.stderr
        .trim()
        .split("\n")
        .filter((l) => /error/i.test(l))
        .pop() ??
      this.stderr.trim().split("\n").pop() ??
      ""
    );
  }
}
