/**
 * Generated modules loaded into this process (`--backend compiled`): compiled standalone,
 * transpiled to JavaScript once and kept in a per-user cache directory under the hash of
 * their TypeScript. Only a cache miss transpiles (and so loads sucrase; neither TypeScript
 * nor Prettier is needed).
 *
 * The cache holds code this process runs, so it is trusted only as far as nobody else can
 * write it: the directory is this user's, 0700, checked on every use (privateDirectory). Each
 * entry ends with a line holding the SHA-256 of its key and JavaScript; an entry is read,
 * verified, and those same verified bytes are imported (as a data: URL naming the file as its
 * source, so stack traces point into it), so nothing can change between the check and the
 * use. An entry that fails the check (truncated, damaged, from another key) is transpiled
 * again and rewritten.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { IrModel } from "../compiler/ir/ir.js";
import type { GeneratedModule } from "../runtime/generated-module.js";
import { writeAtomic } from "./io/atomic-write.js";
import { privateDirectory } from "./io/directories.js";
import { errnoCode, fileError } from "./io/file-error.js";
import { compileModule, transpile } from "../compiler/codegen/compile.js";
import { defaultKernelTier, type KernelTier } from "../compiler/codegen/kernel-tier.js";

const loaded = new Map<string, Promise<GeneratedModule>>();
/** The URL each loaded module was imported from, for worker threads that load the same module. */
const urls = new WeakMap<GeneratedModule, string>();

/** The last line of an entry: this prefix, then the SHA-256 of the entry's key and body (the lines before it). */
const TRAILER = "// rnnc module cache entry, sha256 of key and body: ";

/**
 * Where compiled modules are kept: $RNNC_CACHE_DIR when set; else $XDG_CACHE_HOME/rnnc,
 * ~/.cache/rnnc, or, without a home directory, a directory in the system's temporary
 * directory named with the user id.
 */
export function cacheDirectory(): string {
  const chosen = process.env["RNNC_CACHE_DIR"];
  if (chosen) return chosen;
  const xdg = process.env["XDG_CACHE_HOME"];
  if (xdg && isAbsolute(xdg)) return join(xdg, "rnnc");
  const home = homeDirectory();
  return home ? join(home, ".cache", "rnnc") : temporaryCacheDirectory();
}

function homeDirectory(): string | undefined {
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

function temporaryCacheDirectory(): string {
  return join(tmpdir(), `rnnc-cache-${process.getuid?.() ?? "user"}`);
}

/**
 * The cache directory, made private and checked. The default place falls back to the
 * temporary one when it cannot be made (a read-only or missing home directory); a directory
 * that is there but not to be trusted is an error, never silently replaced by another.
 */
function readyCacheDirectory(): string {
  const dir = cacheDirectory();
  const chosen = Boolean(process.env["RNNC_CACHE_DIR"]);
  const advice = chosen
    ? "set RNNC_CACHE_DIR to a directory only you can write"
    : "remove it, or set RNNC_CACHE_DIR to a directory only you can write";
  try {
    privateDirectory(dir, { rebuild: !chosen, advice });
    return dir;
  } catch (e) {
    const fallback = temporaryCacheDirectory();
    if (chosen || dir === fallback || !isCreationFailure(e)) throw e;
    privateDirectory(fallback, { rebuild: true, advice });
    return fallback;
  }
}

function isCreationFailure(e: unknown): boolean {
  return ["EACCES", "EROFS", "ENOENT", "ENOTDIR", "EPERM"].includes(errnoCode(e) ?? "");
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
  const key = createHash("sha256").update(typescript).digest("hex").slice(0, 24);
  let module = loaded.get(key);
  if (!module) {
    module = loadEntry(key, typescript);
    loaded.set(key, module);
    module.catch(() => loaded.delete(key));
  }
  return module;
}

/** The URL a module returned by `loadCompiledModule` was imported from (a data: URL of its verified JavaScript). */
export function compiledModuleUrl(module: GeneratedModule): string {
  const url = urls.get(module);
  if (!url) throw new Error("not a module loaded by loadCompiledModule");
  return url;
}

async function loadEntry(key: string, typescript: string): Promise<GeneratedModule> {
  const file = join(readyCacheDirectory(), `${key}.mjs`);
  const cached = readVerifiedEntry(file, key);
  if (cached !== undefined) {
    try {
      return await importJavaScript(cached, file);
    } catch {
      // Verified but not loadable (written by an rnnc whose transpiler erred): made again below.
    }
  }
  const javascript = await transpile(typescript);
  writeAtomic(file, entryText(key, javascript));
  return importJavaScript(javascript, file);
}

function digest(key: string, body: string): string {
  return createHash("sha256").update(key).update("\n").update(body).digest("hex");
}

function entryText(key: string, body: string): string {
  return `${body}\n${TRAILER}${digest(key, body)}\n`;
}

/** The entry's JavaScript when the file holds a whole entry for this key; undefined when it is missing or fails the check. */
export function readVerifiedEntry(file: string, key: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw fileError(`cannot read the compiled module '${file}'`, e);
  }
  const trailer = text.lastIndexOf(`\n${TRAILER}`);
  if (trailer < 0 || !text.endsWith("\n")) return undefined;
  const body = text.slice(0, trailer);
  return text.slice(trailer + 1 + TRAILER.length, -1) === digest(key, body) ? body : undefined;
}

async function importJavaScript(javascript: string, file: string): Promise<GeneratedModule> {
  const source = `${javascript}\n//# sourceURL=${pathToFileURL(file).href}\n`;
  const url = `data:text/javascript;base64,${Buffer.from(source, "utf8").toString("base64")}`;
  const exports = (await import(url)) as GeneratedModule;
  urls.set(exports, url);
  return exports;
}
