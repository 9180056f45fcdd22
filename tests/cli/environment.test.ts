/** `rnnc help` names every environment variable rnnc reads (what each does is tested where it acts). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The variables the sources of rnnc's layers read (process.env["NAME"]). */
function variablesRead(): string[] {
  const names = new Set<string>();
  for (const layer of ["grammar", "compiler", "engine", "runtime", "bin"])
    for (const file of readdirSync(join(root, layer), { recursive: true, encoding: "utf8" }))
      if (/\.(ts|js|mjs)$/.test(file))
        for (const m of readFileSync(join(root, layer, file), "utf8").matchAll(/process\.env\["([A-Z_]+)"\]/g))
          names.add(m[1]!);
  return [...names].sort();
}

describe("rnnc help's environment variables", () => {
  it("names every variable the sources read", async () => {
    const help = (await rnnc("help")).out;
    const section = help.slice(help.indexOf("Environment variables:"));
    expect(variablesRead()).toContain("RNNC_MEMORY_LIMIT");
    for (const name of variablesRead()) expect(section, name).toContain(name);
  });
});
