/**
 * Files written whole or not at all: to a temporary file beside the target, flushed to disk,
 * then renamed over it, so a reader (or a run interrupted at any moment) sees the old file or
 * the new one, never part of one. Used for every output rnnc writes: checkpoints, plots,
 * compiled modules, the command line's outputs. A failure (a full disk, a read-only file
 * system, a directory in the way) is a FileError naming the target, and leaves no temporary file.
 * `writeAtomicAsync` does the same with the waiting (the write, the flush) off the JavaScript
 * thread: a training run writes its checkpoints so while it computes the next steps.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileError } from "./file-error.js";

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const temporary = temporaryPath(path);
  try {
    const fd = openSync(temporary, "w");
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (e) {
    removeIfThere(temporary);
    throw fileError(`cannot write '${path}'`, e);
  }
}

export async function writeAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    const file = await open(temporary, "w");
    try {
      // FileHandle.writeFile writes all of it (looping over partial writes).
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (e) {
    // As removeIfThere: the error to report is the write's.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fileError(`cannot write '${path}'`, e);
  }
}

/** Writes all of `data` at the file's position (a write may take only part of it). */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** One writer at a time per file (a process writes its files in turn), so the pid tells processes apart. */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** A temporary file of temporaryPath's, and the process that wrote it. */
const temporaryName = /^\..+\.(\d+)\.tmp$/;

/**
 * Removes the temporary files that other processes left in `dir` (a write cut short by kill -9 or
 * a second Ctrl-C), for a caller that alone writes there now (a training run holding its
 * directory's lock). Returns their names; a missing directory has none.
 */
export function removeLeftTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const left = names.filter((name) => {
    const pid = temporaryName.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid;
  });
  for (const name of left) rmSync(join(dir, name), { force: true });
  return left;
}

function removeIfThere(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing there to remove (its directory is missing or is a file): the error to report is the write's.
  }
}
