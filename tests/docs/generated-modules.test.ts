/**
 * docs/generated-modules.md runs as written. Its examples' files are written into fresh
 * projects, their commands run there, and the programs print what the document shows:
 *
 * - quickstart: in a project whose `rnnc` is this checkout (linked, as `npm link` would;
 *   TypeScript linked the same way), `npx rnnc compile`, `npx tsc` and `node train.js` train
 *   the model, and the loss falls;
 * - standalone: the module compiled there with --standalone, copied into a project with
 *   nothing installed, trains in plain JavaScript;
 * - trained: in a project set up as the quick start's, beside this checkout (`../rnnc`),
 *   `rnnc train` trains a character model on examples/data/fables.txt, and a program loads
 *   its weights and vocabulary from the checkpoint and writes text;
 * - decoding: in a project set up as the quick start's, a program trains an encoder-decoder
 *   with the module and decodes new sources with it, greedily and step by step.
 *
 * tests/e2e/pack.test.ts runs the same examples against the tarball `npm pack` makes.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";
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
const trained = examples.get("trained")!;
const decoding = examples.get("decoding")!;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-doc-"));
  // The checkout beside the projects, as the examples have it.
  symlinkSync(root, join(scratch, "rnnc"), "dir");
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A project with the examples' files and this checkout installed as `rnnc`. */
function linkedProject(name: string, ...parts: DocExample[]): string {
  return linkedExampleProject(join(scratch, name), root, ...parts);
}

describe("docs/generated-modules.md", () => {
  it("has the four examples, each with files, commands and output", () => {
    expect([...examples.keys()]).toEqual(["quickstart", "trained", "decoding", "standalone"]);
    expect([...quickstart.files.keys()].sort()).toEqual(["elman.rnn", "package.json", "train.ts", "tsconfig.json"]);
    expect(Object.keys(quickstart.commands).sort()).toEqual(["install", "pack", "run"]);
    expect([...standalone.files.keys()].sort()).toEqual(["package.json", "standalone.js"]);
    expect(Object.keys(standalone.commands).sort()).toEqual(["compile", "run"]);
    expect([...trained.files.keys()].sort()).toEqual(["char-lm.rnn", "sample.ts"]);
    expect(Object.keys(trained.commands).sort()).toEqual(["run", "train"]);
    expect([...decoding.files.keys()].sort()).toEqual(["decode.ts", "reverse.rnn"]);
    expect(Object.keys(decoding.commands)).toEqual(["run"]);
    for (const example of [quickstart, standalone, trained, decoding]) expect(example.output).toBeDefined();
  });

  it("shows examples/elman.rnn and examples/char-lm.rnn as they are", () => {
    expect(quickstart.files.get("elman.rnn")).toBe(readFileSync(join(root, "examples/elman.rnn"), "utf8"));
    expect(trained.files.get("char-lm.rnn")).toBe(readFileSync(join(root, "examples/char-lm.rnn"), "utf8"));
  });

  it("shows the time loop of examples/elman.rnn as rnnc compile --kernels js writes it", async () => {
    const excerpt = /^```ts excerpt=elman\n([^]*?)^```$/m.exec(
      readFileSync(join(root, "docs/generated-modules.md"), "utf8"),
    );
    expect(excerpt).not.toBeNull();
    const module = await compileModule(irFromFile(join(root, "examples/elman.rnn")), {
      emit: "ts",
      dtype: "f64",
      standalone: false,
      kernels: "js",
      sourceName: "elman.rnn",
    });
    // The page's block is dedented: compare line by line, without the indentation.
    const dedent = (text: string) => text.replace(/^ +/gm, "");
    expect(dedent(module)).toContain(dedent(excerpt![1]!));
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

  it("trained: the weights and the vocabulary of a checkpoint, loaded by a program that writes text", () => {
    // The quick start's package.json and tsconfig.json, without its program (which needs its own module).
    const setup = { files: new Map([...quickstart.files].filter(([path]) => path.endsWith(".json"))), commands: {} };
    const project = linkedProject("trained", setup, trained);
    const training = runCommands(trained.commands.train!, project);
    // The dims the compile command is given are those training took from the data.
    const checkpoint = JSON.parse(readFileSync(join(project, "runs/char-lm/checkpoint.json"), "utf8")) as {
      model: { overrides: Record<string, number> };
    };
    expect(checkpoint.model.overrides).toEqual({ V: 35, H: 64 });
    expect(training).toContain("from the data: V = 35 (35 distinct characters in ../rnnc/examples/data/fables.txt");
    expect(runCommands(trained.commands.run!, project)).toBe(trained.output);
  }, 300_000);

  it("decoding: a program trains an encoder-decoder with its module, then decodes new sources", () => {
    const setup = { files: new Map([...quickstart.files].filter(([path]) => path.endsWith(".json"))), commands: {} };
    const project = linkedProject("decoding", setup, decoding);
    const output = runCommands(decoding.commands.run!, project);
    expect(matchRounding(output, decoding.output!)).toBe(decoding.output);
    const losses = meanLosses(output);
    expect(losses.length).toBe(3);
    losses.slice(1).forEach((loss, i) => expect(loss, `after ${losses[i]}`).toBeLessThan(losses[i]!));
  }, 180_000);
});
