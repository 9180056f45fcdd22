/**
 * Before any test file runs: the packages some tests need that are not rnnc's dependencies,
 * each installed once in its folder under tools/ as its lock file pins it (by
 * tools/bench-peers/install.mjs), so that two test files never install one at the same time.
 * - onnxruntime-node, which the tests of `--backend onnxruntime` and docs/scale-out.md load (its
 *   install script would fetch GPU providers; see tools/bench-peers/install.mjs);
 * - the newest TypeScript, whose `tsc --init` project the generated modules must compile in
 *   (tests/codegen/tsc-init.test.ts), beside rnnc's own TypeScript 5.9.
 */
import { spawnSync } from "node:child_process";
import { onnxruntimeNodePackage } from "./onnxruntime-node.js";
import { typescriptLatestPackage } from "./typescript-latest.js";

export default function setup(): void {
  for (const [name, folder] of [
    ["onnxruntime-node", onnxruntimeNodePackage],
    ["the newest TypeScript", typescriptLatestPackage],
  ]) {
    const install = spawnSync(process.execPath, ["tools/bench-peers/install.mjs", folder!], { stdio: "inherit" });
    if (install.status !== 0) throw new Error(`installing ${name} in ${folder} failed`);
  }
}
