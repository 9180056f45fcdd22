/**
 * Creating directories, and trusting them. Node's recursive mkdir never returns on a file
 * system that refuses a new entry with ENOENT although its parent exists (`mkdir -p
 * /proc/x` loops at full CPU for ever), so each missing level is made here, in order, and
 * the first refusal is an error naming the directory.
 */
import { lstatSync, mkdirSync, rmSync, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { errnoCode, fileError, FileError } from "./file-error.js";

/**
 * Makes `path` and every missing directory above it (`mkdir -p`); `mode` applies to the ones
 * made. Returns the outermost directory it made, resolved (undefined when `path` existed), as
 * Node's recursive mkdir does, so that a caller can remove what it made.
 */
export function makeDirectories(path: string, mode = 0o777): string | undefined {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const found = statOrUndefined(dir, path);
    if (found?.isDirectory()) break;
    if (found) throw new FileError(`cannot create directory '${path}': '${dir}' exists and is not a directory`);
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  let outermost: string | undefined;
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode });
      outermost ??= dir;
    } catch (e) {
      if (errnoCode(e) === "EEXIST" && statOrUndefined(dir, path)?.isDirectory()) continue; // made meanwhile
      const where = dir === resolve(path) ? "" : ` ('${dir}')`;
      // The parent exists (it was made or found above): ENOENT here is the file system refusing the entry.
      if (errnoCode(e) === "ENOENT")
        throw new FileError(`cannot create directory '${path}'${where}: the file system does not allow it`, "ENOENT");
      throw fileError(`cannot create directory '${path}'${where}`, e);
    }
  }
  return outermost;
}

function statOrUndefined(dir: string, asked: string): Stats | undefined {
  try {
    return statSync(dir);
  } catch (e) {
    // ENOTDIR: a file above it, found (and reported) on the way up.
    if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return undefined;
    throw fileError(`cannot create directory '${asked}' ('${dir}')`, e);
  }
}

/** Why a directory cannot be trusted with code: another user owns it, or others may write in it. */
export class UntrustedDirectoryError extends FileError {}

/**
 * A directory only this user can change, for files rnnc will execute: made 0700 when missing;
 * an existing one must be a real directory (not a symbolic link), owned by this user and not
 * writable by group or others. One of this user's that others may write is emptied and made
 * private again when `rebuild` allows, refused otherwise; one owned by anybody else is refused.
 * Without user ids (Windows) only existence is checked.
 */
export function privateDirectory(path: string, options: { rebuild: boolean; advice: string }): void {
  const uid = process.getuid?.();
  let found = lstatOrUndefined(path);
  if (
    found &&
    uid !== undefined &&
    options.rebuild &&
    found.isDirectory() &&
    found.uid === uid &&
    openToOthers(found)
  ) {
    rmSync(path, { recursive: true, force: true });
    found = undefined;
  }
  if (!found) {
    makeDirectories(dirname(path), 0o700);
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (e) {
      if (errnoCode(e) !== "EEXIST") throw fileError(`cannot create directory '${path}'`, e);
    }
    found = lstatOrUndefined(path);
  }
  const problem = found ? trustProblem(found, uid) : "it vanished while being made";
  const parentProblem = uid === undefined ? undefined : replaceableBy(statSync(dirname(path)));
  if (problem || parentProblem)
    throw new UntrustedDirectoryError(
      `will not keep code in '${path}': ${problem ?? parentProblem}; ${options.advice}`,
    );
}

/** What makes a directory unfit for code this user runs, or undefined when it is fit. */
export function trustProblem(
  s: Pick<Stats, "uid" | "mode" | "isDirectory" | "isSymbolicLink">,
  uid: number | undefined,
): string | undefined {
  if (s.isSymbolicLink()) return "it is a symbolic link";
  if (!s.isDirectory()) return "it is not a directory";
  if (uid === undefined) return undefined;
  if (s.uid !== uid) return `it belongs to user id ${s.uid}, not to you (user id ${uid})`;
  if (openToOthers(s)) return `others may write in it (mode ${(s.mode & 0o777).toString(8).padStart(3, "0")})`;
  return undefined;
}

/**
 * Anybody may rename a directory's entries away and put their own in place when the directory
 * is writable by all and not sticky (/tmp is sticky). A group-writable parent is allowed: with
 * one group per user it is common for a home directory, and the group is chosen by its owner.
 */
function replaceableBy(parent: Pick<Stats, "mode">): string | undefined {
  const sticky = (parent.mode & 0o1000) !== 0;
  return (parent.mode & 0o002) !== 0 && !sticky
    ? "anybody may write in the directory that holds it, and replace it"
    : undefined;
}

function openToOthers(s: Pick<Stats, "mode">): boolean {
  return (s.mode & 0o022) !== 0;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw fileError(`cannot examine '${path}'`, e);
  }
}
