/** Runs the `rnnc` command line in-process, capturing what it prints and its exit status. */
import { main } from "../../compiler/cli/main.js";
import type { Output } from "../../compiler/cli/io.js";

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
