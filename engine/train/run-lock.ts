/**
 * One training run at a time in a checkpoint directory. `train.lock` in the directory names
 * the run that holds it (pid, host, start time). It is created whole and exclusively (written
 * under a temporary name, then hard-linked to its name, which fails if the name exists), so
 * of two runs starting together exactly one gets it. A lock whose process is gone (a run
 * killed with kill -9, or a crash of the machine) is stale: on the same host that is known
 * for certain and the lock is taken over; a lock held from another host cannot be checked
 * and is refused with the way out. Runs that find the same stale lock take turns to clear
 * it, under a second lock (`train.lock.takeover`), so that none removes a fresh lock another
 * has taken meanwhile.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
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
  // Each turn either takes the lock, refuses, or clears a stale lock (or waits for another run
  // clearing it) and tries again.
  for (let attempt = 0; attempt < 200; attempt++) {
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
    const cleared = clearStaleLock(path, holder);
    if (cleared === "cleared") tookOver = holder;
    else if (cleared === "busy") pause(10);
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

/** Blocks this thread for `ms` milliseconds (a run is starting: there is nothing else to do). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Deletes the lock judged stale, if it still is: "cleared"; "kept" if the lock is no longer
 * that one (another run cleared it and may have taken a fresh one); "busy" if another run is
 * clearing it. Only a run holding the takeover lock deletes a stale lock, and it reads the lock
 * again first: while it holds the takeover lock, no other run can delete the stale lock or
 * create one in its place, so what it deletes is what it read. A takeover lock whose process
 * is gone (killed while clearing) is deleted, as the stale lock itself is.
 */
export function clearStaleLock(path: string, stale: LockHolder): "cleared" | "kept" | "busy" {
  const takeover = `${path}.takeover`;
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  if (!tryCreate(takeover, me)) {
    const other = readHolder(takeover);
    if (typeof other === "object" && other.host === me.host && !isRunning(other.pid)) rmSync(takeover, { force: true });
    return "busy";
  }
  try {
    if (!sameHolder(readHolder(path), stale)) return "kept";
    unlinkSync(path);
    return "cleared";
  } finally {
    rmSync(takeover, { force: true });
  }
}
