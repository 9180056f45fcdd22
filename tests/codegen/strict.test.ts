/**
 * Every model rnnc ships compiles to a module that type-checks in the strictest project: `tsc --strict
 * --noUncheckedIndexedAccess --noUnusedLocals --noUnusedParameters --exactOptionalPropertyTypes`
 * (tests/support/typecheck.ts). The models: the examples, the experiments' models, the benchmark's
 * workloads and the PyTorch fixtures' encoder-decoders (several sequences, teacher forcing). The modules: every kernel tier (js, wasm, relaxed, auto) in float64 and float32, importing
 * rnnc/runtime; every tier --standalone, with the runtime inlined; and the straight-line form of --unroll.
 * One TypeScript program checks each variant's modules of every model; a standalone variant's, of
 * the fewest models whose modules import every runtime name any model's module of that tier imports
 * (inlining is what a standalone module adds, and the largest modules take the longest to check).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileModule, type CompileOptions } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";
import { strictDiagnostics } from "../support/typecheck.js";

const folders = ["examples", "examples/experiments/models", "bench/workloads"];
const models = [
  ...folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => f.endsWith(".rnn"))
      .map((f) => `${folder}/${f}`),
  ),
  "tests/fixtures/pytorch/gru_seq2seq.rnn",
  "tests/fixtures/pytorch/lstm_seq2seq.rnn",
  "tests/fixtures/pytorch/attention_tutorial.rnn",
  "tests/fixtures/pytorch/attention_luong_dot.rnn",
];

type Variant = Pick<CompileOptions, "dtype" | "standalone" | "kernels" | "unrollSteps">;

const tiers = ["js", "wasm", "relaxed", "auto"] as const;
const variants: Record<string, Variant> = {
  ...Object.fromEntries(
    tiers.flatMap((kernels) =>
      (["f64", "f32"] as const).map((dtype) => [`${kernels}.${dtype}`, { dtype, kernels, standalone: false }]),
    ),
  ),
  // Standalone modules are larger (the runtime inlined): each tier once, the two dtypes in turn.
  ...Object.fromEntries(
    tiers.map((kernels, k) => [
      `standalone.${kernels}`,
      { dtype: k % 2 === 0 ? "f64" : "f32", kernels, standalone: true } satisfies Variant,
    ]),
  ),
  "unrolled.js": { dtype: "f64", kernels: "js", standalone: false, unrollSteps: 3 },
  "unrolled.auto": { dtype: "f32", kernels: "auto", standalone: false, unrollSteps: 1 },
};

/** The names a module imports from rnnc/runtime. */
function runtimeImports(source: string): Set<string> {
  const list = /import \{([^}]*)\} from "rnnc\/runtime"/.exec(source)?.[1] ?? "";
  return new Set(
    list
      .split(",")
      .map((name) => name.trim().replace(/^type /, ""))
      .filter(Boolean),
  );
}

/** Greedily, the models whose modules of this variant (as imports) together import every runtime name any of them does. */
async function coveringModels(variant: Variant): Promise<string[]> {
  const imports = new Map<string, Set<string>>();
  for (const path of models) {
    const source = await compileModule(irFromFile(path), {
      emit: "ts",
      sourceName: path,
      format: false,
      ...variant,
      standalone: false,
    });
    imports.set(path, runtimeImports(source));
  }
  const missing = new Set([...imports.values()].flatMap((names) => [...names]));
  const chosen: string[] = [];
  while (missing.size > 0) {
    const gain = (path: string) => [...imports.get(path)!].filter((name) => missing.has(name)).length;
    const best = models.reduce((a, b) => (gain(b) > gain(a) ? b : a));
    chosen.push(best);
    for (const name of imports.get(best)!) missing.delete(name);
  }
  return chosen;
}

describe("generated modules check under the strictest flags", () => {
  it("covers every model folder", () => {
    for (const folder of folders)
      expect(
        models.some((m) => m.startsWith(`${folder}/`)),
        folder,
      ).toBe(true);
  });

  for (const [name, variant] of Object.entries(variants)) {
    it(
      `${name}: ${variant.standalone ? "the models that import every runtime name" : "every model"}`,
      { timeout: 180_000 },
      async () => {
        const modules: Record<string, string> = {};
        for (const path of variant.standalone ? await coveringModels(variant) : models) {
          const ir = irFromFile(path);
          // A model of several sequences runs each over its own steps: --unroll refuses it (tests/codegen/sequences.test.ts).
          if (ir.sequences && variant.unrollSteps !== undefined) continue;
          const file = path.replace(/\//g, "_");
          // Unformatted: prettier changes the layout, never the types.
          modules[`${file}.${name}.ts`] = await compileModule(ir, {
            emit: "ts",
            sourceName: path,
            format: false,
            ...variant,
          });
        }
        // WebAssembly's types, as a project's default libraries have them: a standalone module of a WebAssembly tier needs them.
        expect(strictDiagnostics(modules, ["lib.es2022.d.ts", "lib.dom.d.ts"])).toBe("");
      },
    );
  }
});
