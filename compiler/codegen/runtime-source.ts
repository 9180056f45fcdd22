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
import { buildRuntimeIndex, type RuntimeIndex, type RuntimeStatement } from "./runtime-index.js";

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

/** The source declaring `names` (as exported by rnnc/runtime) and all it depends on, in dependency order. */
export function inlineRuntime(index: RuntimeIndex, names: readonly string[]): string {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dependency of index.files[file]!.imports) visit(dependency);
    order.push(file);
  };
  for (const name of names) {
    if (!Object.hasOwn(index.exports, name)) throw new Error(`internal error: rnnc/runtime exports no ${name}`);
    visit(index.exports[name]!);
  }
  const declaredIn = new Map<string, string>();
  for (const file of order) {
    const { external, declares } = index.files[file]!;
    if (external.length > 0)
      throw new Error(
        `internal error: runtime/${file} imports ${external.join(", ")}, which --standalone cannot inline`,
      );
    for (const name of declares) {
      const other = declaredIn.get(name);
      if (other !== undefined && other !== file)
        throw new Error(
          `internal error: runtime/${other} and runtime/${file} both declare ${name}: inlined, they clash`,
        );
      declaredIn.set(name, file);
    }
  }
  const needed = neededStatements(index, names);
  return [
    "// rnnc's runtime (runtime/), inlined by --standalone: each file after the files it imports, with what the module uses.",
    ...order.flatMap((file) => {
      const { header, statements } = index.files[file]!;
      const kept = statements.filter((s) => needed.has(s));
      return kept.length === 0 ? [] : [`// runtime/${file}\n${(header + kept.map((s) => s.text).join("")).trim()}`];
    }),
  ].join("\n\n");
}

/**
 * The statements the module needs: those declaring `names`, and those declaring what a needed statement refers to (in
 * its own file, else in a file it imports), so that the module declares nothing it leaves unused. A statement that
 * declares nothing is kept with its file.
 */
function neededStatements(index: RuntimeIndex, names: readonly string[]): Set<RuntimeStatement> {
  const declaring = (file: string, name: string) =>
    index.files[file]!.statements.find((s) => s.declares.includes(name));
  const needed = new Set<RuntimeStatement>();
  const pending: [string, RuntimeStatement][] = [];
  const need = (file: string, statement: RuntimeStatement | undefined) => {
    if (!statement || needed.has(statement)) return;
    needed.add(statement);
    pending.push([file, statement]);
  };
  for (const name of names) need(index.exports[name]!, declaring(index.exports[name]!, name));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [file, statement] = next;
    for (const s of index.files[file]!.statements) if (s.declares.length === 0) need(file, s);
    for (const name of statement.references) {
      const { declares, imports } = index.files[file]!;
      const from = declares.includes(name) ? file : imports.find((f) => index.files[f]!.declares.includes(name));
      if (from !== undefined) need(from, declaring(from, name));
    }
  }
  return needed;
}
