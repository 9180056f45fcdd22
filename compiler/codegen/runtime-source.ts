/**
 * The runtime's kernels as source text, for `--standalone` modules that import nothing.
 * The `.ts` files under runtime/kernels ship with the package and are the one definition:
 * they are read, their imports dropped and their exports made local.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const files = ["matmul.ts", "onehot.ts"];

/** runtime/kernels, from compiler/codegen in the sources or dist/compiler/codegen once built. */
function kernelsDirectory(): string {
  for (const up of ["../../runtime/kernels/", "../../../runtime/kernels/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}${files[0]}`)) return dir;
  }
  throw new Error("internal error: the runtime kernel sources are missing from the installation");
}

export function inlineKernelSource(): string {
  const dir = kernelsDirectory();
  const bodies = files.map((f) =>
    readFileSync(`${dir}${f}`, "utf8")
      .split("\n")
      .filter((line) => !/^import\s/.test(line))
      .join("\n")
      .replace(/^export (function|const) /gm, "$1 "),
  );
  return ["// Kernels from rnnc's runtime (runtime/kernels), inlined by --standalone.", "type FloatArray = Float64Array | Float32Array;", ...bodies].join("\n");
}
