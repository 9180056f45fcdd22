/**
 * The import use case end to end, as a user meets it. The quick start of
 * docs/generated-modules.md runs as written: in a checkout of rnnc, its `npm pack` makes the
 * tarball (the `prepare` script builds dist from the sources); in a fresh project beside the
 * checkout, its install commands install rnnc from the tarball, then TypeScript and Prettier
 * from the registry; there `npx rnnc compile` writes a module importing `rnnc/runtime`,
 * `npx tsc` builds the program against the installed types, and it trains with a falling
 * loss; a character model trained there on the checkout's examples/data/fables.txt is loaded
 * by a program that writes text. A `--standalone` module compiled there runs in a second
 * fresh project with nothing installed. Before TypeScript and Prettier are installed, the install is light: rnnc checks
 * and runs models without them, and `rnnc compile` says what it is missing.
 *
 * The checkout is a copy of the sources (the "files" of package.json, without dist), as from
 * a clean clone: packing here would rebuild dist under the other tests. Packages come from
 * npm's cache, or the registry (`--prefer-offline`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
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
};
const examples = docExamples(join(root, "docs/generated-modules.md"));
const quickstart = examples.get("quickstart")!;
const standalone = examples.get("standalone")!;
const trained = examples.get("trained")!;
/** The quick start's install commands: rnnc from the tarball, then what compiling and building need. */
const [installRnnc, installTools, ...moreInstalls] = quickstart.commands.install!.trim().split("\n");

const minutes = 60_000;
let scratch: string;
/** The tarball's files, as `tar` lists them. */
let packed: string[];
/** The quick start's project, beside the checkout (`../rnnc`). */
let project: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-pack-"));

  // The checkout, as a clean clone with `npm ci` run has it; dist is built by `prepare` while packing.
  const checkout = join(scratch, "rnnc");
  for (const entry of [
    ...manifest.files.filter((f) => !f.startsWith("dist")),
    "package.json",
    "README.md",
    "tsconfig.json",
    "tsconfig.build.json",
    // `npm run build` runs it after tsc (the runtime index --standalone reads).
    "tools/standalone-runtime",
    // `npm run build` then builds the playground's page from its sources (dist/playground).
    "tools/playground",
    "playground",
    // The text the trained example reads from the checkout.
    "examples/data/fables.txt",
  ]) {
    cpSync(join(root, entry), join(checkout, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "dir");
  runCommands(quickstart.commands.pack!, checkout);
  const tarball = join(checkout, `rnnc-${manifest.version}.tgz`);
  packed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((entry) => entry.replace(/^package\//, ""));

  project = join(scratch, "quickstart");
  mkdirSync(project);
  writeFiles(quickstart, project);
  runCommands(installRnnc!, project, 5 * minutes);
}, 10 * minutes);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, minutes);

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

  it("installs light: neither TypeScript nor Prettier, nor the benchmark's peers", () => {
    const installed = readdirSync(join(project, "node_modules")).flatMap((entry) =>
      entry.startsWith("@")
        ? readdirSync(join(project, "node_modules", entry)).map((name) => `${entry}/${name}`)
        : [entry],
    );
    expect(installed).toContain("rnnc");
    const benchPeers = Object.keys(
      (JSON.parse(readFileSync(join(root, "bench/package.json"), "utf8")) as { dependencies: object }).dependencies,
    );
    expect(benchPeers.length).toBeGreaterThan(0);
    for (const name of ["typescript", "prettier", ...benchPeers]) expect(installed).not.toContain(name);
  });

  it("exports a model to PyTorch with the runtime it ships (compiler/export/pytorch/runtime.py)", () => {
    expect(packed).toContain("compiler/export/pytorch/runtime.py");
    const file = runCommands("npx rnnc export elman.rnn --to pytorch", project);
    expect(file).toContain("class ElmanSentiment(nn.Module):");
    expect(file).toContain("def train_command(args):");
  });

  it(
    "checks and runs models without them (the compiled backend too); compile says it needs Prettier and writes nothing",
    () => {
      const npx = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        spawnSync("npx", ["rnnc", ...args], {
          cwd: project,
          env: { ...npmEnvironment(), ...env },
          encoding: "utf8",
          timeout: 2 * minutes,
        });
      expect(npx(["check", "elman.rnn"])).toMatchObject({ status: 0, stderr: "" });
      const data = join(root, "examples/data/elman.json");
      const cache = { RNNC_CACHE_DIR: mkdtempSync(join(scratch, "cache-")) };
      const interpreted = npx(["run", "elman.rnn", "--data", data]);
      const compiled = npx(["run", "elman.rnn", "--data", data, "--backend", "compiled"], cache);
      expect(interpreted).toMatchObject({ status: 0, stderr: "" });
      expect(compiled).toMatchObject({ status: 0, stderr: "" });
      expect(readdirSync(cache.RNNC_CACHE_DIR)).toHaveLength(1);

      const compile = npx(["compile", "elman.rnn", "-o", "elman.ts"]);
      expect(compile.status).toBe(1);
      expect(compile.stderr).toBe(
        "rnnc: rnnc compile (which formats the module it writes) needs prettier, which is not installed here: " +
          "npm install --save-dev prettier@3 in the project that has rnnc (npm install --global prettier@3 beside a global rnnc)\n",
      );
      expect(existsSync(join(project, "elman.ts"))).toBe(false);
    },
    5 * minutes,
  );

  describe("with TypeScript and Prettier installed as the quick start says", () => {
    beforeAll(() => {
      expect(moreInstalls).toEqual([]);
      runCommands(installTools!, project, 5 * minutes);
    }, 10 * minutes);

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

    // In the quick start's project, after it (tsc builds its program too).
    it(
      "trains a character model and runs the program that loads its weights and vocabulary, as written",
      () => {
        writeFiles(trained, project);
        runCommands(trained.commands.train!, project);
        expect(runCommands(trained.commands.run!, project)).toBe(trained.output);
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
});
