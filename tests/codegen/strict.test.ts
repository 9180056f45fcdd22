/**
 * Every example's generated module type-checks under `tsc --strict`: the default module
 * importing rnnc/runtime, the --standalone one with the kernels inlined, float32 storage,
 * and the straight-line form of --unroll. One TypeScript program checks them all.
 */
import { readdirSync } from "node:fs";
import { expect, it } from "vitest";
import { compileModule, type CompileOptions } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

const examples = readdirSync("examples").filter((f) => f.endsWith(".rnn"));

type Variant = Pick<CompileOptions, "dtype" | "standalone" | "unrollSteps">;

const variants: Record<string, Variant> = {
  import: { dtype: "f64", standalone: false },
  standalone: { dtype: "f64", standalone: true },
  f32: { dtype: "f32", standalone: false },
};

it("generated modules of every example check under --strict", { timeout: 90_000 }, async () => {
  const modules: Record<string, string> = {};
  for (const file of examples) {
    const ir = irFromFile(`examples/${file}`);
    for (const [variant, options] of Object.entries(variants)) {
      // Unformatted: prettier changes the layout, never the types.
      modules[`${file}.${variant}.ts`] = await compileModule(ir, {
        emit: "ts",
        sourceName: file,
        format: false,
        ...options,
      });
    }
  }
  const unrolled = irFromFile("examples/elman.rnn");
  modules["elman.rnn.unrolled.ts"] = await compileModule(unrolled, {
    emit: "ts",
    dtype: "f64",
    standalone: false,
    unrollSteps: 3,
    sourceName: "elman.rnn",
    format: false,
  });
  expect(strictDiagnostics(modules)).toBe("");
});
