/**
 * docs/architecture.md says what the code does: its `rnnc ir --grad` example prints what it
 * shows, and its worked example of a new op is the one tests/compiler/new-op.test.ts runs
 * through the whole pipeline.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
    const project = linkedExampleProject(join(scratch, "grad"), example, root);
    expect(runCommands(example.commands.run!, project)).toBe(example.output);
  });

  it("adds the op that tests/compiler/new-op.test.ts adds, declaration for declaration", () => {
    const declaration = (text: string) => /registerOp\(\{\n[^]*?\n\}\);\n/.exec(text)?.[0];
    const shown = declaration(readFileSync(doc, "utf8"));
    expect(shown).toBeDefined();
    expect(shown).toBe(declaration(readFileSync(join(root, "tests/compiler/new-op.test.ts"), "utf8")));
  });
});
