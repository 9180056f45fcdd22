/**
 * The one writer of rnnc's outputs and checkpoints: a failure names the file and says what
 * went wrong in words, and leaves neither half a file nor its temporary file behind. The
 * metrics log, appended to line by line, names its file too.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { removeLeftTemporaries, writeAtomic } from "../../../engine/io/atomic-write.js";
import { BackgroundWrites } from "../../../engine/io/background-writes.js";
import { describeFileError, FileError } from "../../../engine/io/file-error.js";
import { RunLog } from "../../../engine/train/run-log.js";

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, writeSync: vi.fn(real.writeSync) };
});

const scratch = mkdtempSync(join(tmpdir(), "rnnc-atomic-write-"));

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, write`), { code });
}

describe("writeAtomic", () => {
  afterEach(() => {
    vi.mocked(fs.writeSync).mockRestore();
  });

  it("replaces a file whole", () => {
    const file = join(scratch, "whole.txt");
    writeFileSync(file, "old");
    writeAtomic(file, "new");
    expect(readFileSync(file, "utf8")).toBe("new");
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it.each([
    ["ENOSPC", "no space left on the device"],
    ["EDQUOT", "the disk quota is exceeded"],
    ["EIO", "input/output error"],
  ])("a write failing with %s names the file and keeps the old one", (code, words) => {
    const dir = join(scratch, code);
    mkdirSync(dir);
    const file = join(dir, "checkpoint.json");
    writeFileSync(file, "the old checkpoint");
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw errno(code);
    });
    expect(() => writeAtomic(file, "{}")).toThrow(new FileError(`cannot write '${file}': ${words}`, code));
    expect(readFileSync(file, "utf8")).toBe("the old checkpoint");
    expect(readdirSync(dir)).toEqual(["checkpoint.json"]);
  });

  it("a directory in the target's place, or a file in its directory's, is named", () => {
    const dir = join(scratch, "a-directory");
    mkdirSync(dir);
    expect(() => writeAtomic(dir, "x")).toThrow(`cannot write '${dir}': it is a directory`);
    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    expect(() => writeAtomic(join(file, "out.json"), "x")).toThrow(
      `cannot write '${join(file, "out.json")}': a part of the path is not a directory`,
    );
    expect(() => writeAtomic(join(scratch, "missing", "out.json"), "x")).toThrow(
      `cannot write '${join(scratch, "missing", "out.json")}': no such file or directory`,
    );
  });
});

describe("the metrics log", () => {
  it("a full disk while appending a line names metrics.jsonl", () => {
    const dir = join(scratch, "run");
    mkdirSync(dir);
    const log = new RunLog(dir, "loss", new BackgroundWrites());
    vi.mocked(fs.writeSync).mockImplementationOnce(() => {
      throw errno("ENOSPC");
    });
    expect(() => log.append({ kind: "warning", step: 1, message: "x" })).toThrow(
      new FileError(`cannot write '${join(dir, "metrics.jsonl")}': no space left on the device`, "ENOSPC"),
    );
    log.close();
  });
});

describe("describeFileError", () => {
  it("says in words that a text file is longer than a string can be, which Node reports by a code", () => {
    expect(
      describeFileError(
        Object.assign(new Error("Cannot create a string longer than 0x1fffffe8 characters"), {
          code: "ERR_STRING_TOO_LONG",
        }),
      ),
    ).toBe("it is longer than the longest string this JavaScript engine can hold (about 512 MB)");
  });
});

describe("removeLeftTemporaries", () => {
  it("removes other processes' temporary files and nothing else: not this process's, not the files themselves", () => {
    const d = join(scratch, "left");
    mkdirSync(d);
    for (const f of [
      "weights.json",
      ".weights.json.4000001.tmp",
      `.loss.svg.${process.pid}.tmp`,
      "notes.tmp",
      ".hidden",
    ])
      writeFileSync(join(d, f), "x");
    expect(removeLeftTemporaries(d)).toEqual([".weights.json.4000001.tmp"]);
    expect(readdirSync(d).sort()).toEqual([".hidden", `.loss.svg.${process.pid}.tmp`, "notes.tmp", "weights.json"]);
    expect(removeLeftTemporaries(join(scratch, "missing"))).toEqual([]);
  });
});
