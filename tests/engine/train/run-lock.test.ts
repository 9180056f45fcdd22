/**
 * The lock on a checkpoint directory: one holder at a time, named when another is refused;
 * a stale lock (its process gone) taken over; of several processes racing for it, one wins.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { clearStaleLock, LOCK_FILE, lockRunDirectory } from "../../../engine/train/run-lock.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "rnnc-lock-"));
});

/** The id of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid!;
}

const holder = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, started: "2026-01-02T03:04:05.000Z" }) + "\n";

describe("lockRunDirectory", () => {
  it("creates the directory and a lock naming this process, and says which directory it created", () => {
    const dir = join(root, "runs", "lm");
    const lock = lockRunDirectory(dir);
    expect(lock.created).toBe(join(root, "runs"));
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
    expect(held).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(held.started)).not.toBeNaN();
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(lockRunDirectory(dir).created).toBeUndefined();
  });

  it("refuses a directory held by a running process, naming it, until it is released", () => {
    const first = lockRunDirectory(root);
    expect(() => lockRunDirectory(root)).toThrow(
      new RegExp(`is in use by another training run \\(process ${process.pid}, since .*\\); wait for it to finish`),
    );
    first.release();
    lockRunDirectory(root).release();
  });

  it("takes over the lock of a process that is no longer running, and says whose it was", () => {
    const pid = deadPid();
    writeFileSync(join(root, LOCK_FILE), holder(pid));
    const lock = lockRunDirectory(root);
    expect(lock.tookOver).toMatchObject({ pid, started: "2026-01-02T03:04:05.000Z" });
    expect(JSON.parse(readFileSync(join(root, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("refuses a lock from another host, whose process it cannot check, with the way out", () => {
    writeFileSync(join(root, LOCK_FILE), holder(deadPid(), "elsewhere"));
    expect(() => lockRunDirectory(root)).toThrow(
      /in use by a training run on host elsewhere \(process \d+, since .*\); if that run is gone, delete .*train\.lock/,
    );
  });

  it("refuses a lock file it cannot read rather than guessing", () => {
    writeFileSync(join(root, LOCK_FILE), "");
    expect(() => lockRunDirectory(root)).toThrow(/train\.lock exists but does not name a process/);
  });

  it("release leaves alone a lock that is no longer this one's", () => {
    const lock = lockRunDirectory(root);
    writeFileSync(join(root, LOCK_FILE), holder(process.pid, "elsewhere"));
    lock.release();
    expect(existsSync(join(root, LOCK_FILE))).toBe(true);
  });

  it("clearing a stale lock never removes another: one taken meanwhile by a live run stays as it was", () => {
    const path = join(root, LOCK_FILE);
    const stale = { pid: deadPid(), host: hostname(), started: "2026-01-02T03:04:05.000Z" };
    const live = holder(process.pid);
    writeFileSync(path, live);
    expect(clearStaleLock(path, stale)).toBe("kept");
    expect(readFileSync(path, "utf8")).toBe(live);
    expect(() => lockRunDirectory(root)).toThrow(/is in use by another training run/);
  });

  it("runs clear a stale lock in turn: while one holds the takeover lock, another leaves the stale lock alone", () => {
    const path = join(root, LOCK_FILE);
    const stale = { pid: deadPid(), host: hostname(), started: "2026-01-02T03:04:05.000Z" };
    writeFileSync(path, JSON.stringify(stale) + "\n");
    writeFileSync(`${path}.takeover`, holder(process.pid));
    expect(clearStaleLock(path, stale)).toBe("busy");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(stale);
    // A takeover lock whose process is gone (killed while clearing) is removed; the next turn clears.
    writeFileSync(`${path}.takeover`, holder(deadPid()));
    expect(clearStaleLock(path, stale)).toBe("busy");
    expect(clearStaleLock(path, stale)).toBe("cleared");
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.takeover`)).toBe(false);
  });

  // Each process imports the built module (npm test builds first), waits for the same instant and
  // tries; one that got the lock holds it until every process has tried (its standard input ends).
  const contender = (startAt: number) => `
    const { lockRunDirectory } = await import(${JSON.stringify(new URL("../../../dist/engine/train/run-lock.js", import.meta.url).href)});
    while (Date.now() < ${startAt});
    try { const lock = lockRunDirectory(${JSON.stringify(root)}); console.log("locked"); process.stdin.on("data", () => {}).on("end", () => lock.release()); }
    catch (e) { console.log("refused: " + e.message); }`;

  it("of processes racing for a directory with a stale lock, exactly one gets it, round after round", async () => {
    for (let round = 0; round < 3; round++) {
      writeFileSync(join(root, LOCK_FILE), holder(deadPid()));
      const script = contender(Date.now() + 2000);
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] }),
      );
      const said = children.map(
        (child) =>
          new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d: Buffer) => {
              out += d.toString();
              if (out.endsWith("\n")) resolve(out.trim());
            });
            child.on("error", reject);
            child.on("close", () => resolve(out.trim()));
          }),
      );
      const outputs = await Promise.all(said);
      for (const child of children) child.stdin!.end();
      await Promise.all(
        children.map(
          (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on("close", resolve))),
        ),
      );
      expect(
        outputs.filter((o) => o === "locked"),
        outputs.join("\n"),
      ).toHaveLength(1);
      for (const o of outputs.filter((o) => o !== "locked"))
        expect(o).toMatch(/refused: .* is in use by another training run/);
      expect(existsSync(join(root, LOCK_FILE)), "released").toBe(false);
    }
  });
});
