// @ts-check
/**
 * The Python that rnnc's tests and benchmark run PyTorch and ONNX Runtime with: a virtual
 * environment with the pinned packages of a requirements file (requirements.txt beside this
 * file by default), made once with `python3 -m venv` and pip from the package index, and kept
 * in the user's cache, in `python-<hash>` under $XDG_CACHE_HOME/rnnc-python or
 * ~/.cache/rnnc-python (beside rnnc's module cache, not in it: that directory holds only
 * modules). The hash covers the requirements and the base interpreter, so changing either
 * makes a new environment beside the old one.
 *
 *     const { python } = await pythonEnvironment({ log: (line) => console.error(line) });
 *     spawn(python, ["script.py"]);
 *
 * Safe under concurrent callers (the benchmark and test files may ask at the same moment):
 * one caller builds while the others wait on a lock file, and the environment counts as made
 * only once its marker file is written, last, so a build that dies leaves nothing that looks
 * usable. A lock whose owner process is gone is taken over.
 *
 * pip reads its usual configuration (an index or local wheels); it is run with `--retries 0`
 * and a short timeout, so an unreachable index fails in seconds instead of minutes of retries.
 *
 * Plain JavaScript, so that it runs as it is from the sources, from dist/ and from tests.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** What a finished environment holds besides the packages: what it was made from. */
const MARKER = "rnnc-python-env.json";
/** How long a waiter waits for another process's build before giving up (a first install of torch takes minutes). */
const WAIT_MS = 30 * 60_000;

/**
 * tools/python/requirements.txt in the source tree: beside this file, or found from
 * dist/tools/python/ (where the benchmark's compiled copy of this file lies) by going up to the sources.
 */
export function defaultRequirementsFile() {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "tools", "python", "requirements.txt");
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) throw new Error("tools/python/requirements.txt not found above " + import.meta.url);
  }
}

/** $XDG_CACHE_HOME/rnnc-python or ~/.cache/rnnc-python. */
export function defaultCacheRoot() {
  const xdg = process.env["XDG_CACHE_HOME"];
  return xdg && resolve(xdg) === xdg ? join(xdg, "rnnc-python") : join(homedir(), ".cache", "rnnc-python");
}

/**
 * Runs a command; resolves with its standard output, rejects with the last lines of its
 * standard error (or output) when it fails to start or exits non-zero.
 * @param {string} command @param {string[]} args
 */
function run(command, args) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err = (err + d).slice(-20_000)));
    child.on("error", (e) => fail(new Error(`${command} could not be started (${e.message})`)));
    child.on("close", (code) => {
      if (code === 0) return done(out);
      const last = (err.trim() || out.trim()).split("\n").slice(-4).join("\n");
      fail(new Error(`${[command, ...args].join(" ")} exited with ${code}: ${last}`));
    });
  });
}

/** @param {string} directory */
const interpreterOf = (directory) =>
  join(directory, ...(process.platform === "win32" ? ["Scripts", "python.exe"] : ["bin", "python"]));

/** @param {string} directory */
const complete = (directory) => existsSync(join(directory, MARKER)) && existsSync(interpreterOf(directory));

/**
 * Takes the lock file `lock` (made with its owner in it, atomically, by a hard link), waiting while
 * another live process holds it; a lock of a process that no longer runs on this host is removed.
 * Resolves when this process holds it, or early when `done()` says the work is done.
 * @param {string} lock @param {() => boolean} done @param {(line: string) => void} log
 */
async function acquire(lock, done, log) {
  const owner = `${hostname()} ${process.pid}`;
  // Unique per call: callers in one process each write their own before linking it.
  const mine = `${lock}.${process.pid}-${randomBytes(6).toString("hex")}`;
  writeFileSync(mine, owner);
  try {
    const deadline = Date.now() + WAIT_MS;
    let told = false;
    for (;;) {
      try {
        linkSync(mine, lock);
        return true;
      } catch (e) {
        if (/** @type {NodeJS.ErrnoException} */ (e).code !== "EEXIST") throw e;
      }
      if (done()) return false;
      if (stale(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock} (held by ${readOwner(lock)})`);
      if (!told) log(`waiting for another process to finish the Python environment (${readOwner(lock)})`);
      told = true;
      await sleep(1000);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/** @param {string} lock */
function readOwner(lock) {
  try {
    return readFileSync(lock, "utf8").trim();
  } catch {
    return "gone";
  }
}

/** Whether the lock's owner is a process of this host that no longer runs. @param {string} lock */
function stale(lock) {
  const [host, pid] = readOwner(lock).split(" ");
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === "ESRCH";
  }
}

/**
 * @typedef {{ requirements?: string, basePython?: string, cacheRoot?: string, log?: (line: string) => void }} EnvironmentOptions
 *   requirements: a pip requirements file; basePython: the interpreter to make it from
 *   ($RNNC_PYTHON, else python3); cacheRoot: where environments are kept; log: progress lines.
 */

/**
 * Where the environment for `options` lies (made or not), what it is made from, and its interpreter's version.
 * @param {EnvironmentOptions} [options]
 */
export async function environmentPlace(options = {}) {
  const requirementsFile = options.requirements ?? defaultRequirementsFile();
  const basePython = options.basePython ?? process.env["RNNC_PYTHON"] ?? "python3";
  const requirements = readFileSync(requirementsFile, "utf8");
  // The real interpreter behind a shim (pyenv, a symbolic link), and its version: both key the environment.
  const [executable, version] = (
    await run(basePython, ["-c", "import sys, venv; print(sys.executable); print(sys.version.split()[0])"])
  )
    .trim()
    .split("\n");
  if (!executable || !version) throw new Error(`${basePython} did not say where it is`);
  const key = createHash("sha256").update(`${executable}\n${version}\n${requirements}`).digest("hex").slice(0, 16);
  const directory = join(options.cacheRoot ?? defaultCacheRoot(), `python-${key}`);
  return { directory, requirementsFile, requirements, executable, version };
}

/**
 * @typedef {{ python: string, torchrun: string, directory: string, created: boolean }} PythonEnvironment
 *   python: the interpreter; torchrun: PyTorch's launcher for data-parallel runs (when torch is
 *   among the requirements); directory: the environment; created: whether this call made it.
 */

/**
 * The environment for the requirements, made first if it is not there yet.
 * @param {EnvironmentOptions} [options]
 * @returns {Promise<PythonEnvironment>}
 */
export async function pythonEnvironment(options = {}) {
  const log = options.log ?? (() => {});
  const { directory, requirementsFile, requirements, executable, version } = await environmentPlace(options);
  const root = dirname(directory);
  const result = (/** @type {boolean} */ created) => ({
    python: interpreterOf(directory),
    torchrun: join(dirname(interpreterOf(directory)), "torchrun"),
    directory,
    created,
  });
  if (complete(directory)) return result(false);

  mkdirSync(root, { recursive: true, mode: 0o700 });
  const lock = `${directory}.lock`;
  if (!(await acquire(lock, () => complete(directory), log))) return result(false);
  // Made in its own place, not renamed into it: pip writes the environment's path into the
  // scripts it installs (torchrun's first line). The marker, written last, is what says it is
  // complete, so a build that dies leaves nothing that looks usable.
  try {
    if (complete(directory)) return result(false);
    rmSync(directory, { recursive: true, force: true }); // one left incomplete (its marker or interpreter missing)
    log(
      `making a Python environment in ${directory} (Python ${version}, ${requirementsFile}); the first time takes minutes`,
    );
    await run(executable, ["-m", "venv", directory]);
    await run(interpreterOf(directory), [
      "-m",
      "pip",
      "install",
      "--retries",
      "0",
      "--timeout",
      "15",
      "--no-input",
      "--disable-pip-version-check",
      "-r",
      requirementsFile,
    ]);
    writeFileSync(
      join(directory, MARKER),
      JSON.stringify({ python: executable, version, requirements, made: new Date().toISOString() }, null, 2) + "\n",
    );
    log(`Python environment ready: ${directory}`);
    return result(true);
  } catch (e) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(
      `could not make the Python environment of ${requirementsFile}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  } finally {
    unlinkSync(lock);
  }
}

// `node tools/python/environment.mjs`: makes the environment if needed and prints its interpreter.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { python } = await pythonEnvironment({ log: (line) => console.error(line) });
  console.log(python);
}
