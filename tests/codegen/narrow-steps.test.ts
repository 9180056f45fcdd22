/**
 * A narrow product at every step (the recurrent product of an LSTM of 32 units: 128 rows of 32
 * columns) is taken in float32 on the WebAssembly tiers as a sum of the rows of its transposed
 * weights, the adjoint kernel's form, which has no reduction of vector accumulators, when the call
 * has rows enough (B · T) to pay for transposing the weights; a call of fewer rows, float64
 * modules, the JavaScript tier and wider blocks keep dot products. A wider block, up to
 * WIDE_BY_ROWS columns, is taken by rows only by a Model on the relaxed SIMD tier, and from
 * WIDE_BY_ROWS_MIN_ROWS rows. Either way the module computes what the interpreter computes, to
 * float32 rounding.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { BY_ROWS_MIN_ROWS, NARROW_BY_ROWS, WIDE_BY_ROWS, WIDE_BY_ROWS_MIN_ROWS } from "../../compiler/codegen/plan.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { enableRelaxedSimd } from "../../engine/wasm-features.js";
import { relaxedSimdSupported } from "../../runtime/kernels/wasm/module.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromFile, irFromText } from "../support/models.js";

// rnnc's processes enable relaxed SIMD (Node 20 has it behind a flag): so does this one, for the relaxed tier's form.
enableRelaxedSimd();

const adding = (H: number) => irFromFile("bench/training/adding.rnn", { H });

/** A recurrent product alone in its group (no input product before it to add to): its output is zeroed first. */
const alone = irFromText(`model Alone {
  dim H = 8
  input x : [H]
  target y : [1]
  param W : [H, H]
  param Vo : [1, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + x)
  o = Vo @ h
  loss mse(o, y) at last
}`);

const compiled = (ir: IrModel, dtype: "f64" | "f32", kernels: KernelTier) =>
  compileModule(ir, { emit: "ts", dtype, standalone: false, sourceName: "m.rnn", kernels });

/** On both WebAssembly tiers, for ragged batches of 9 steps and each B: the module equals the interpreter to float32 rounding. */
async function expectAgreement(ir: IrModel, rng: Rng, Bs: readonly number[]): Promise<void> {
  for (const B of Bs) {
    const batch = randomBatch(ir, rng, { T: 9, B, ragged: true });
    for (const kernels of ["wasm", "relaxed"] as const) {
      const { worst, where } = await backendDifference(ir, initialWeights(ir, 3), batch, undefined, {
        dtype: "f32",
        kernels,
      });
      expect(worst, where).toBeLessThan(1e-4);
    }
  }
}

describe("narrow products at every step, by rows", () => {
  it("float32 on the WebAssembly tiers, up to NARROW_BY_ROWS columns; not float64, the JavaScript tier or wider", async () => {
    for (const kernels of ["auto", "wasm", "relaxed"] as const)
      expect(await compiled(adding(32), "f32", kernels)).toContain(
        "matmulBatchBackwardInput(B, 32, 128, h, t * B * 32, WT_h, 0, products_hx, t * B * 128);",
      );
    expect(await compiled(adding(NARROW_BY_ROWS), "f32", "wasm")).toContain("WT_h");
    expect(await compiled(adding(NARROW_BY_ROWS + 1), "f32", "wasm")).not.toContain("WT_h");
    expect(await compiled(adding(32), "f64", "auto")).not.toContain("WT_h");
    expect(await compiled(adding(32), "f32", "js")).not.toContain("WT_h");
    // The input product (an input's, before the loop over time) keeps its dot products.
    expect(await compiled(adding(32), "f32", "auto")).toContain("matmulBatch(T * B, 128, 2, x, 0, W_x, 0, products_hx");
    expect(await compiled(alone, "f32", "auto")).toMatch(
      /W_h\.fill\(0, t \* B \* 8, t \* B \* 8 \+ B \* 8\);\s+matmulBatchBackwardInput\(B, 8, 8, h, t \* B \* 8, WT_h, 0, W_h/,
    );
  });

  it("only for a call of BY_ROWS_MIN_ROWS rows or more: fewer rows keep dot products and do not transpose", async () => {
    const code = await compiled(adding(32), "f32", "auto");
    expect(code).toContain(`const byRows = B * T >= ${BY_ROWS_MIN_ROWS};`);
    expect(code).toMatch(/if \(byRows\) \{\s+for \(let row = 0; row < 32; row\+\+\)/);
    expect(code).toMatch(
      /if \(byRows\) \{\s+matmulBatchBackwardInput\(B, 32, 128, h, t \* B \* 32, WT_h, 0, products_hx, t \* B \* 128\);\s+\} else matmulBatch\(B, 128, 32, h, t \* B \* 32, W_h, 0, products_hx, t \* B \* 128, true\);/,
    );
  });

  it("a wider block up to WIDE_BY_ROWS columns: by rows where the Model's products fuse their multiply–adds, from WIDE_BY_ROWS_MIN_ROWS rows", async () => {
    for (const kernels of ["auto", "relaxed"] as const) {
      const code = await compiled(adding(WIDE_BY_ROWS), "f32", kernels);
      expect(code).toContain(`const byRowsFma = B * T >= ${WIDE_BY_ROWS_MIN_ROWS} && w.kernels.fma === true;`);
      expect(code).toMatch(/if \(byRowsFma\) \{\s+for \(let row = 0; row < 128; row\+\+\)/);
      expect(code).toMatch(
        /if \(byRowsFma\) \{\s+matmulBatchBackwardInput\(B, 128, 512, h, t \* B \* 128, WT_h, 0, products_hx, t \* B \* 512\);\s+\} else matmulBatch\(B, 512, 128, h, t \* B \* 128, W_h, 0, products_hx, t \* B \* 512, true\);/,
      );
      expect(code).not.toMatch(/\bbyRows\b/);
    }
    expect(await compiled(adding(WIDE_BY_ROWS), "f32", "wasm")).not.toContain("WT_h");
    expect(await compiled(adding(WIDE_BY_ROWS + 1), "f32", "auto")).not.toContain("WT_h");
    expect(await compiled(adding(WIDE_BY_ROWS), "f64", "auto")).not.toContain("WT_h");
  });

  it("a wide block agrees with the float64 interpreter to float32 rounding, by rows (relaxed tier) and by dot products", async () => {
    expect(relaxedSimdSupported()).toBe(true);
    // 9 · 64 rows: by rows on the relaxed tier; 9 · 8: dot products.
    expect([9 * 64, 9 * 8].map((rows) => rows >= WIDE_BY_ROWS_MIN_ROWS)).toEqual([true, false]);
    await expectAgreement(adding(96), new Rng(5), [64, 8]);
  });

  it.each([
    ["the adding problem's LSTM", adding(32)],
    ["a recurrent product alone", alone],
  ])(
    "%s in float32 agrees with the float64 interpreter to float32 rounding, by rows and by dot products",
    async (_, ir) => {
      // 9 · 8 rows: by rows; 9 · 5: fewer than BY_ROWS_MIN_ROWS, dot products.
      expect([9 * 8, 9 * 5].map((rows) => rows >= BY_ROWS_MIN_ROWS)).toEqual([true, false]);
      await expectAgreement(ir, new Rng(4), [8, 5]);
    },
  );
});
