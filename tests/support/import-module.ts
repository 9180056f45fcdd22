/**
 * Generated modules imported as a program imports them, from their text: a `--standalone`
 * module as it is, and a module importing `rnnc/runtime` with that import pointed at this
 * checkout's runtime sources (what the package's `rnnc/runtime` export is built from).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export class ModuleDirectory {
  private readonly dir = mkdtempSync(join(tmpdir(), "rnnc-modules-"));
  private count = 0;

  /** Imports `text` (TypeScript or JavaScript) as a module of its own. */
  async import<Module>(text: string, emit: "ts" | "js"): Promise<Module> {
    const file = join(this.dir, `module-${this.count++}.${emit === "ts" ? "ts" : "mjs"}`);
    const runtime = JSON.stringify(resolve("runtime/index.ts"));
    writeFileSync(file, text.replace(/from "rnnc\/runtime";/, `from ${runtime};`));
    return (await import(file)) as Module;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
