/**
 * A narrow product at every step (the recurrent product of an LSTM of 32 units: 128 rows of 32
 * columns) is taken in float32 on the WebAssembly tiers as a sum of the rows of its transposed
 * weights, the adjoint kernel's form, which has no reduction of vector accumulators, when the call
 * has rows enough (B · T) to pay for transposing the weights; a call of fewer rows, float64
 * modules, the JavaScript tier and wider blocks keep dot products. Either way the module computes
 * what the interpreter computes, to float32 rounding.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { BY_ROWS_MIN_ROWS, NARROW_BY_ROWS } from "../../compiler/codegen/plan.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { irFromFile, irFromText } from "../support/models.js";

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

describe("narrow products at every step, by rows", () => {
  it("float32 on the WebAssembly tiers, up to NARROW_BY_ROWS columns; not float64, the JavaScript tier or wider", async () => {
    for (const kernels of ["auto", "wasm", "relaxed"] as const)
      expect(await compiled(adding(32), "f32", kernels)).toContain(
        "matmulBatchBackwardInput(B, 32, 128, h, t * B * 32, WT_h, 0, products_hx, t * B * 128);",
      );
    expect(await compiled(adding(NARROW_BY_ROWS), "f32", "auto")).toContain("WT_h");
    expect(await compiled(adding(NARROW_BY_ROWS + 1), "f32", "auto")).not.toContain("WT_h");
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

  it.each([
    ["the adding problem's LSTM", adding(32)],
    ["a recurrent product alone", alone],
  ])(
    "%s in float32 agrees with the float64 interpreter to float32 rounding, by rows and by dot products",
    async (_, ir) => {
      const rng = new Rng(4);
      // 9 · 8 rows: by rows; 9 · 5: fewer than BY_ROWS_MIN_ROWS, dot products.
      for (const B of [8, 5]) {
        expect(9 * B >= BY_ROWS_MIN_ROWS).toBe(B === 8);
        const batch = randomBatch(ir, rng, { T: 9, B, ragged: true });
        for (const kernels of ["wasm", "relaxed"] as const) {
          const { worst, where } = await backendDifference(ir, initialWeights(ir, 3), batch, undefined, {
            dtype: "f32",
            kernels,
          });
          expect(worst, where).toBeLessThan(1e-4);
        }
      }
    },
  );
});
