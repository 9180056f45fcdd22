/**
 * The libraries the benchmark measures rnnc against (TensorFlow.js, brain.js,
 * onnxruntime-node) are not rnnc's dependencies: they are those of the bench package
 * (bench/package.json, with its own lock file), installed into bench/node_modules by
 * `npm run bench` (tools/bench-peers/install.mjs). The benchmark runs compiled, from dist/bench/,
 * where Node would not look in bench/node_modules, so they are resolved from there.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const manifest = new URL("../../bench/package.json", import.meta.url);
const fromBench = createRequire(manifest);

/** The peer packages, as bench/package.json lists them. */
export const peerPackages: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(manifest, "utf8")) as { dependencies: Record<string, string> }).dependencies,
);

/** The peer package `name`, imported from bench/node_modules. */
export async function importPeer<T>(name: string): Promise<T> {
  let entry: string;
  try {
    entry = fromBench.resolve(name);
  } catch {
    throw new Error(`${name} is not installed in bench/node_modules: npm run bench installs the peers`);
  }
  return (await import(pathToFileURL(entry).href)) as T;
}

/** The installed version of the peer package `name`, or null when it is not installed. */
export function peerVersion(name: string): string | null {
  try {
    return (fromBench(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}
