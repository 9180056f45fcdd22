/**
 * Before any test file runs: Debian's Chromium, which the playground's tests drive
 * (tools/chromium/install.mjs installs it when missing), and onnxruntime-node, which the
 * tests of `--backend onnxruntime` and docs/scale-out.md load, installed once in tools/onnxruntime-node as its lock file pins it
 * (not one of rnnc's dependencies, and its install script would fetch GPU providers; see
 * tools/bench-peers/install.mjs). Done here rather than in the tests so that two test files
 * never install either at the same time.
 */
import { spawnSync } from "node:child_process";
import { onnxruntimeNodePackage } from "./onnxruntime-node.js";
import { ensureChromium } from "../../tools/chromium/install.mjs";

export default function setup(): void {
  ensureChromium((line) => process.stderr.write(`[chromium] ${line}\n`));
  const install = spawnSync(process.execPath, ["tools/bench-peers/install.mjs", onnxruntimeNodePackage], {
    stdio: "inherit",
  });
  if (install.status !== 0) throw new Error(`installing onnxruntime-node in ${onnxruntimeNodePackage} failed`);
}
