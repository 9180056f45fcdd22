/**
 * A generated module compiles in the project a user starts with: `tsc --init` (strict, with
 * noUncheckedIndexedAccess and exactOptionalPropertyTypes, `module: nodenext`,
 * verbatimModuleSyntax, declarations), in an ES module package, with rnnc installed. Checked
 * with rnnc's own TypeScript (5.9) and with the newest release, which the tests' global setup
 * installs in tools/typescript-latest. `tsc` builds the project as it is, emitting JavaScript
 * and declarations: what the user's build does.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileModule, type CompileOptions } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";
import { typescriptLatest } from "../support/typescript-latest.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-tsc-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const repository = resolve(".");
const compilers = [
  {
    name: "rnnc's TypeScript",
    tsc: join(repository, "node_modules/typescript/bin/tsc"),
    version: (
      JSON.parse(readFileSync(join(repository, "node_modules/typescript/package.json"), "utf8")) as {
        version: string;
      }
    ).version,
  },
  { name: "the newest TypeScript", ...typescriptLatest },
];

type Variant = Pick<CompileOptions, "dtype" | "standalone" | "kernels" | "unrollSteps">;

/** The modules of the project: two examples, on the default tier and on the JavaScript one, standalone and not. */
const modules: Record<string, { model: string; variant: Variant }> = {
  elman: { model: "examples/elman.rnn", variant: { dtype: "f64", standalone: false } },
  "lstm-f32": { model: "examples/lstm.rnn", variant: { dtype: "f32", standalone: false } },
  "lstm-js-unrolled": {
    model: "examples/lstm.rnn",
    variant: { dtype: "f64", standalone: false, kernels: "js", unrollSteps: 4 },
  },
  "gru-standalone": { model: "examples/gru.rnn", variant: { dtype: "f64", standalone: true, kernels: "auto" } },
  "char-lm-standalone": { model: "examples/char-lm.rnn", variant: { dtype: "f32", standalone: true, kernels: "js" } },
};

/** A program of the user's that reads the modules' API, as strictly checked as they are. */
const program = `import { Model, createParameters, initialiseParameters, parameterCount, dims } from "./elman.js";
import * as lstm from "./lstm-f32.js";

const params = createParameters(new Float64Array(parameterCount));
initialiseParameters(params, 1);
const grads = createParameters();
const T = 3;
const B = 2;
const batch = { T, B, inputs: { x: new Int32Array(T * B) }, targets: { y: new Int32Array(B) } };
export const loss: number = new Model().lossAndGrad(params, batch, grads);
export const firstOutput: number | undefined = new Model().output("o")[0];
export const hidden: 32 = dims.H;
export const lstmModel: lstm.Model = new lstm.Model();
`;

async function writeProject(dir: string, tsc: string): Promise<void> {
  mkdirSync(dir);
  const init = spawnSync(process.execPath, [tsc, "--init"], { cwd: dir, encoding: "utf8" });
  expect(init.status, init.stdout + init.stderr).toBe(0);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  // rnnc as `npm install` would place it: its package, built (npm test builds first).
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repository, join(dir, "node_modules/rnnc"), "dir");
  for (const [name, { model, variant }] of Object.entries(modules))
    writeFileSync(
      join(dir, `${name}.ts`),
      await compileModule(irFromFile(model), { emit: "ts", sourceName: model.split("/").pop()!, ...variant }),
    );
  writeFileSync(join(dir, "program.ts"), program);
}

describe("generated modules compile in a project made by tsc --init", () => {
  for (const { name, tsc, version } of compilers) {
    it(`of ${name} (${version})`, { timeout: 300_000 }, async () => {
      const reported = spawnSync(process.execPath, [tsc, "--version"], { encoding: "utf8" });
      expect(reported.stdout).toContain(`Version ${version}`);
      const dir = join(scratch, version);
      await writeProject(dir, tsc);
      const options = readFileSync(join(dir, "tsconfig.json"), "utf8");
      // The defaults that generated code used to fail: the project has them on.
      expect(options).toMatch(/^\s*"noUncheckedIndexedAccess": true/m);
      expect(options).toMatch(/^\s*"exactOptionalPropertyTypes": true/m);
      expect(options).toMatch(/^\s*"strict": true/m);
      const build = spawnSync(process.execPath, [tsc, "-p", "."], { cwd: dir, encoding: "utf8" });
      expect(build.stdout + build.stderr).toBe("");
      expect(build.status).toBe(0);
      expect(readFileSync(join(dir, "elman.d.ts"), "utf8")).toContain("export declare class Model");
    });
  }
});
