/**
 * Making directories never hangs and says which directory failed: Node's recursive mkdir
 * loops for ever where a file system refuses a new entry with ENOENT (/proc), and rnnc made
 * its checkpoint and cache directories that way.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirectories, trustProblem } from "../../../engine/io/directories.js";
import { FileError } from "../../../engine/io/file-error.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-directories-"));

describe("makeDirectories", () => {
  it("makes every missing level, and accepts one that exists", () => {
    const deep = join(scratch, "a", "b", "c");
    makeDirectories(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirectories(deep);
  });

  it("returns the outermost level it made, for a failed start to remove, and nothing when none was missing", () => {
    expect(makeDirectories(join(scratch, "made", "x", "y"))).toBe(join(scratch, "made"));
    expect(makeDirectories(join(scratch, "made", "x", "z"))).toBe(join(scratch, "made", "x", "z"));
    expect(makeDirectories(join(scratch, "made", "x"))).toBeUndefined();
  });

  it("gives the mode to the levels it makes", () => {
    const deep = join(scratch, "private", "inner");
    makeDirectories(deep, 0o700);
    expect(statSync(join(scratch, "private")).mode & 0o777).toBe(0o700);
    expect(statSync(deep).mode & 0o777).toBe(0o700);
  });

  it("a file in the way is an error naming it", () => {
    writeFileSync(join(scratch, "file"), "");
    expect(() => makeDirectories(join(scratch, "file", "sub"))).toThrow(
      new FileError(
        `cannot create directory '${join(scratch, "file", "sub")}': '${join(scratch, "file")}' exists and is not a directory`,
      ),
    );
  });

  it.runIf(existsSync("/proc/self"))(
    "under /proc, an error at once where Node's recursive mkdir spins for ever",
    () => {
      expect(() => makeDirectories("/proc/rnnc-checkpoint/inner")).toThrow(
        "cannot create directory '/proc/rnnc-checkpoint/inner' ('/proc/rnnc-checkpoint'): the file system does not allow it",
      );
      expect(() => makeDirectories("/proc/ck")).toThrow(
        "cannot create directory '/proc/ck': the file system does not allow it",
      );
    },
  );

  it.runIf(existsSync("/proc/self"))("rnnc train --checkpoint /proc/ck ends with that message, not a hang", () => {
    const r = spawnSync(
      process.execPath,
      ["bin/rnnc.js", "train", "examples/elman.rnn", "--data", "examples/data/elman.json", "--checkpoint", "/proc/ck"],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("rnnc: cannot create directory '/proc/ck': the file system does not allow it\n");
  });
});

describe("trustProblem: a directory for code this user runs", () => {
  const directory = (uid: number, mode: number, link = false) => ({
    uid,
    mode: 0o40000 | mode,
    isDirectory: () => !link,
    isSymbolicLink: () => link,
  });

  it("is this user's, and only this user may write it", () => {
    expect(trustProblem(directory(1000, 0o700), 1000)).toBeUndefined();
    expect(trustProblem(directory(1000, 0o755), 1000)).toBeUndefined();
    expect(trustProblem(directory(1001, 0o700), 1000)).toBe("it belongs to user id 1001, not to you (user id 1000)");
    expect(trustProblem(directory(1000, 0o770), 1000)).toBe("others may write in it (mode 770)");
    expect(trustProblem(directory(1000, 0o703), 1000)).toBe("others may write in it (mode 703)");
    expect(trustProblem(directory(1000, 0o700, true), 1000)).toBe("it is a symbolic link");
  });
});
