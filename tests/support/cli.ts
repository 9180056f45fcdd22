/** Runs the `rnnc` command line in-process, capturing what it prints and its exit status. */
import { main } from "../../compiler/cli/main.js";
import type { Output } from "../../compiler/cli/io.js";
import { enableRelaxedSimd } from "../../engine/wasm-features.js";

// As bin/rnnc.js does before it loads the CLI: so an in-process run picks the kernel tiers a
// spawned `rnnc` picks, and computes the same bits.
enableRelaxedSimd();

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function rnnc(...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false };
  const code = await main(argv, io);
  return { code, out, err };
}
