// @ts-check
/**
 * The Python that rnnc's tests and benchmark run PyTorch and ONNX Runtime with: a virtual
 * environment holding the packages of requirements.txt (beside this file), made once with
 * `python3 -m venv` and pip from the package index, and kept in the user's cache under the
 * hash of the requirements, so a change to them makes a new one and `npm ci` keeps it.
 *
 *   ${RNNC_PYTHON_ENVS:-${XDG_CACHE_HOME:-~/.cache}/rnnc-python}/<hash>/bin/python
 *
 * (beside rnnc's module cache, not in it: that directory is kept private and holds only modules)
 *
 * Making one takes a few minutes (PyTorch is large); processes that ask at the same time
 * wait for the one that makes it (a lock directory beside it), and an attempt that failed
 * or was killed leaves nothing that passes for a finished environment (the `ready` file is
 * written last). RNNC_PYTHON names the interpreter the environment is made from (default
 * python3). `node tools/python/environment.mjs` makes it and prints where it is.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const requirementsFile = fileURLToPath(new URL("./requirements.txt", import.meta.url)).replace(
  /([\\/])dist\1tools\1/,
  "$1tools$1",
);

/**
 * @typedef {object} PythonEnvironment
 * @property {string} dir the environment's directory
 * @property {string} python its interpreter
 * @property {string} torchrun PyTorch's launcher for data-parallel runs
 */

/** Where the environment for the current requirements lives (made or not). */
export function pythonEnvironmentDir() {
  const requirements = readFileSync(requirementsFile);
  const hash = createHash("sha256").update(requirements).digest("hex").slice(0, 16);
  const cache = process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(process.env["RNNC_PYTHON_ENVS"] || join(cache, "rnnc-python"), hash);
}

/**
 * The environment, made first if need be. `log` hears what takes time (making it, waiting
 * for another process making it).
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<PythonEnvironment>}
 */
export async function pythonEnvironment(options = {}) {
  const log = options.log ?? (() => {});
  const dir = pythonEnvironmentDir();
  const found = { dir, python: join(dir, "bin", "python"), torchrun: join(dir, "bin", "torchrun") };
  const ready = join(dir, "ready");
  const lock = `${dir}.lock`;
  let waiting = false;
  for (;;) {
    if (existsSync(ready)) return found;
    if (takeLock(lock)) break;
    if (!waiting) log(`waiting for another process to make the Python environment in ${dir}`);
    waiting = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  try {
    if (existsSync(ready)) return found;
    rmSync(dir, { recursive: true, force: true });
    const base = process.env["RNNC_PYTHON"] || "python3";
    log(`making the Python environment in ${dir} (${base} -m venv, pip install -r ${requirementsFile}; minutes)`);
    await run(base, ["-m", "venv", dir], log);
    await run(found.python, ["-m", "pip", "install", "--retries", "0", "-r", requirementsFile], log);
    writeFileSync(ready, `${new Date().toISOString()}\n`);
    return found;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Takes the lock directory, or clears it when the process that holds it is gone and says to try again.
 * @param {string} lock
 */
function takeLock(lock) {
  mkdirSync(join(lock, ".."), { recursive: true });
  try {
    mkdirSync(lock);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== "EEXIST") throw e;
    const holder = Number(readFileOr(join(lock, "pid"), ""));
    if (holder > 0 && !isRunning(holder)) rmSync(lock, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(lock, "pid"), String(process.pid));
  return true;
}

/** @param {string} path @param {string} fallback */
function readFileOr(path, fallback) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** @param {number} pid */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === "EPERM";
  }
}

/**
 * Runs a command to completion, its output kept for the error if it fails.
 * @param {string} command @param {string[]} args @param {(line: string) => void} log
 * @returns {Promise<void>}
 */
function run(command, args, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (/** @type {Buffer} */ chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => reject(new Error(`cannot run ${command}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) return resolve();
      log(output);
      reject(new Error(`${command} ${args.join(" ")} failed (exit status ${code}):\n${output}`));
    });
  });
}

// As a command (`node tools/python/environment.mjs`): makes the environment if need be and prints its directory.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const env = await pythonEnvironment({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${env.dir}\n`);
}
