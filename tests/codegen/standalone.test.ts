/**
 * `--standalone` modules inline the runtime's sources, read with TypeScript's parser
 * (compiler/codegen/runtime-index.ts): however the runtime is formatted, the module parses,
 * type-checks and computes what the interpreter computes. Formatting the runtime with a narrow
 * print width wraps its imports over several lines, which broke the line-by-line stripping
 * this replaced (`rnnc compile --standalone --kernels auto` then wrote a module that did not
 * parse). The index `npm run build` writes for the installed compiler is the sources' own.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "prettier";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { buildRuntimeIndex } from "../../compiler/codegen/runtime-index.js";
import { inlineRuntime } from "../../compiler/codegen/runtime-source.js";
import { compiledBackend } from "../../engine/compiled-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import type { GeneratedModule } from "../../runtime/generated-module.js";
import { Rng } from "../../runtime/rng.js";
import { difference } from "../support/equivalence.js";
import { ModuleDirectory } from "../support/import-module.js";
import { smallIrFromFile } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-runtime-"));
const modules = new ModuleDirectory();
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  modules.remove();
});

/** The .ts files under `dir`, relative to it. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
}

describe("a runtime formatted with prettier at print width 40", () => {
  const runtime = join(scratch, "narrow");
  beforeAll(async () => {
    cpSync("runtime", runtime, { recursive: true });
    for (const file of sources(runtime)) {
      const path = join(runtime, file);
      writeFileSync(path, await format(readFileSync(path, "utf8"), { parser: "typescript", printWidth: 40 }));
    }
  });

  it("has imports wrapped over several lines", () => {
    const wrapped = sources(runtime).filter((f) => /^import \{\n/m.test(readFileSync(join(runtime, f), "utf8")));
    expect(wrapped).toContain("module/model.ts");
    expect(wrapped).toContain("kernels/wasm/matmul.ts");
  });

  const models = ["lstm"];
  const tiers: KernelTier[] = ["js", "wasm", "auto"];
  const variants = tiers.flatMap((kernels) => (["f64", "f32"] as const).map((dtype) => ({ kernels, dtype })));
  const tolerance = { f64: 1e-10, f32: 1e-4 };

  const irs = Object.fromEntries(models.map((name) => [name, smallIrFromFile(`examples/${name}.rnn`, 6)]));
  const compile = (name: string, kernels: KernelTier, dtype: "f64" | "f32", emit: "ts" | "js") =>
    compileModule(irs[name]!, {
      emit,
      dtype,
      kernels,
      standalone: true,
      runtimeDirectory: runtime,
      sourceName: `${name}.rnn`,
      format: false,
    });

  it(
    "gives modules of every tier and dtype that import nothing, parse and type-check",
    { timeout: 180_000 },
    async () => {
      const typescript: Record<string, string> = {};
      for (const name of models)
        for (const { kernels, dtype } of variants)
          typescript[`${name}.${kernels}.${dtype}.ts`] = await compile(name, kernels, dtype, "ts");
      for (const [file, text] of Object.entries(typescript)) {
        expect(text, file).not.toMatch(/^\s*(import|export \*|export \{)/m);
        const syntax = ts.transpileModule(text, { reportDiagnostics: true, fileName: file }).diagnostics ?? [];
        expect(
          syntax.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")),
          file,
        ).toEqual([]);
      }
      // The WebAssembly tier needs WebAssembly's types, as a project's default libraries have them; the JavaScript tier ES2022's alone.
      expect(strictDiagnostics(typescript, ["lib.es2022.d.ts", "lib.dom.d.ts"])).toBe("");
      const jsTier = Object.fromEntries(Object.entries(typescript).filter(([file]) => file.includes(".js.")));
      expect(strictDiagnostics(jsTier)).toBe("");
    },
  );

  for (const name of models) {
    for (const { kernels, dtype } of variants) {
      it(`examples/${name}.rnn, --kernels ${kernels}, ${dtype}: computes what the interpreter computes`, async () => {
        const ir = irs[name]!;
        const module = await modules.import<GeneratedModule>(await compile(name, kernels, dtype, "js"), "js");
        const rng = new Rng(4);
        const weights = initialWeights(ir, 4);
        for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
        const batch = randomBatch(ir, rng, { T: 5, B: 3, ragged: true });
        const { worst, where } = difference(ir, compiledBackend(ir, module), weights, batch);
        expect(worst, where).toBeLessThan(tolerance[dtype]);
      });
    }
  }
});

describe("the runtime index", () => {
  const built = "dist/compiler/codegen/runtime-index.json";
  it.runIf(existsSync(built))("that npm run build wrote is the one the runtime's sources give", async () => {
    expect(JSON.parse(readFileSync(built, "utf8"))).toEqual(await buildRuntimeIndex("runtime"));
  });

  /** An index of a runtime of the given files (index.ts among them). */
  async function indexOf(files: Record<string, string>) {
    const dir = mkdtempSync(join(scratch, "runtime-"));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return buildRuntimeIndex(dir);
  }

  it("keeps what only looks like an import or export: in comments, strings and template literals", async () => {
    const index = await indexOf({
      "index.ts": `export * from "./a.js";\n`,
      "a.ts": [
        `/**`,
        `import { notAnImport } from "./nowhere.js";`,
        `export function notAnExport() {}`,
        ` */`,
        `import {`,
        `  b,`,
        `  // a comment between the names`,
        `  type B,`,
        `} from "./b.js";`,
        `export const text = \``,
        `import { x } from "./y.js";`,
        `export { z };\`;`,
        `export function a(value: B): number {`,
        `  return b(value) + text.length;`,
        `}`,
        ``,
      ].join("\n"),
      "b.ts": `export type B = number;\nexport function b(value: B): number {\n  return value + 1;\n}\n`,
    });
    const source = inlineRuntime(index, ["a"]);
    expect(source).toContain(`/**\nimport { notAnImport } from "./nowhere.js";\nexport function notAnExport() {}\n */`);
    expect(source).toContain('const text = `\nimport { x } from "./y.js";\nexport { z };`;');
    expect(source.indexOf("function b(")).toBeLessThan(source.indexOf("function a("));
    expect(source).not.toContain(`from "./b.js"`);
    expect(source).not.toContain("export function a(");
    expect(source).not.toContain("export type B");
  });

  it("inlines the declarations the module needs and what they refer to, nothing else", async () => {
    const index = await indexOf({
      "index.ts": `export * from "./a.js";\nexport * from "./c.js";\n`,
      "a.ts": [
        `import { b } from "./b.js";`,
        `/** Read by a. */`,
        `const helper = 1;`,
        `function unused(): number {`,
        `  return 2;`,
        `}`,
        `export interface Shape {`,
        `  unusedType: number;`,
        `}`,
        `export function a(): number {`,
        `  const c = { b: 3 };`,
        `  return b() + helper + c.b;`,
        `}`,
        ``,
      ].join("\n"),
      "b.ts": `export function b(): number {\n  return 1;\n}\nexport function alsoInB(): number {\n  return 2;\n}\n`,
      "c.ts": `export function c(): number {\n  return 3;\n}\n`,
    });
    const source = inlineRuntime(index, ["a"]);
    expect(source).toContain("/** Read by a. */\nconst helper = 1;");
    expect(source).toContain("function b()");
    expect(source.indexOf("function b(")).toBeLessThan(source.indexOf("function a("));
    // Not read by a: a function, a type, a declaration of the file a imports; nor c.ts, whose c only a local shares a name with.
    for (const left of ["unused", "interface Shape", "alsoInB", "function c(", "runtime/c.ts"])
      expect(source).not.toContain(left);
  });

  it("refuses what cannot be inlined into one scope: a renamed import, a clash of names", async () => {
    await expect(
      indexOf({ "index.ts": `export * from "./a.js";\n`, "a.ts": `import { b as c } from "./b.js";\n`, "b.ts": "" }),
    ).rejects.toThrow(/^internal error: runtime\/a\.ts:1 cannot be inlined by --standalone: it renames b$/);
    const clash = await indexOf({
      "index.ts": `export * from "./a.js";\nexport * from "./b.js";\n`,
      "a.ts": `import { b } from "./b.js";\nconst helper = 1;\nexport const a = b + helper;\n`,
      "b.ts": `const helper = 2;\nexport const b = helper;\n`,
    });
    expect(() => inlineRuntime(clash, ["a"])).toThrow(
      /^internal error: runtime\/b\.ts and runtime\/a\.ts both declare helper: inlined, they clash$/,
    );
  });
});
