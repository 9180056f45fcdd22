/**
 * Generated modules on the WebAssembly kernel tiers (--kernels wasm|relaxed|auto): every example
 * equals the interpreter on SIMD and on relaxed SIMD (fused multiply–adds) (loss, every quantity,
 * every gradient; ragged lengths; a stream carried from one chunk to the next), the products run
 * in the kernels' arena in place (nothing staged, also after the workspace grows), `auto` picks
 * relaxed SIMD where enabled, SIMD where not, and JavaScript where SIMD is missing, and the
 * module type-checks strictly.
 *
 * Tolerances are relative to the largest magnitude compared: the SIMD kernels add the terms of
 * a product in another order than the interpreter (and relaxed SIMD rounds each multiply–add
 * once), so float64 agrees to rounding (1e-10), not bit for bit; float32 storage is held to 1e-4.
 */
import { describe, expect, it, vi } from "vitest";
import { compileModule } from "../../compiler/codegen/compile.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import type { Batch, Weights } from "../../engine/interpret/batch.js";
import { randomBatch } from "../../engine/random-batch.js";
import { enableRelaxedSimd } from "../../engine/wasm-features.js";
import { relaxedProbeBytes } from "../../runtime/kernels/wasm/kernels-relaxed-wasm.js";
import { Rng } from "../../runtime/rng.js";
import { backendDifference } from "../support/equivalence.js";
import { exampleFiles, smallIrFromFile } from "../support/models.js";
import { isBidirectional } from "../../compiler/ir/ir.js";
import { strictDiagnostics } from "../support/typecheck.js";

const examples = exampleFiles();
const tolerance = { f64: 1e-10, f32: 1e-4 } as const;

/** Weights moved off their initial values, so that no gradient is zero by symmetry. */
function perturbedWeights(ir: IrModel, rng: Rng): Weights {
  const weights = initialWeights(ir, 11);
  for (const w of Object.values(weights)) for (let i = 0; i < w.length; i++) w[i] += rng.uniform(-0.3, 0.3);
  return weights;
}

// rnnc's processes enable relaxed SIMD (Node 20 has it behind a flag): so does this one, for the relaxed tier.
enableRelaxedSimd();

describe.each(["wasm", "relaxed"] as const)("the %s tier equals the interpreter", (kernels) => {
  for (const dtype of ["f64", "f32"] as const) {
    for (const file of examples) {
      it(`examples/${file}, ${dtype}: a ragged batch, then a second chunk carried from it`, async () => {
        const ir = smallIrFromFile(`examples/${file}`, 6);
        const rng = new Rng(11);
        const weights = perturbedWeights(ir, rng);
        const [first, second] = [
          randomBatch(ir, rng, { T: 7, B: 4, ragged: true }),
          randomBatch(ir, rng, { T: 5, B: 4, ragged: true }),
        ];
        const fresh = await backendDifference(ir, weights, first, undefined, { dtype, kernels });
        expect(fresh.worst, fresh.where).toBeLessThan(tolerance[dtype]);
        // A model reading ahead, or one of several sequences, reads whole sequences: nothing is carried.
        if (isBidirectional(ir) || ir.sequences) return;
        const carry = interpreterBackend(ir).forward(weights, first).carry();
        const carried = await backendDifference(ir, weights, second, carry, { dtype, kernels });
        expect(carried.worst, carried.where).toBeLessThan(tolerance[dtype]);
      });
    }
  }
});

/** What the tests read of a generated module beyond the compiled backend's interface. */
interface TierModule {
  createParameters(buffer?: Float64Array): Record<string, Float64Array>;
  Model: new () => {
    readonly kernels: {
      readonly stagedCalls?: number;
      readonly arena?: { generation: number };
      readonly fma?: boolean;
    };
    lossAndGrad(params: Record<string, Float64Array>, batch: unknown, grads: Record<string, Float64Array>): number;
  };
}

async function loadTier(ir: IrModel, kernels: KernelTier): Promise<TierModule> {
  return (await loadCompiledModule(ir, "f64", undefined, kernels)) as unknown as TierModule;
}

/** A batch as a generated module takes it: the runtime's records unwrapped. */
function moduleBatch(batch: Batch) {
  const arrays = (record: Batch["inputs"] | Batch["targets"]) =>
    Object.fromEntries(
      Object.entries(record).map(([k, d]) => [k, d.kind === "onehot" || d.kind === "class" ? d.ids : d.values]),
    );
  return {
    T: batch.T,
    B: batch.B,
    inputs: arrays(batch.inputs),
    targets: arrays(batch.targets),
    lengths: batch.lengths,
  };
}

describe("where the wasm tier's arrays live", () => {
  it("training steps stage nothing, also after the workspace grows for a larger batch", async () => {
    const ir = smallIrFromFile("examples/lstm.rnn", 6);
    const rng = new Rng(3);
    const weights = perturbedWeights(ir, rng);
    const module = await loadTier(ir, "wasm");
    const model = new module.Model();
    const params = module.createParameters();
    for (const p of ir.params) params[p.name]!.set(weights[p.name]!);
    const grads = module.createParameters();
    const interpreted = interpreterBackend(ir);
    // The second batch outgrows the arena's first megabyte: the memory grows and the workspace is made again.
    for (const shape of [
      { T: 3, B: 2 },
      { T: 40, B: 40 },
      { T: 4, B: 3 },
    ]) {
      const batch = randomBatch(ir, rng, { ...shape, ragged: true });
      const loss = model.lossAndGrad(params, moduleBatch(batch), grads);
      const expected = interpreted.lossAndGrad(weights, batch);
      expect(Math.abs(loss - expected.loss) / Math.abs(expected.loss)).toBeLessThan(tolerance.f64);
      for (const p of ir.params)
        for (let i = 0; i < grads[p.name]!.length; i++)
          expect(grads[p.name]![i]).toBeCloseTo(expected.grads[p.name]![i]!, 9);
    }
    expect(model.kernels.arena!.generation).toBeGreaterThan(0);
    expect(model.kernels.stagedCalls).toBe(0);
  });

  it("auto and relaxed pick relaxed SIMD where it is enabled (Node 20 with V8's flag); wasm keeps SIMD", async () => {
    const ir = smallIrFromFile("examples/elman.rnn", 6);
    const fma = async (tier: KernelTier) => new (await loadTier(ir, tier)).Model().kernels.fma;
    expect([await fma("auto"), await fma("relaxed"), await fma("wasm")]).toEqual([true, true, false]);
    expect(new (await loadTier(ir, "auto")).Model().kernels.constructor.name).toBe("WasmKernels");
  });

  it("relaxed falls back to SIMD where relaxed SIMD does not validate, and computes the same", async () => {
    // A model no other test loads, so that its module decides afresh, under the stub.
    const ir = smallIrFromFile("examples/gru.rnn", 4);
    const relaxed = await loadTier(ir, "relaxed");
    const plain = WebAssembly.validate.bind(WebAssembly);
    const isProbe = (bytes: BufferSource) =>
      ArrayBuffer.isView(bytes) &&
      bytes.byteLength === relaxedProbeBytes.length &&
      relaxedProbeBytes.every((b, i) => new Uint8Array(bytes.buffer, bytes.byteOffset)[i] === b);
    const validate = vi.spyOn(WebAssembly, "validate").mockImplementation((bytes) => !isProbe(bytes) && plain(bytes));
    try {
      const model = new relaxed.Model();
      expect(model.kernels.constructor.name).toBe("WasmKernels");
      expect(model.kernels.fma).toBe(false);
      const rng = new Rng(6);
      const weights = perturbedWeights(ir, rng);
      const batch = randomBatch(ir, rng, { T: 6, B: 3, ragged: true });
      const { worst, where } = await backendDifference(ir, weights, batch, undefined, { kernels: "relaxed" });
      expect(worst, where).toBeLessThan(tolerance.f64);
    } finally {
      validate.mockRestore();
    }
  });

  it("auto falls back to the JavaScript kernels where SIMD is missing, and computes the same", async () => {
    // A model no other test loads, so that its module decides about SIMD afresh, under the stub.
    const ir = smallIrFromFile("examples/lstm.rnn", 3);
    const module = await loadCompiledModule(ir, "f32", undefined, "auto");
    const validate = vi.spyOn(WebAssembly, "validate").mockReturnValue(false);
    try {
      const model = new (module as unknown as TierModule).Model();
      expect(model.kernels.constructor.name).toBe("Object"); // jsMatmulKernels, not a WasmKernels
      const rng = new Rng(5);
      const weights = perturbedWeights(ir, rng);
      const batch = randomBatch(ir, rng, { T: 6, B: 3, ragged: true });
      const { worst, where } = await backendDifference(ir, weights, batch, undefined, {
        dtype: "f32",
        kernels: "auto",
      });
      expect(worst, where).toBeLessThan(tolerance.f32);
    } finally {
      validate.mockRestore();
    }
  });

  it("js keeps the imported functions: no kernel object", async () => {
    const model = new (await loadTier(smallIrFromFile("examples/elman.rnn", 6), "js")).Model();
    expect(model.kernels).toBeUndefined();
  });
});

describe("modules compiled with --kernels wasm and auto", () => {
  it("type-check under --strict, float64 and float32", async () => {
    const modules: Record<string, string> = {};
    for (const file of examples) {
      const ir = smallIrFromFile(`examples/${file}`, 6);
      for (const kernels of ["wasm", "auto"] as const) {
        for (const dtype of ["f64", "f32"] as const) {
          modules[`${file}.${kernels}.${dtype}.ts`] = await compileModule(ir, {
            emit: "ts",
            dtype,
            standalone: false,
            kernels,
            sourceName: file,
            format: false,
          });
        }
      }
    }
    expect(strictDiagnostics(modules)).toBe("");
  });
});
