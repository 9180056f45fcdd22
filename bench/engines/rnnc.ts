/**
 * rnnc itself: the generated module of a workload (f64 or f32, on a kernel tier), called through its own API
 * as a user of `rnnc compile` would, on one thread or through the runtime's `GradientPool` on several, and
 * the interpreter through `interpreterBackend`.
 */
import { readFileSync } from "node:fs";
import { defaultKernelTier, type KernelTier } from "../../compiler/codegen/kernel-tier.js";
import { compiledModuleUrl, loadCompiledModule } from "../../engine/module-cache.js";
import { analyze } from "../../compiler/frontend.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { lower } from "../../compiler/ir/lower.js";
import { validateIr } from "../../compiler/ir/validate.js";
import { interpreterBackend } from "../../engine/interpreter-backend.js";
import { initialWeights } from "../../engine/init-weights.js";
import { GradientPool } from "../../engine/parallel/pool.js";
import { randomBatch } from "../../engine/random-batch.js";
import { Rng } from "../../runtime/rng.js";
import { checksum, type Prepare, type Runner } from "../runner.js";
import { workloadPath, type Workload } from "../workloads.js";

export function workloadIr(w: Workload): IrModel {
  const result = analyze(readFileSync(workloadPath(w), "utf8"), w.dims ?? {});
  if (!result.model)
    throw new Error(`${w.file} does not check: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  const ir = lower(result.model);
  validateIr(ir);
  return ir;
}

function problem(w: Workload) {
  const ir = workloadIr(w);
  const steps = w.source ? { steps: { s: w.source.steps } } : {};
  return { ir, weights: initialWeights(ir, 1), batch: randomBatch(ir, new Rng(2), { T: w.T, B: w.B, ...steps }) };
}

/** The quantity a forward-only run reads back: the model's output `o`. */
const output = "o";

/** A workload's generated module, with parameters, gradients and batch in the module's own types, as a user of `rnnc compile` builds them. */
async function prepareModule(w: Workload, dtype: "f64" | "f32", kernels: KernelTier) {
  const { ir, weights, batch } = problem(w);
  const module = await loadCompiledModule(ir, dtype, undefined, kernels);
  const float = (a: Float64Array) => (dtype === "f32" ? Float32Array.from(a) : a);
  const params = module.createParameters();
  for (const p of ir.params) params[p.name]!.set(weights[p.name]!);
  const grads = module.createParameters();
  const moduleBatch = {
    T: batch.T,
    B: batch.B,
    inputs: Object.fromEntries(
      Object.entries(batch.inputs).map(([k, d]) => [k, d.kind === "onehot" ? d.ids : float(d.values)]),
    ),
    targets: Object.fromEntries(
      Object.entries(batch.targets).map(([k, d]) => [k, d.kind === "class" ? d.ids : float(d.values)]),
    ),
    // An encoder–decoder's batch gives each sequence's steps (every example at full length here).
    ...(batch.sequences ? { sequences: batch.sequences } : {}),
  };
  return { ir, module, params, grads, moduleBatch };
}

/** The kernels a Model's products run on: relaxed SIMD (fused multiply–adds), SIMD, or the JavaScript ones. */
function kernelsOf(model: object): Runner["kernels"] {
  // A Model of the wasm/auto tiers has its kernels object, whose `fma` WasmKernels has (the JavaScript kernels have none).
  const fma = (model as { kernels?: { fma?: boolean } }).kernels?.fma;
  return fma === undefined ? "js" : fma ? "relaxed" : "wasm";
}

const kernelNote = { relaxed: "relaxed SIMD products (FMA)", wasm: "SIMD products", js: "JavaScript kernels" };

export function compiled(dtype: "f64" | "f32", kernels: KernelTier = defaultKernelTier): Prepare {
  return async (w, mode) => {
    const { module, params, grads, moduleBatch } = await prepareModule(w, dtype, kernels);
    const model = new module.Model();
    const tier = kernelsOf(model);
    const about = { kernels: tier, ...(tier === "js" ? {} : { note: kernelNote[tier!] }) };
    if (mode === "fwdbwd") return { run: () => model.lossAndGrad(params, moduleBatch, grads), ...about };
    return {
      run() {
        const loss = model.forward(params, moduleBatch);
        return w.output.loss === "none" ? checksum(model.output(output)) : loss;
      },
      ...about,
    };
  };
}

/** The generated module's loss and gradient on `threads` threads (engine/parallel/pool.ts), the batch split in as many shards. */
export function threaded(dtype: "f64" | "f32", threads: number): Prepare {
  return async (w, mode) => {
    if (mode !== "fwdbwd") throw new Error("a threaded engine computes loss and gradient only (fwdbwd)");
    const { ir, module, params, moduleBatch } = await prepareModule(w, dtype, defaultKernelTier);
    // Idle, the pool's threads do not keep the process alive: the worker exits on `quit` without closing it.
    const pool = await GradientPool.create(ir, module, compiledModuleUrl(module), threads);
    const tier = kernelsOf(new module.Model());
    // As `rnnc train --threads` (engine/compiled-backend.ts, pooledGradient): the parameters in the pool's own, the gradient read from it.
    for (const name in params) pool.parameters[name]!.set(params[name]!);
    const { parameters, gradients } = pool;
    return {
      // The pool advances the state in place: each run starts from a fresh one, as a call without state does.
      run: () => pool.lossAndGrad(parameters, moduleBatch, gradients, pool.createState(parameters, moduleBatch.B)),
      note: `${kernelNote[tier!]}; ${threads} threads (worker_threads), batch split in ${threads} shards`,
      kernels: tier,
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
