/**
 * docs/architecture.md says what the code does: its `rnnc ir --grad` example prints what it
 * shows, and its worked example of a new op is the one tests/compiler/new-op.test.ts runs
 * through the whole pipeline.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { docExamples, linkedExampleProject, runCommands } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = join(root, "docs/architecture.md");
const scratch = mkdtempSync(join(tmpdir(), "rnnc-architecture-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("docs/architecture.md", () => {
  it("prints the backward IR it shows: rnnc ir --grad, run as written", () => {
    const example = docExamples(doc).get("grad")!;
    const project = linkedExampleProject(join(scratch, "grad"), root, example);
    expect(runCommands(example.commands.run!, project)).toBe(example.output);
  });

  it("names files that exist, and functions they export, in its pipeline and its backend recipe", () => {
    const text = readFileSync(doc, "utf8");
    const sections = ["## The pipeline from text to kernels", "## How to add a backend"].map((heading) => {
      const start = text.indexOf(heading);
      expect(start, heading).toBeGreaterThan(0);
      const end = text.indexOf("\n## ", start + heading.length);
      return text.slice(start, end < 0 ? undefined : end);
    });
    for (const section of sections) {
      const paths = [
        ...section.matchAll(/`((?:grammar|compiler|engine|runtime)\/[\w./-]+)`|(tests\/[\w./-]+\.ts)/g),
      ].map((m) => (m[1] ?? m[2])!);
      expect(paths.length).toBeGreaterThan(5);
      for (const path of paths) expect(existsSync(join(root, path)), path).toBe(true);
      // "`file` (`fn`)": the function is the file's.
      for (const m of section.matchAll(/`((?:grammar|compiler|engine)\/[\w/-]+\.ts)` \(`(\w+)`/g))
        expect(readFileSync(join(root, m[1]!), "utf8"), `${m[1]} ${m[2]}`).toMatch(
          new RegExp(`export (async )?function ${m[2]}\\b`),
        );
    }
  });

  it("adds the op that tests/compiler/new-op.test.ts adds, declaration for declaration", () => {
    const declaration = (text: string) => /registerOp\(\{\n[^]*?\n\}\);\n/.exec(text)?.[0];
    const shown = declaration(readFileSync(doc, "utf8"));
    expect(shown).toBeDefined();
    expect(shown).toBe(declaration(readFileSync(join(root, "tests/compiler/new-op.test.ts"), "utf8")));
  });
});
