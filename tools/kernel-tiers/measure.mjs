// Time per batch (forward+backward) of generated modules on the js and wasm kernel tiers, on
// the workloads of ../shared/spec/workloads.md, f32 and f64, as `--backend compiled` loads them.
//
//   npm run build && node tools/kernel-tiers/measure.mjs [--runs N] [--w4]
//
// Timed on the process's CPU time (the machine is shared with other work), median of N runs
// after warm-up runs; ratios compare medians. The full benchmark suite is bench/ (npm run bench).
import { readFileSync } from "node:fs";
import { loadCompiledModule } from "../../dist/engine/module-cache.js";
import { analyze } from "../../dist/compiler/frontend.js";
import { lower } from "../../dist/compiler/ir/lower.js";
import { initialWeights } from "../../dist/engine/init-weights.js";
import { randomBatch } from "../../dist/engine/random-batch.js";
import { Rng } from "../../dist/runtime/rng.js";

const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 20;
const workloads = [
  { id: "W1", file: "w1-char-lstm.rnn", T: 50, B: 32 },
  { id: "W2", file: "w2-elman-classify.rnn", T: 100, B: 16 },
  ...(args.includes("--w4") ? [{ id: "W4", file: "w4-lstm-large.rnn", T: 50, B: 64 }] : []),
];

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** A model of the tier and its lossAndGrad on one batch, as a user of the module calls it. */
async function prepare(w, dtype, kernels) {
  const ir = lower(analyze(readFileSync(`bench/workloads/${w.file}`, "utf8")).model);
  const weights = initialWeights(ir, 1);
  const batch = randomBatch(ir, new Rng(2), { T: w.T, B: w.B });
  const module = await loadCompiledModule(ir, dtype, undefined, kernels);
  const float = (a) => (dtype === "f32" ? Float32Array.from(a) : a);
  const params = module.createParameters();
  for (const p of ir.params) params[p.name].set(weights[p.name]);
  const grads = module.createParameters();
  const arrays = (record) => Object.fromEntries(Object.entries(record).map(([k, d]) => [k, d.ids ?? float(d.values)]));
  const moduleBatch = { T: batch.T, B: batch.B, inputs: arrays(batch.inputs), targets: arrays(batch.targets) };
  const model = new module.Model();
  return { model, run: () => model.lossAndGrad(params, moduleBatch, grads) };
}

async function time(w, dtype, kernels) {
  const { model, run } = await prepare(w, dtype, kernels);
  for (let i = 0; i < 3; i++) run();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = cpuMs();
    run();
    times.push(cpuMs() - start);
  }
  return { ms: median(times), staged: model.kernels?.stagedCalls ?? 0 };
}

console.log(`node ${process.version}, ${runs} runs, median CPU ms per batch (forward+backward)`);
console.log("| workload | dtype | js ms | wasm ms | js / wasm | wasm staged calls |");
console.log("|---|---|---|---|---|---|");
for (const w of workloads) {
  for (const dtype of ["f32", "f64"]) {
    const js = await time(w, dtype, "js");
    const wasm = await time(w, dtype, "wasm");
    console.log(
      `| ${w.id} (T=${w.T}, B=${w.B}) | ${dtype} | ${js.ms.toFixed(1)} | ${wasm.ms.toFixed(1)} | ${(js.ms / wasm.ms).toFixed(2)}× | ${wasm.staged} |`,
    );
  }
}
