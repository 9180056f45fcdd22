/**
 * The part of rnnc's runtime a generated module uses, as source text, for `--standalone`
 * modules that import nothing: the kernels, and the random generator and initialisers of
 * `initialiseParameters`. The `.ts` files under runtime/ ship with the package and are the
 * one definition: they are read, their imports dropped and their exports made local.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { KernelTier } from "./kernel-tier.js";

/** In dependency order, relative to runtime/. */
const files = ["kernels/matmul.ts", "kernels/activate-rows.ts", "kernels/onehot.ts", "rng.ts", "qr.ts", "init.ts"];
/** The WebAssembly tier (kernels-wasm.ts is the binary as base64, about 22 kB of text), for `--kernels wasm|auto`. */
const wasmFiles = [
  "kernels/wasm/kernels-wasm.ts",
  "kernels/wasm/module.ts",
  "kernels/wasm/generated.ts",
  "kernels/wasm/arena.ts",
  "kernels/wasm/matmul.ts",
];
/** What runtime/kernels/wasm/index.ts adds: the JavaScript tier behind the same interface. */
const jsKernelsObject =
  "const jsMatmulKernels: MatmulKernels = Object.freeze({ matmulBatch, matmulBatchBackwardInput, matmulBatchBackwardWeight, activateRows });";

/** runtime/, from compiler/codegen in the sources or dist/compiler/codegen once built. */
function runtimeDirectory(): string {
  for (const up of ["../../runtime/", "../../../runtime/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}${files[0]}`)) return dir;
  }
  throw new Error("internal error: the runtime sources are missing from the installation");
}

export function inlineRuntimeSource(kernels: KernelTier): string {
  const dir = runtimeDirectory();
  const wasm = kernels !== "js";
  const bodies = [...files, ...(wasm ? wasmFiles : [])].map((f) =>
    readFileSync(`${dir}${f}`, "utf8")
      .split("\n")
      .filter((line) => !/^import\s/.test(line))
      .join("\n")
      .replace(/^export (function|const|class|interface|type) /gm, "$1 "),
  );
  return [
    "// From rnnc's runtime (runtime/), inlined by --standalone.",
    "type FloatArray = Float64Array | Float32Array;",
    ...bodies,
    ...(wasm ? [jsKernelsObject] : []),
  ].join("\n");
}
