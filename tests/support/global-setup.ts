/**
 * Before any test file runs, what some tests need from outside rnnc's own install, installed
 * once here rather than in the tests, so that two test files never install it at the same time:
 *
 * - Debian's Chromium, which the playground's tests drive (tools/chromium/install.mjs installs
 *   it when missing);
 * - packages that are not rnnc's dependencies, each in its folder under tools/ as its lock file
 *   pins it (by tools/bench-peers/install.mjs): onnxruntime-node, which the tests of
 *   `--backend onnxruntime` and docs/scale-out.md load (its install script would fetch GPU
 *   providers), and the newest TypeScript, whose `tsc --init` project the generated modules
 *   must compile in (tests/codegen/tsc-init.test.ts), beside rnnc's own TypeScript 5.9;
 * - Debian's packages, installed with apt-get when missing: Neovim (0.7.2 on Debian 12), which
 *   tests/editors/neovim.test.ts runs the recipes of docs/editors.md in, and GNU time, the
 *   `/usr/bin/time -v` of docs/reliability.md's measurement that tests/docs/reliability.test.ts runs.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { onnxruntimeNodePackage } from "./onnxruntime-node.js";
import { typescriptLatestPackage } from "./typescript-latest.js";
import { ensureChromium } from "../../tools/chromium/install.mjs";

export default function setup(): void {
  ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
  installPinnedPackages();
  installDebianPackage("neovim", () => spawnSync("nvim", ["--version"]).status === 0, "tests/editors/neovim.test.ts");
  installDebianPackage("time", () => existsSync("/usr/bin/time"), "tests/docs/reliability.test.ts (/usr/bin/time -v)");
}

function installPinnedPackages(): void {
  for (const [name, folder] of [
    ["onnxruntime-node", onnxruntimeNodePackage],
    ["the newest TypeScript", typescriptLatestPackage],
  ]) {
    const install = spawnSync(process.execPath, ["tools/bench-peers/install.mjs", folder!], { stdio: "inherit" });
    if (install.status !== 0) throw new Error(`installing ${name} in ${folder} failed`);
  }
}

/**
 * A Debian package some tests run, installed with apt-get when missing (the tests run as root in
 * CI); a failure to install it fails the run rather than skipping those tests.
 */
function installDebianPackage(name: string, present: () => boolean, neededBy: string): void {
  if (present()) return;
  console.error(`installing Debian's ${name} for ${neededBy}: apt-get install -y ${name} …`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", name]]) {
    const apt = spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", ...args], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (apt.status !== 0)
      throw new Error(
        `apt-get ${args.join(" ")} failed (${apt.error?.message ?? `exit ${apt.status}`}): ${neededBy} needs ${name}`,
      );
  }
}
