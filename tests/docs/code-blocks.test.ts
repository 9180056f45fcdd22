/**
 * Every program and command in README.md and docs/ is run or checked by a test. A code block
 * in a language that runs (sh, ts, js, python) says in its info string how (renderers show
 * only the language):
 *
 *     ```sh example=NAME run           one of a document's runnable examples (doc-examples.ts)
 *     ```ts excerpt=NAME               a piece of real output that a test compares
 *     ```sh checked-by=tests/x.test.ts a test of its own runs it (with smaller sizes, say)
 *     ```ts fragment                   part of a program, shown to explain it: not runnable
 *
 * Shell blocks are never fragments. The few commands no test runs are listed below, each with
 * its reason, so that adding one is a decision a reviewer sees.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { codeBlocks } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const documents = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const runnable = new Set(["sh", "bash", "shell", "ts", "typescript", "js", "javascript", "mjs", "python", "py"]);
const shells = new Set(["sh", "bash", "shell"]);

/** Commands shown but not run by the test command, by document and first line, with why. */
const notRun: Record<string, string> = {
  "docs/kernels.md: npm run bench:build && node dist/bench/kernels.js [--quick] [--f32]":
    "npm run bench:build installs the benchmark's peers (about 600 MB); bench/RESULTS.md records its runs",
  "docs/kernels.md: npm run build && node tools/kernel-tiers/measure.mjs [--w4] [--runs N]":
    "a measurement of minutes whose figures the page records; never a pass or fail",
  "docs/scale-out.md: python3 -m venv venv && venv/bin/pip install torch onnx onnxruntime numpy":
    "installs the newest PyTorch from the package index; the tests make the same environment with pinned versions (tools/python/environment.mjs, tests/tools/python-environment.test.ts)",
};

function allTestSources(dir = join(root, "tests")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? allTestSources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [readFileSync(join(dir, entry.name), "utf8")]
        : [],
  );
}
const tests = allTestSources();

describe.each(documents)("%s", (document) => {
  const blocks = codeBlocks(readFileSync(join(root, document), "utf8")).filter((b) => runnable.has(b.info[0] ?? ""));
  const name = document.split("/").pop()!;

  if (blocks.length === 0) return it("shows no program or command", () => expect(blocks).toEqual([]));
  it.each(blocks.map((b) => [b.line, b] as const))("the block at line %i is run or checked by a test", (_, block) => {
    const [language, ...attributes] = block.info;
    const key = `${document}: ${block.code.split("\n")[0]}`;
    if (notRun[key]) return expect(attributes).toEqual([]);
    const how = attributes.find((a) => /^(example|excerpt|checked-by)=/.test(a)) ?? attributes[0];
    expect(how, `${document}:${block.line} says how it is tested`).toBeDefined();
    const [kind, value] = how!.split("=") as [string, string | undefined];
    switch (kind) {
      case "example":
        expect(tests.some((t) => t.includes("docExamples(") && t.includes(name))).toBe(true);
        break;
      case "excerpt":
        expect(tests.some((t) => t.includes(`excerpt=${value}`))).toBe(true);
        break;
      case "checked-by":
        expect(readFileSync(join(root, value!), "utf8")).toContain(name);
        break;
      case "fragment":
        expect(shells.has(language!), `${document}:${block.line}: a shell block is never a fragment`).toBe(false);
        break;
      default:
        throw new Error(`${document}:${block.line}: '${how}' is not example=, excerpt=, checked-by= or fragment`);
    }
  });
});

it("lists only commands the documents still show", () => {
  const shown = new Set(
    documents.flatMap((d) =>
      codeBlocks(readFileSync(join(root, d), "utf8")).map((b) => `${d}: ${b.code.split("\n")[0]}`),
    ),
  );
  expect(Object.keys(notRun).filter((k) => !shown.has(k))).toEqual([]);
});
