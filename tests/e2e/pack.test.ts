/**
 * The import use case end to end, as a user meets it. `npm pack` makes the tarball (its
 * `prepare` script builds dist from the sources); a fresh project installs it, with
 * TypeScript, from the tarball; there the examples of docs/generated-modules.md run as
 * written: `npx rnnc compile` writes a module importing `rnnc/runtime`, `npx tsc` builds the
 * program against the installed types, and it trains with a falling loss. A `--standalone`
 * module compiled there runs in a second fresh project with nothing installed.
 *
 * The package is packed from a copy of the sources (the "files" of package.json, without
 * dist), as from a clean checkout: packing here would rebuild dist under the other tests.
 * Dependencies come from npm's cache, or the registry (`--prefer-offline`).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  docExamples,
  matchRounding,
  meanLosses,
  npmEnvironment,
  runCommands,
  writeFiles,
} from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
};
const examples = docExamples(join(root, "docs/generated-modules.md"));
const quickstart = examples.get("quickstart")!;
const standalone = examples.get("standalone")!;

const minutes = 60_000;
let scratch: string;
let packed: string[];
/** The quick start's project, with rnnc and TypeScript installed from the tarball and the registry. */
let project: string;

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, {
    cwd,
    env: npmEnvironment(),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 5 * minutes,
  });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-pack-"));

  // The sources as a clean checkout has them; dist is built by `prepare` while packing.
  const source = join(scratch, "source");
  for (const entry of [
    ...manifest.files.filter((f) => !f.startsWith("dist")),
    "package.json",
    "README.md",
    "tsconfig.json",
    "tsconfig.build.json",
    // `npm run build` runs it after tsc (the runtime index --standalone reads).
    "tools/standalone-runtime",
  ]) {
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(source, "node_modules"), "dir");
  const [pack] = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], source)) as {
    filename: string;
    files: { path: string }[];
  }[];
  packed = pack!.files.map((f) => f.path);
  const tarball = join(scratch, pack!.filename);

  // A user's project: what the quick start's install commands do, with TypeScript at the version rnnc is built with.
  project = join(scratch, "quickstart");
  mkdirSync(project);
  writeFiles(quickstart, project);
  npm(
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      tarball,
      `typescript@${manifest.dependencies["typescript"]}`,
    ],
    project,
  );
}, 10 * minutes);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the package from npm pack", () => {
  it("holds the bin, every export with its declarations, and the runtime --standalone inlines", () => {
    expect(packed).toContain("package.json");
    for (const bin of Object.values(manifest.bin)) expect(packed).toContain(bin);
    for (const target of Object.values(manifest.exports)) {
      const code = typeof target === "string" ? target : target.default;
      const types = typeof target === "string" ? code.replace(/\.js$/, ".d.ts") : target.types;
      expect(packed).toContain(code.replace(/^\.\//, ""));
      expect(packed).toContain(types.replace(/^\.\//, ""));
    }
    expect(packed).toContain("runtime/kernels/matmul.ts");
    // The runtime's sources as npm run build read them, so that compiling a standalone module loads no TypeScript.
    expect(packed).toContain("dist/compiler/codegen/runtime-index.json");
    expect(packed).toContain("docs/generated-modules.md");
    expect(packed.filter((p) => p.startsWith("tests/") || p.startsWith("dist/tests/"))).toEqual([]);
  });

  it("is installed with its command", () => {
    expect(existsSync(join(project, "node_modules/rnnc/package.json"))).toBe(true);
    expect(runCommands("npx rnnc help compile", project)).toContain("--standalone");
  });

  it("exports a model to PyTorch with the runtime it ships (compiler/export/pytorch/runtime.py)", () => {
    expect(packed).toContain("compiler/export/pytorch/runtime.py");
    const file = runCommands("npx rnnc export elman.rnn --to pytorch", project);
    expect(file).toContain("class ElmanSentiment(nn.Module):");
    expect(file).toContain("def train_command(args):");
  });

  it(
    "runs the quick start of docs/generated-modules.md as written: the loss falls",
    () => {
      const output = runCommands(quickstart.commands.run!, project);
      expect(readFileSync(join(project, "elman.ts"), "utf8")).toMatch(/from "rnnc\/runtime"/);
      expect(matchRounding(output, quickstart.output!)).toBe(quickstart.output);
      const losses = meanLosses(output);
      expect(losses.length).toBeGreaterThan(2);
      losses.slice(1).forEach((loss, i) => expect(loss, `after ${losses[i]}`).toBeLessThan(losses[i]!));
    },
    5 * minutes,
  );

  it(
    "compiles a --standalone module that trains in a project with nothing installed",
    () => {
      runCommands(standalone.commands.compile!, project);
      const bare = join(scratch, "standalone");
      mkdirSync(bare);
      writeFiles(standalone, bare);
      const module = readFileSync(join(project, "elman.js"), "utf8");
      expect(module).not.toMatch(/^\s*import\b|\brequire\(|\bimport\(/m);
      writeFileSync(join(bare, "elman.js"), module);
      expect(existsSync(join(bare, "node_modules"))).toBe(false);

      const output = runCommands(standalone.commands.run!, bare);
      expect(matchRounding(output, standalone.output!)).toBe(standalone.output);
      const losses = meanLosses(output);
      losses.slice(1).forEach((loss, i) => expect(loss, `after ${losses[i]}`).toBeLessThan(losses[i]!));
    },
    5 * minutes,
  );
});
