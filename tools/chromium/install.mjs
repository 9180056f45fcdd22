// @ts-check
/**
 * The browser the playground's tests drive: Debian's Chromium at /usr/bin/chromium, installed
 * with apt-get when it is missing (the machines are Debian and the tests run as root), never a
 * browser downloaded from anywhere else. tests/support/global-setup.ts calls it once before
 * any test file runs; `node tools/chromium/install.mjs` does the same and prints the path.
 * Where it cannot be installed, this fails with what to run: the browser tests never skip.
 * What it asks of the machine can be given, so that the install path is tested on a machine
 * that has Chromium already (tests/tools/chromium-install.test.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const chromiumPath = "/usr/bin/chromium";

const fix = "install Debian's Chromium (apt-get install chromium) as root";

/** apt-get's arguments for each step of the install; waiting for a lock another apt-get holds rather than failing. */
export const aptSteps = [
  ["-o", "DPkg::Lock::Timeout=600", "update"],
  ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends", "chromium"],
];

/**
 * @typedef {object} System what ensureChromium asks of the machine (the tests give their own)
 * @property {(path: string) => boolean} exists
 * @property {() => boolean} isRoot
 * @property {(args: string[]) => { status: number | null, error?: Error }} aptGet runs apt-get non-interactively
 */

/** @type {System} */
const thisMachine = {
  exists: existsSync,
  isRoot: () => typeof process.getuid === "function" && process.getuid() === 0,
  aptGet: (args) =>
    spawnSync("apt-get", args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }),
};

/**
 * Chromium's path, installed first when it is missing (an Error that says what to run when it cannot be).
 * @param {(line: string) => void} log
 * @param {System} system
 */
export function ensureChromium(log = () => {}, system = thisMachine) {
  if (system.exists(chromiumPath)) {
    log(`${chromiumPath} is installed: nothing to do`);
    return chromiumPath;
  }
  if (!system.isRoot()) throw new Error(`${chromiumPath} is missing and only root can install it: ${fix}`);
  for (const args of aptSteps) {
    log(`apt-get ${args.join(" ")}`);
    const r = system.aptGet(args);
    if (r.error || r.status !== 0)
      throw new Error(`apt-get ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}): ${fix}`);
  }
  if (!system.exists(chromiumPath)) throw new Error(`apt-get installed chromium, but ${chromiumPath} is not there`);
  return chromiumPath;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.stdout.write(`${ensureChromium((line) => process.stderr.write(`${line}\n`))}\n`);
