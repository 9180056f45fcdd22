/**
 * The CLI's contact with files and terminals. Every failure a user can cause becomes a
 * `UserError` with a message (never a stack trace). Output files are written by
 * engine/io/atomic-write.ts (a temporary file renamed, so an interrupted run never leaves
 * half a file; a failure names the file).
 */
import { readFileSync } from "node:fs";
import { writeAtomic } from "../../engine/io/atomic-write.js";
import { describeFileError } from "../../engine/io/file-error.js";

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function readText(path: string, what = "file"): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`cannot read ${what} '${path}': ${describeFileError(e)}`);
  }
}

/** Writes `path` whole (writeAtomic) and says so on stderr, `wrote PATH (WHAT)`: every command that writes a file does. */
export function writeFileReported(io: Output, path: string, data: string | Uint8Array, what: string): void {
  writeAtomic(path, data);
  io.err(`wrote ${path} (${what})\n`);
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Whether diagnostics may be coloured. */
  color: boolean;
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  color: Boolean(process.stderr.isTTY) && !process.env["NO_COLOR"],
};
