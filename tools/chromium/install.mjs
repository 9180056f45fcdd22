// @ts-check
/**
 * The browser the playground's tests drive: Debian's Chromium at /usr/bin/chromium, installed
 * with apt-get when it is missing (the machines are Debian and the tests run as root), never a
 * browser downloaded from anywhere else. tests/support/global-setup.ts calls it once before
 * any test file runs; `node tools/chromium/install.mjs` does the same and prints the path.
 * Where it cannot be installed, this fails with what to run: the browser tests never skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const chromiumPath = "/usr/bin/chromium";

/** @param {(line: string) => void} log */
export function ensureChromium(log = () => {}) {
  if (existsSync(chromiumPath)) return chromiumPath;
  const fix = "install Debian's Chromium (apt-get install chromium) as root";
  if (typeof process.getuid !== "function" || process.getuid() !== 0)
    throw new Error(`${chromiumPath} is missing and only root can install it: ${fix}`);
  /** @param {string[]} args */
  const apt = (args) => {
    log(`apt-get ${args.join(" ")}`);
    const r = spawnSync("apt-get", args, {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (r.error || r.status !== 0)
      throw new Error(`apt-get ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}): ${fix}`);
  };
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", "chromium"]);
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium, but ${chromiumPath} is not there`);
  return chromiumPath;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.stdout.write(`${ensureChromium((line) => process.stderr.write(`${line}\n`))}\n`);
