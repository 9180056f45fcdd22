/**
 * The catalogue of diagnostic codes is the one list: docs/diagnostics.md explains exactly its
 * codes, under their titles and in its order, and every code in it is one rnnc can emit.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnosticCodes } from "../../grammar/diagnostic-codes.js";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return sources(path);
    return f.endsWith(".ts") ? [path] : [];
  });
}

describe("the diagnostic catalogue", () => {
  it("is what docs/diagnostics.md explains: one section per code, headed by its code and title, in order", () => {
    const doc = readFileSync("docs/diagnostics.md", "utf8");
    const headings = [...doc.matchAll(/^### ((?:[EW]|LSP)\d{3}) (.*)$/gm)].map((m) => [m[1]!, m[2]!.replace(/`/g, "")]);
    expect(headings).toEqual(Object.entries(diagnosticCodes).map(([code, { title }]) => [code, title]));
  });

  it("holds only codes that rnnc emits", () => {
    const text = [...sources("grammar"), ...sources("compiler")]
      .filter((f) => !f.endsWith("diagnostic-codes.ts"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unused = Object.keys(diagnosticCodes).filter((code) => !text.includes(`"${code}"`));
    expect(unused).toEqual([]);
  });
});
