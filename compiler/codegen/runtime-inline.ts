/**
 * A `--standalone` module's runtime: the sources of runtime/ that declare the names it uses,
 * from an index of them (runtime-index.ts). Apart from reading the index (runtime-source.ts,
 * which needs the file system), so that the playground inlines from an index bundled with it.
 */
import type { RuntimeIndex, RuntimeStatement } from "./runtime-index.js";

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
