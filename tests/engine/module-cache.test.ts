/**
 * The module cache runs code it finds on disk, so it trusts only a directory nobody else can
 * write, and only an entry whose bytes match their recorded hash: planted or damaged code is
 * never run, a damaged entry is rebuilt, and a directory another user owns or others may
 * write is refused (or, in the default place, made private again).
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheDirectory, loadCompiledModule, readVerifiedEntry } from "../../engine/module-cache.js";
import { lower } from "../../compiler/ir/lower.js";
import { analyze } from "../../compiler/frontend.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-module-cache-"));
const elman = ["run", "examples/elman.rnn", "--data", "examples/data/elman.json", "--backend", "compiled"];

/** `rnnc` in a process of its own (the cache of loaded modules lives as long as a process), with the given environment. */
function rnncProcess(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["bin/rnnc.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const entries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".mjs"));

describe("a cache entry is verified before it is imported", () => {
  const dir = join(scratch, "entries");
  const env = { RNNC_CACHE_DIR: dir };

  it("code planted in a cached module does not run, and the entry is written again", () => {
    const first = rnncProcess(elman, env);
    expect(first.code).toBe(0);
    const [entry] = entries(dir);
    const file = join(dir, entry!);
    const whole = readFileSync(file, "utf8");
    appendFileSync(file, `\nprocess.stdout.write("PLANTED");\n`);

    const again = rnncProcess(elman, env);
    expect(again).toEqual({ code: 0, out: first.out, err: "" });
    expect(readFileSync(file, "utf8")).toBe(whole);
  });

  it("a truncated entry is rebuilt instead of breaking the compiled backend", () => {
    const first = rnncProcess(elman, env);
    const file = join(dir, entries(dir)[0]!);
    const whole = readFileSync(file, "utf8");
    truncateSync(file, Math.floor(whole.length / 2));

    expect(rnncProcess(elman, env)).toEqual({ code: 0, out: first.out, err: "" });
    expect(readFileSync(file, "utf8")).toBe(whole);
  });

  it("an entry is read only when it holds the hash of its key and body", () => {
    const file = join(dir, entries(dir)[0]!);
    const key = entries(dir)[0]!.replace(/\.mjs$/, "");
    const whole = readFileSync(file, "utf8");
    expect(readVerifiedEntry(file, key)).toBe(whole.slice(0, whole.lastIndexOf("\n", whole.length - 2)));
    // The same bytes under another key (a file copied or renamed) do not pass.
    expect(readVerifiedEntry(file, "0".repeat(24))).toBeUndefined();
    writeFileSync(file, whole.replace("Model", "Mode1"));
    expect(readVerifiedEntry(file, key)).toBeUndefined();
    expect(readVerifiedEntry(join(dir, "missing.mjs"), key)).toBeUndefined();
  });
});

describe("a loaded module", () => {
  it("names its cache file in stack traces, not the data: URL it was imported from", () => {
    // In a process of its own: the test runner formats stack traces its own way.
    const dir = join(scratch, "traces");
    const script = `
      import { readFileSync } from "node:fs";
      import { analyze } from "./dist/compiler/frontend.js";
      import { lower } from "./dist/compiler/ir/lower.js";
      import { loadCompiledModule } from "./dist/engine/module-cache.js";
      const module = await loadCompiledModule(lower(analyze(readFileSync("examples/gru.rnn", "utf8")).model));
      try {
        new module.Model().forward(module.createParameters(), { T: 1, B: 1, inputs: {} });
      } catch (e) {
        process.stdout.write(e.stack.split("\\n").slice(0, 2).join("\\n").slice(0, 500));
      }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, RNNC_CACHE_DIR: dir },
    });
    expect(r.stderr).toBe("");
    const [message, frame] = r.stdout.split("\n");
    expect(message).toBe("TypeError: input 'x' [T][B][16] is missing");
    expect(frame).toContain(`(${pathToFileURL(join(dir, entries(dir)[0]!)).href}:`);
  });
});

describe("the cache directory", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it("is per user: $XDG_CACHE_HOME/rnnc, ~/.cache/rnnc, else a temporary directory named with the user id", () => {
    delete process.env["RNNC_CACHE_DIR"];
    process.env["XDG_CACHE_HOME"] = "/somewhere/cache";
    expect(cacheDirectory()).toBe("/somewhere/cache/rnnc");
    delete process.env["XDG_CACHE_HOME"];
    process.env["HOME"] = "/home/someone";
    expect(cacheDirectory()).toBe("/home/someone/.cache/rnnc");
    process.env["HOME"] = "";
    expect(cacheDirectory()).toBe(join(tmpdir(), `rnnc-cache-${process.getuid!()}`));
    process.env["RNNC_CACHE_DIR"] = "/chosen";
    expect(cacheDirectory()).toBe("/chosen");
  });

  it("is made 0700 when it does not exist", () => {
    const xdg = join(scratch, "xdg-new");
    const r = rnncProcess(elman, { RNNC_CACHE_DIR: "", XDG_CACHE_HOME: xdg });
    expect(r.code).toBe(0);
    expect(statSync(join(xdg, "rnnc")).mode & 0o777).toBe(0o700);
    expect(entries(join(xdg, "rnnc"))).toHaveLength(1);
  });

  it("in the default place, one of yours that others may write is emptied and made private again", () => {
    const xdg = join(scratch, "xdg-open");
    const dir = join(xdg, "rnnc");
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, "planted.mjs"), "process.stdout.write('PLANTED')");
    const r = rnncProcess(elman, { RNNC_CACHE_DIR: "", XDG_CACHE_HOME: xdg });
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("PLANTED");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).not.toContain("planted.mjs");
  });

  it("chosen with RNNC_CACHE_DIR and writable by others, is refused with a message, never emptied", () => {
    const dir = join(scratch, "chosen-open");
    mkdirSync(dir);
    chmodSync(dir, 0o775);
    writeFileSync(join(dir, "keep.txt"), "mine");
    const r = rnncProcess(elman, { RNNC_CACHE_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `rnnc: will not keep code in '${dir}': others may write in it (mode 775); set RNNC_CACHE_DIR to a directory only you can write\n`,
    );
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
  });

  it("owned by another user is refused, in the default place too", async () => {
    const dir = join(scratch, "xdg-other", "rnnc");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    delete process.env["RNNC_CACHE_DIR"];
    process.env["XDG_CACHE_HOME"] = join(scratch, "xdg-other");
    const me = process.getuid!();
    vi.spyOn(process, "getuid").mockReturnValue(me + 1);
    const ir = lower(analyze(readFileSync("examples/jordan.rnn", "utf8")).model!);
    await expect(loadCompiledModule(ir)).rejects.toThrow(
      `will not keep code in '${dir}': it belongs to user id ${me}, not to you (user id ${me + 1}); remove it, or set RNNC_CACHE_DIR to a directory only you can write`,
    );
  });

  it("a symbolic link in its place is refused", () => {
    const target = join(scratch, "link-target");
    mkdirSync(target, { mode: 0o700 });
    const link = join(scratch, "link");
    symlinkSync(target, link);
    const r = rnncProcess(elman, { RNNC_CACHE_DIR: link });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`will not keep code in '${link}': it is a symbolic link`);
    expect(readdirSync(target)).toEqual([]);
  });
});
