/**
 * Adjoints stored, not added to zeros (compiler/codegen/stored-first.ts): a backward step zeroes an adjoint of one
 * reused slot only when more than one term (or a loss's seed, which skips the rows it does not score) adds into it.
 * Attention's B · S-row adjoints each receive one term: none is zeroed at every step. An adjoint of every step is
 * zeroed once a pass unless the same holds, for each of the nodes sharing its array, and their parts fill its rows.
 * That the code computes the same as the interpreter is equivalence.test.ts's and sequences.test.ts's to check.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import { irFromFile } from "../support/models.js";

async function generated(name: string): Promise<string> {
  return compileModule(irFromFile(`examples/${name}.rnn`), {
    emit: "ts",
    dtype: "f64",
    standalone: false,
    sourceName: `${name}.rnn`,
  });
}

/** The arrays a pass zeroes a step's part of, at every step: `x.fill(0, 0, length)`. */
function zeroedEveryStep(code: string): string[] {
  return [...code.matchAll(/^\s*(\w+)\.fill\(0, 0, ([^)]*)\);$/gm)].map(([, buffer, length]) => `${buffer}: ${length}`);
}

describe("adjoints stored first", () => {
  it("examples/translate-attention.rnn zeroes no attention adjoint at every step, only its loss seed's", async () => {
    const code = await generated("translate-attention");
    const backward = code.slice(code.indexOf("function backwardSequence1"));
    expect(zeroedEveryStep(backward.slice(0, backward.indexOf("\n}\n")))).toEqual(["do_raw: B * 2"]);
    // The one term of the score's repeated adjoint is written by the kernel, in place.
    expect(backward).toMatch(/repeatRows\(B \* S, 64, dscore, t \* S \* B, dscore_raw, 0\);/);
  });

  it("examples/lstm.rnn stores its gates' products' adjoint, four parts of each row of [T][B][4H], and zeroes it nowhere", async () => {
    const code = await generated("lstm");
    const backward = code.slice(code.indexOf("function backwardPass"));
    expect(backward).not.toContain("dproducts_hx.fill(");
    // Each gate's part stored once (the fused loop's JavaScript branch), none added to.
    expect(backward.match(/dproducts_hx\[r\d \+ i\] = d\d+;/g)).toHaveLength(4);
    expect(backward).not.toMatch(/dproducts_hx\[[^\]]*\]! \+=/);
    // The cell state's adjoint, which the step before adds to, is still zeroed once a pass.
    expect(backward).toContain("dh_c.fill(0);");
  });
});
