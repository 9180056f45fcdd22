/**
 * The repository keeps its own rules: imports follow the layers of docs/architecture.md
 * (.dependency-cruiser.cjs), every file is prettier-formatted (.prettierrc.json) and passes
 * the linter (eslint.config.js), type-checks as `npm run typecheck` asks (tests included; runtime/ with the flags
 * of a user's strictest project, since --standalone copies it into generated modules), and every model it ships is
 * in `rnnc fmt`'s layout.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

const root = resolve(".");
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const sourceFolders = [
  "grammar",
  "compiler",
  "runtime",
  "engine",
  "playground",
  "bench",
  "tests",
  "tools",
  "bin",
  "examples",
];

function depcruise(cwd: string, folders: string[]) {
  return spawnSync(bin("depcruise"), [...folders, "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
    cwd,
    encoding: "utf8",
  });
}

describe("the layers", () => {
  const scratch = mkdtempSync(join(tmpdir(), "rnnc-layers-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("hold: no import goes up a layer, and no modules import each other", () => {
    const r = depcruise(root, sourceFolders);
    expect(r.stdout + r.stderr).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  });

  // The rule is live: a project laid out like this one with one wrong import fails it.
  const probes: [string, string, string][] = [
    ["runtime", "compiler", "runtime-stands-alone"],
    ["grammar", "compiler", "grammar-below-compiler"],
    ["compiler", "engine", "compiler-below-engine"],
    ["engine", "compiler/cli", "engine-below-apps"],
    ["bench", "tests", "bench-self-contained"],
    ["playground", "compiler/cli", "playground-runs-the-language-server"],
    ["compiler/lsp", "playground", "nothing-imports-the-playground"],
    ["engine", "playground", "nothing-imports-the-playground"],
  ];
  for (const [from, to, rule] of probes) {
    it(`refuse an import from ${from}/ into ${to}/ (${rule})`, () => {
      const dir = mkdtempSync(join(scratch, "probe-"));
      cpSync(join(root, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext" } }));
      mkdirSync(join(dir, from), { recursive: true });
      mkdirSync(join(dir, to), { recursive: true });
      writeFileSync(join(dir, to, "target.ts"), "export const value = 1;\n");
      const up = from
        .split("/")
        .map(() => "..")
        .join("/");
      writeFileSync(
        join(dir, from, "probe.ts"),
        `import { value } from "${up}/${to}/target.js";\nexport const x = value;\n`,
      );
      const r = depcruise(dir, [from.split("/")[0]!, to.split("/")[0]!]);
      expect(r.stdout).toContain(rule);
      expect(r.status).not.toBe(0);
    });
  }
});

// Whole-repository tools: minutes on a loaded 2-core machine, seconds on a quiet one.
const wholeRepository = 300_000;

describe("the formatting", () => {
  it(
    "is prettier's, with the repository's config, in every file",
    () => {
      const r = spawnSync(bin("prettier"), ["--check", "."], { cwd: root, encoding: "utf8" });
      expect(r.stdout + r.stderr).toContain("All matched files use Prettier code style!");
      expect(r.status).toBe(0);
    },
    wholeRepository,
  );
});

describe("the shipped models", () => {
  it("are in rnnc fmt's layout: examples, the experiments' models and the benchmark's workloads", async () => {
    const models = ["examples", "examples/experiments/models", "bench/workloads"].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith(".rnn"))
        .map((f) => join(dir, f)),
    );
    expect(models.length).toBeGreaterThan(20);
    expect(await rnnc("fmt", "--check", ...models)).toEqual({ code: 0, out: "", err: "" });
  });
});

describe("the linter", () => {
  it(
    "finds nothing in any source file",
    () => {
      const r = spawnSync(bin("eslint"), ["."], { cwd: root, encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    },
    wholeRepository,
  );
});

describe("the type checker", () => {
  // `npm run build` checks only what it emits; tests and runtime/'s stricter flags are checked here.
  for (const project of ["tsconfig.json", "tsconfig.runtime.json"])
    it(
      `finds nothing with ${project}`,
      () => {
        const r = spawnSync(bin("tsc"), ["-p", project, "--noEmit"], { cwd: root, encoding: "utf8" });
        expect(r.stdout + r.stderr).toBe("");
        expect(r.status).toBe(0);
      },
      wholeRepository,
    );
});
