/**
 * A `--standalone` module's runtime: the sources of runtime/ that declare the names it uses,
 * from an index of them (runtime-index.ts). Apart from reading the index (runtime-source.ts,
 * which needs the file system), so that the playground inlines from an index bundled with it.
 */
import type { RuntimeIndex } from "./runtime-index.js";

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
  return [
    "// rnnc's runtime (runtime/), inlined by --standalone: each file after the files it imports.",
    ...order.map((file) => `// runtime/${file}\n${index.files[file]!.text.trim()}`),
  ].join("\n\n");
}
