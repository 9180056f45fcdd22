/**
 * Generated modules loaded into this process (`--backend compiled`): compiled standalone,
 * written once as JavaScript to a cache directory under the hash of their TypeScript, imported.
 * Only a cache miss transpiles (and so loads TypeScript).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { IrModel } from "../compiler/ir/ir.js";
import type { GeneratedModule } from "../runtime/generated-module.js";
import { writeAtomic } from "./io/atomic-write.js";
import { compileModule, transpile } from "../compiler/codegen/compile.js";
import { defaultKernelTier, type KernelTier } from "../compiler/codegen/kernel-tier.js";

const loaded = new Map<string, Promise<GeneratedModule>>();
/** Where each loaded module's file is, for worker threads that load the same module. */
const urls = new WeakMap<GeneratedModule, string>();

export function cacheDirectory(): string {
  return process.env["RNNC_CACHE_DIR"] ?? join(tmpdir(), "rnnc-cache");
}

/** `kernels`: the tier the module is compiled for (--kernels); standalone, the wasm tier is inlined too. */
export async function loadCompiledModule(
  ir: IrModel,
  dtype: "f64" | "f32" = "f64",
  unrollSteps?: number,
  kernels: KernelTier = defaultKernelTier,
): Promise<GeneratedModule> {
  const typescript = await compileModule(ir, {
    emit: "ts",
    dtype,
    standalone: true,
    kernels,
    sourceName: `${ir.name}.rnn`,
    format: false,
    unrollSteps,
  });
  // The text differs between tiers (and dtypes, unrolling, models), so its hash keys the cache by all of them.
  const hash = createHash("sha256").update(typescript).digest("hex").slice(0, 24);
  let module = loaded.get(hash);
  if (!module) {
    module = writeOnce(join(cacheDirectory(), `${hash}.mjs`), typescript).then(async (file) => {
      const url = pathToFileURL(file).href;
      const exports = (await import(url)) as GeneratedModule;
      urls.set(exports, url);
      return exports;
    });
    loaded.set(hash, module);
  }
  return module;
}

/** The URL a module returned by `loadCompiledModule` was imported from. */
export function compiledModuleUrl(module: GeneratedModule): string {
  const url = urls.get(module);
  if (!url) throw new Error("not a module loaded by loadCompiledModule");
  return url;
}

/** The module as JavaScript at `file`, transpiled and written unless an earlier run did. */
async function writeOnce(file: string, typescript: string): Promise<string> {
  if (existsSync(file)) return file;
  const javascript = await transpile(typescript);
  mkdirSync(dirname(file), { recursive: true });
  // Whole or not at all: a concurrent reader sees the whole file or none.
  writeAtomic(file, javascript);
  return file;
}
