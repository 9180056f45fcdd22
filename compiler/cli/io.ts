/**
 * The CLI's contact with files and terminals. Every failure a user can cause becomes a
 * `UserError` with a message (never a stack trace), and every output file is written to a
 * temporary file and renamed, so an interrupted run never leaves half a file.
 */
import { readFileSync } from "node:fs";
import { writeAtomic } from "../../engine/io/atomic-write.js";

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
    throw new UserError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeAtomic(path, data);
  } catch (e) {
    throw new UserError(`cannot write '${path}': ${describeFsError(e)}`);
  }
}

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "it is a directory",
    ENOTDIR: "a part of the path is not a directory",
  };
  return (code && reasons[code]) ?? (e instanceof Error ? e.message : String(e));
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
