/**
 * The part of rnnc's runtime a `--standalone` module needs, as source text it inlines so that
 * it imports nothing: the files of runtime/ that declare the names the module would import
 * from rnnc/runtime, and every file those import, each after the files it imports. The `.ts`
 * files under runtime/ ship with the package and are the one definition (runtime-index.ts
 * reads them with TypeScript's parser).
 *
 * TypeScript takes about half a second to load, and the compiled backend compiles a
 * standalone module on every run: `npm run build` reads the runtime once and writes the index
 * beside this file (dist/compiler/codegen/runtime-index.json), and the installed compiler
 * reads that. Without it (running from the sources) the index is built on first use.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildRuntimeIndex, type RuntimeIndex } from "./runtime-index.js";

export { inlineRuntime } from "./runtime-inline.js";

const builtIndex = new URL("./runtime-index.json", import.meta.url);

/** runtime/, from compiler/codegen in the sources or dist/compiler/codegen once built. */
export function runtimeDirectory(): string {
  for (const up of ["../../runtime/", "../../../runtime/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}index.ts`)) return dir;
  }
  throw new Error("internal error: the runtime sources are missing from the installation");
}

let installed: Promise<RuntimeIndex> | undefined;

/** The index of the runtime in `dir`, or of the installation's runtime: as built, or read now. */
export function runtimeIndex(dir?: string): Promise<RuntimeIndex> {
  if (dir !== undefined) return buildRuntimeIndex(dir);
  installed ??= existsSync(builtIndex)
    ? Promise.resolve(JSON.parse(readFileSync(builtIndex, "utf8")) as RuntimeIndex)
    : buildRuntimeIndex(runtimeDirectory());
  return installed;
}

/** Writes the index of the installation's runtime beside this file (`npm run build`, after tsc). */
export async function writeRuntimeIndex(): Promise<void> {
  writeFileSync(builtIndex, JSON.stringify(await buildRuntimeIndex(runtimeDirectory())));
}
