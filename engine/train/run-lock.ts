/**
 * One training run at a time in a checkpoint directory. `train.lock` in the directory names
 * the run that holds it (pid, host, start time). It is created whole and exclusively (written
 * under a temporary name, then hard-linked to its name, which fails if the name exists), so
 * of two runs starting together exactly one gets it. A lock whose process is gone (a run
 * killed with kill -9, or a crash of the machine) is stale: on the same host that is known
 * for certain and the lock is taken over; a lock held from another host cannot be checked
 * and is refused with the way out.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { linkSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { makeDirectories } from "../io/directories.js";

export const LOCK_FILE = "train.lock";

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO 8601). */
  started: string;
}

export class RunLockedError extends Error {}

export interface RunLock {
  readonly path: string;
  /** The outermost directory created for the lock (undefined: `dir` existed), for a failed start to remove. */
  readonly created: string | undefined;
  /** The stale holder whose lock this run took over, if it did. */
  readonly tookOver?: LockHolder;
  /** Removes the lock (if it is still this run's). */
  release(): void;
}

/** Creates `dir` if need be and locks it for this process, or throws `RunLockedError` naming the holder. */
export function lockRunDirectory(dir: string): RunLock {
  const created = makeDirectories(dir);
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  let tookOver: LockHolder | undefined;
  // Each turn either takes the lock, refuses, or clears a stale lock and tries again.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, me)) {
      return {
        path,
        created,
        ...(tookOver ? { tookOver } : {}),
        release: () => {
          if (sameHolder(readHolder(path), me)) rmSync(path, { force: true });
        },
      };
    }
    const holder = readHolder(path);
    if (holder === undefined) continue; // released between our attempt and the read
    if (holder === "unreadable")
      throw new RunLockedError(
        `${path} exists but does not name a process; if no training run is using ${dir}, delete it`,
      );
    if (holder.host !== me.host)
      throw new RunLockedError(
        `${dir} is in use by a training run on host ${holder.host} (process ${holder.pid}, since ${holder.started}); if that run is gone, delete ${path}`,
      );
    if (isRunning(holder.pid))
      throw new RunLockedError(
        `${dir} is in use by another training run (process ${holder.pid}, since ${holder.started}); wait for it to finish, or stop it (kill ${holder.pid} saves a checkpoint and exits)`,
      );
    if (clearStaleLock(path, holder)) tookOver = holder;
  }
  throw new RunLockedError(`${dir}: could not take ${LOCK_FILE}; other runs keep taking it`);
}

/** Creates the lock file whole, only if there is none. */
function tryCreate(path: string, me: LockHolder): boolean {
  const temporary = `${path}.${me.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(me) + "\n");
  try {
    linkSync(temporary, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(temporary, { force: true });
  }
}

function readHolder(path: string): LockHolder | "unreadable" | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(h.pid) && typeof h.host === "string" && typeof h.started === "string") return h as LockHolder;
  } catch {
    // not JSON: reported as unreadable
  }
  return "unreadable";
}

function sameHolder(a: ReturnType<typeof readHolder>, b: LockHolder): boolean {
  return typeof a === "object" && a.pid === b.pid && a.host === b.host && a.started === b.started;
}

/** Whether a process with this id exists on this host (EPERM: it does, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves the stale lock aside and deletes it; true if it was the lock judged stale. Moving
 * (atomic) rather than deleting means that of two runs clearing it together only one
 * succeeds, and one that finds it has moved a fresh lock (taken by a third run after the
 * stale one was read) puts that back.
 */
export function clearStaleLock(path: string, stale: LockHolder): boolean {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  const moved = readHolder(aside);
  if (sameHolder(moved, stale)) {
    unlinkSync(aside);
    return true;
  }
  try {
    linkSync(aside, path);
  } catch {
    // Someone locked it meanwhile; the next attempt sees their lock.
  }
  rmSync(aside, { force: true });
  return false;
}
