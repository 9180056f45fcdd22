/**
 * rnnc itself: the generated module of a workload (f64 or f32, on a kernel tier), called through its own API
 * as a user of `rnnc compile` would, and the interpreter through `interpreterBackend`.
 */
import { readFileSync } from "node:fs";
import { defaultKernelTier, type KernelTier } from "../../compiler/codegen/compile.js";
import { loadCompiledModule } from "../../compiler/codegen/load.js";
import { analyze } from "../../compiler/frontend.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { lower } from "../../compiler/ir/lower.js";
import { validateIr } from "../../compiler/ir/validate.js";
import { interpreterBackend } from "../../runtime/backend.js";
import { initialWeights } from "../../runtime/init-weights.js";
import { randomBatch } from "../../runtime/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { checksum, type Prepare } from "../engine.js";
import { workloadPath, type Workload } from "../workloads.js";

export function workloadIr(w: Workload): IrModel {
  const result = analyze(readFileSync(workloadPath(w), "utf8"));
  if (!result.model) throw new Error(`${w.file} does not check: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  const ir = lower(result.model);
  validateIr(ir);
  return ir;
}

function problem(w: Workload) {
  const ir = workloadIr(w);
  return { ir, weights: initialWeights(ir, 1), batch: randomBatch(ir, new Rng(2), { T: w.T, B: w.B }) };
}

/** The quantity a forward-only run reads back: the model's output `o`. */
const output = "o";

export function compiled(dtype: "f64" | "f32", kernels: KernelTier = defaultKernelTier): Prepare {
  return async (w, mode) => {
    const { ir, weights, batch } = problem(w);
    const module = await loadCompiledModule(ir, dtype, undefined, kernels);
    const float = (a: Float64Array) => (dtype === "f32" ? Float32Array.from(a) : a);
    const params = module.createParameters();
    for (const p of ir.params) params[p.name]!.set(weights[p.name]!);
    const grads = module.createParameters();
    const moduleBatch = {
      T: batch.T,
      B: batch.B,
      inputs: Object.fromEntries(Object.entries(batch.inputs).map(([k, d]) => [k, d.kind === "onehot" ? d.ids : float(d.values)])),
      targets: Object.fromEntries(Object.entries(batch.targets).map(([k, d]) => [k, d.kind === "class" ? d.ids : float(d.values)])),
    };
    const model = new module.Model();
    if (mode === "fwdbwd") return { run: () => model.lossAndGrad(params, moduleBatch, grads) };
    return {
      run() {
        const loss = model.forward(params, moduleBatch);
        return w.output.loss === "none" ? checksum(model.output(output)) : loss;
      },
    };
  };
}

export const interpreter: Prepare = async (w, mode) => {
  const { ir, weights, batch } = problem(w);
  const backend = interpreterBackend(ir);
  if (mode === "fwdbwd") return { run: () => backend.lossAndGrad(weights, batch).loss };
  return {
    run() {
      const result = backend.forward(weights, batch);
      return w.output.loss === "none" ? checksum(result.quantity(output)) : result.loss!;
    },
  };
};
