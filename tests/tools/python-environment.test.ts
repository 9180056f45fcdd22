/**
 * tools/python/environment.mjs: the cached Python environment the tests and the benchmark run PyTorch in.
 * The real requirements (torch) take minutes to install, so these tests make environments of
 * small requirements files in a temporary cache, with the machine's python3.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { environmentPlace, pythonEnvironment } from "../../tools/python/environment.mjs";

const roots: string[] = [];

function cache(requirements: string): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), "rnnc-python-env-"));
  roots.push(root);
  const file = join(root, "requirements.txt");
  writeFileSync(file, requirements);
  return { root, file };
}

/** A process id that no process has: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("pythonEnvironment", () => {
  it("makes one environment for callers asking at once, taking over a lock its dead owner left", async () => {
    const { root, file } = cache("# no packages: the environment alone\n");
    const options = { requirements: file, cacheRoot: root };
    const { directory } = await environmentPlace(options);
    writeFileSync(`${directory}.lock`, `${hostname()} ${deadPid()}`);
    const callers = await Promise.all([1, 2, 3].map(() => pythonEnvironment(options)));
    expect(callers.filter((c) => c.created)).toHaveLength(1);
    expect(new Set(callers.map((c) => c.directory))).toEqual(new Set([directory]));
    const python = callers[0]!.python;
    expect(new Set(callers.map((c) => c.python))).toEqual(new Set([python]));
    const run = spawnSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    expect(run.stdout.trim()).toBe(directory);
    // The scripts pip installs (torchrun is one) start from the environment's own interpreter.
    const pip = spawnSync(join(directory, "bin", "pip"), ["--version"], { encoding: "utf8" });
    expect(pip.stdout).toContain(directory);
    // Nothing but the environment and the requirements is left: no lock, no half-built copy.
    expect(readdirSync(root).sort()).toEqual([directory.slice(root.length + 1), "requirements.txt"].sort());
    expect(await pythonEnvironment(options)).toEqual({
      python,
      torchrun: join(directory, "bin", "torchrun"),
      directory,
      created: false,
    });
  }, 300_000);

  it("fails with pip's reason and leaves nothing behind when a requirement cannot be installed", async () => {
    const { root, file } = cache("./no-such-project-directory\n");
    await expect(pythonEnvironment({ requirements: file, cacheRoot: root })).rejects.toThrow(
      /could not make the Python environment of .*requirements\.txt: .*pip install.*no-such-project-directory/s,
    );
    expect(readdirSync(root)).toEqual(["requirements.txt"]);
  }, 300_000);

  it("says so when the base interpreter cannot be started", async () => {
    const { root, file } = cache("\n");
    await expect(
      pythonEnvironment({ requirements: file, cacheRoot: root, basePython: join(root, "no-python") }),
    ).rejects.toThrow(/no-python could not be started/);
    expect(existsSync(join(root, "requirements.txt"))).toBe(true);
  });
});
