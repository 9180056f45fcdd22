/**
 * Generated modules loaded into this process (`--backend compiled`): compiled standalone to
 * JavaScript, written once to a cache directory under the hash of their text, imported.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { IrModel } from "../ir/ir.js";
import type { GeneratedModule } from "../../runtime/compiled-backend.js";
import { compileModule } from "./compile.js";

const loaded = new Map<string, Promise<GeneratedModule>>();

export function cacheDirectory(): string {
  return process.env["RNNC_CACHE_DIR"] ?? join(tmpdir(), "rnnc-cache");
}

export async function loadCompiledModule(ir: IrModel, dtype: "f64" | "f32" = "f64"): Promise<GeneratedModule> {
  const javascript = await compileModule(ir, { emit: "js", dtype, standalone: true, sourceName: `${ir.name}.rnn`, format: false });
  const hash = createHash("sha256").update(javascript).digest("hex").slice(0, 24);
  let module = loaded.get(hash);
  if (!module) {
    const dir = cacheDirectory();
    const file = join(dir, `${hash}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, javascript);
      renameSync(temporary, file);
    }
    module = import(pathToFileURL(file).href) as Promise<GeneratedModule>;
    loaded.set(hash, module);
  }
  return module;
}
