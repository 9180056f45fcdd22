// @ts-check
/**
 * Installs the benchmark's peers (bench/package.json: TensorFlow.js, brain.js,
 * onnxruntime-node) into bench/node_modules as bench/package-lock.json pins them, unless they
 * are installed already. `npm run bench` runs it first; rnnc's own `npm ci` installs none of
 * them (about 580 MB).
 *
 * onnxruntime-node's install script would download its CUDA providers from NuGet, which the
 * CPU benchmark never loads: ONNXRUNTIME_NODE_INSTALL=skip keeps it to the CPU build its
 * package ships.
 *
 * DIR installs another package of the repository that keeps its own lock file the same way
 * (tools/onnxruntime-node for the tests, editors/vscode for `npm run package:vscode`).
 *
 *     node tools/bench-peers/install.mjs [DIR]     DIR: the package to install (default bench/)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bench = join(process.argv[2] ?? fileURLToPath(new URL("../../bench/", import.meta.url)), "/");

/** The version of the package installed at `path` (node_modules/…), or undefined. */
function installedVersion(path) {
  const manifest = `${bench}${path}/package.json`;
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, "utf8")).version : undefined;
}

// Each package as the lock file has it, read from the package itself: npm's own record of what
// it installed (node_modules/.package-lock.json) is rewritten by `npm install --package-lock-only`.
const { packages } = JSON.parse(readFileSync(`${bench}package-lock.json`, "utf8"));
const current = Object.entries(packages).every(([path, locked]) => {
  if (path === "" || locked.link) return true;
  const version = installedVersion(path);
  // An optional package (one for another platform) may be missing.
  return version === locked.version || (locked.optional && version === undefined);
});

if (!current) {
  console.error(`installing the packages ${bench}package-lock.json pins: npm ci --prefix ${bench} …`);
  const npm = spawnSync("npm", ["ci", "--prefix", bench, "--no-audit", "--no-fund"], {
    stdio: "inherit",
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" },
    shell: process.platform === "win32",
  });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
}
