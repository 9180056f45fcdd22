/**
 * The PyTorch peer: PyTorch 2.x from the package index (a CPU build with MKL and oneDNN), in the
 * cached Python environment of tools/python/environment.mjs, made on first use (minutes) and reused.
 */
import { pythonEnvironment } from "../tools/python/environment.mjs";

/** The environment's interpreter, or why there is none (the PyTorch rows are then skipped with that reason). */
export type PyTorch = { python: string } | { missing: string };

export async function pytorchPeer(log: (line: string) => void): Promise<PyTorch> {
  try {
    return { python: (await pythonEnvironment({ log })).python };
  } catch (e) {
    return { missing: (e instanceof Error ? e.message : String(e)).split("\n")[0]! };
  }
}

/** The environment of a PyTorch process on `threads` threads: its OpenMP and MKL pools sized to match. */
export function pytorchThreads(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
}
