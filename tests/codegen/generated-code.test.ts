/**
 * The generated modules themselves: what `rnnc compile` writes for two examples is kept in
 * __snapshots__ so that a change to the code generator shows up as a diff of the code it
 * emits, and the same input always gives the same bytes.
 */
import { describe, expect, it } from "vitest";
import { compileModule, type CompileOptions } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";

/** What `rnnc compile examples/NAME.rnn [--kernels K]` writes: TypeScript, float64, importing rnnc/runtime, formatted. */
function compileExample(name: string, kernels?: CompileOptions["kernels"]): Promise<string> {
  const options: CompileOptions = {
    emit: "ts",
    dtype: "f64",
    standalone: false,
    sourceName: `${name}.rnn`,
    ...(kernels ? { kernels } : {}),
  };
  return compileModule(irFromFile(`examples/${name}.rnn`), options);
}

describe("generated code", () => {
  // .snap, not .ts: the files are the output as it is, not sources for tsc or prettier to touch.
  for (const name of ["elman", "lstm"]) {
    it(`examples/${name}.rnn`, async () => {
      await expect(await compileExample(name)).toMatchFileSnapshot(`__snapshots__/${name}.generated.ts.snap`);
    });
  }

  // The JavaScript tier imports the kernels as functions, as every module did before the WebAssembly tier.
  it("examples/lstm.rnn --kernels js", async () => {
    await expect(await compileExample("lstm", "js")).toMatchFileSnapshot(
      "__snapshots__/lstm.js-kernels.generated.ts.snap",
    );
  });

  it("is the same bytes for the same input", async () => {
    const [first, second] = [await compileExample("lstm"), await compileExample("lstm")];
    expect(second).toBe(first);
  });
});
