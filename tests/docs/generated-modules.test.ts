/**
 * docs/generated-modules.md runs as written. Its examples' files are written into fresh
 * projects, their commands run there, and the programs print what the document shows:
 *
 * - quickstart: in a project whose `rnnc` is this checkout (linked, as `npm link` would;
 *   TypeScript linked the same way), `npx rnnc compile`, `npx tsc` and `node train.js` train
 *   the model, and the loss falls;
 * - standalone: the module compiled there with --standalone, copied into a project with
 *   nothing installed, trains in plain JavaScript.
 *
 * tests/e2e/pack.test.ts runs the same examples against the tarball `npm pack` makes.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  docExamples,
  linkedExampleProject,
  matchRounding,
  meanLosses,
  runCommands,
  writeFiles,
  type DocExample,
} from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = docExamples(join(root, "docs/generated-modules.md"));
const quickstart = examples.get("quickstart")!;
const standalone = examples.get("standalone")!;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-doc-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function linkedProject(name: string, example: DocExample): string {
  return linkedExampleProject(join(scratch, name), example, root);
}

describe("docs/generated-modules.md", () => {
  it("has the two examples, each with files, commands and output", () => {
    expect([...examples.keys()]).toEqual(["quickstart", "standalone"]);
    expect([...quickstart.files.keys()].sort()).toEqual(["elman.rnn", "package.json", "train.ts", "tsconfig.json"]);
    expect(Object.keys(quickstart.commands).sort()).toEqual(["install", "run"]);
    expect([...standalone.files.keys()].sort()).toEqual(["package.json", "standalone.js"]);
    expect(Object.keys(standalone.commands).sort()).toEqual(["compile", "run"]);
    for (const example of [quickstart, standalone]) expect(example.output).toBeDefined();
  });

  it("shows examples/elman.rnn as it is", () => {
    expect(quickstart.files.get("elman.rnn")).toBe(readFileSync(join(root, "examples/elman.rnn"), "utf8"));
  });

  it("quick start: compiles the model, builds the program with tsc, and trains; the loss falls", () => {
    const project = linkedProject("quickstart", quickstart);
    const output = runCommands(quickstart.commands.run!, project);
    expect(matchRounding(output, quickstart.output!)).toBe(quickstart.output);
    const losses = meanLosses(output);
    expect(losses.length).toBeGreaterThan(2);
    losses.slice(1).forEach((loss, i) => expect(loss, `after ${losses[i]}`).toBeLessThan(losses[i]!));
  }, 180_000);

  it("standalone: the module runs in a project with nothing installed; the loss falls", () => {
    const compiler = linkedProject("standalone-compiler", quickstart);
    runCommands(standalone.commands.compile!, compiler);
    const project = join(scratch, "standalone");
    mkdirSync(project);
    writeFiles(standalone, project);
    cpSync(join(compiler, "elman.js"), join(project, "elman.js"));
    expect(readdirSync(project).sort()).toEqual(["elman.js", "package.json", "standalone.js"]);
    expect(readFileSync(join(project, "elman.js"), "utf8")).not.toMatch(/^\s*import\b|\brequire\(|\bimport\(/m);

    const output = runCommands(standalone.commands.run!, project);
    expect(matchRounding(output, standalone.output!)).toBe(standalone.output);
    const losses = meanLosses(output);
    losses.slice(1).forEach((loss, i) => expect(loss, `after ${losses[i]}`).toBeLessThan(losses[i]!));
  }, 180_000);
});
