/**
 * Training on several threads: a batch is split into shards of whole sequences, worker
 * threads compute some of them, and the shards' gradients are summed in a fixed order, so
 * the threaded gradient equals the one-thread gradient of the same shards bit for bit, and
 * the unsplit batch's gradient up to rounding.
 */
import { MessagePort, Worker } from "node:worker_threads";
import { afterAll, describe, expect, it, vi } from "vitest";
import { compiledModuleUrl, loadCompiledModule } from "../../../engine/module-cache.js";
import type { IrModel } from "../../../compiler/ir/ir.js";
import { compiledBackend, pooledGradient } from "../../../engine/compiled-backend.js";
import type { GradientFunction } from "../../../engine/model-backend.js";
import { examplesFromBatch, type Dataset } from "../../../engine/data/dataset.js";
import { initialWeights } from "../../../engine/init-weights.js";
import type { Batch, Weights } from "../../../engine/interpret/batch.js";
import { GradientPool } from "../../../engine/parallel/pool.js";
import { shardsOf, shardWeights } from "../../../engine/parallel/shards.js";
import { sharedLayout, shardSum, weightAt } from "../../../engine/parallel/shared-step.js";
import { autoThreads, threadedGradient } from "../../../engine/parallel/threads.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { Rng } from "../../../runtime/rng.js";
import { relaxedProbeBytes } from "../../../runtime/kernels/wasm/kernels-relaxed-wasm.js";
import { enableRelaxedSimd } from "../../../engine/wasm-features.js";
import { initialTrainState, trainLoop, type TrainConfig } from "../../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../../engine/train/optimizers.js";
import { withMasks } from "../../../engine/train/masks.js";
import { irFromFile, irFromText, smallIrFromFile, threadedExamples } from "../../support/models.js";

const examples = threadedExamples();
// As rnnc's command line does: the modules pick the relaxed SIMD tier, on this thread and (V8's flags being
// process-wide) on the workers, so the bitwise comparisons below also hold the threads to one tier.
enableRelaxedSimd();
const pools: GradientPool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.close())));

async function pooled(ir: IrModel, shards: number, threaded: boolean): Promise<GradientFunction> {
  const module = await loadCompiledModule(ir, "f64");
  const pool = await GradientPool.create(ir, module, compiledModuleUrl(module), shards, threaded);
  pools.push(pool);
  return pooledGradient(ir, module, pool);
}

const bits = (w: Weights) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, Array.from(v)]));

function expectClose(actual: Weights, expected: Weights, tolerance: number): void {
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name]!;
    const scale = Math.max(1e-3, ...Array.from(e, Math.abs));
    for (let i = 0; i < e.length; i++) expect(Math.abs(a[i]! - e[i]!) / scale, `${name}[${i}]`).toBeLessThan(tolerance);
  }
}

describe("shards", () => {
  it("are contiguous runs of whole sequences, the first ones larger, never more than the sequences", () => {
    expect(shardsOf(10, 3)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 7 },
      { start: 7, end: 10 },
    ]);
    expect(shardsOf(2, 4)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
    ]);
  });

  const model = (losses: string) =>
    irFromText(`model M {
  dim H = 3
  input x : [2]
  target y : class[2]
  target z : class[2]
  param W : [H, H]
  param U : [H, 2]
  param V : [2, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x)
  o = softmax(V @ h)
  ${losses}
}`);
  const batch = (lengths: number[]) => ({ T: 4, B: lengths.length, inputs: {}, lengths: Int32Array.from(lengths) });

  it("weigh a mean loss by the share of scored positions they hold, a summed one by 1", () => {
    const shards = shardsOf(3, 2);
    expect(shardWeights(model("loss cross_entropy(o, y) at last"), batch([4, 1, 1]), shards)).toEqual([2 / 3, 1 / 3]);
    expect(shardWeights(model("loss cross_entropy(o, y) at each"), batch([4, 1, 1]), shards)).toEqual([5 / 6, 1 / 6]);
    expect(shardWeights(model("loss cross_entropy(o, y, reduce = sum) at each"), batch([4, 1, 1]), shards)).toEqual([
      1, 1,
    ]);
  });

  it("leave a batch whole when its losses weigh shards differently", () => {
    const mixed = model("loss cross_entropy(o, y) at last\n  loss cross_entropy(o, z) at each");
    expect(shardWeights(mixed, batch([4, 1, 1]), shardsOf(3, 2))).toBeNull();
    expect(shardWeights(mixed, batch([4, 4, 4, 4]), shardsOf(4, 2))).toEqual([0.5, 0.5]);
  });
});

describe("the shards' weighted sum", () => {
  // What the threads' sum in WebAssembly must compute: JavaScript's arithmetic over the module's arrays.
  function sumInJavaScript(
    weights: number[],
    grads: (Float32Array | Float64Array)[],
    out: Float32Array | Float64Array,
  ) {
    for (let i = 0; i < out.length; i++) out[i] = 0 + weights[0]! * grads[0]![i]!;
    for (let s = 1; s < grads.length; s++) for (let i = 0; i < out.length; i++) out[i] += weights[s]! * grads[s]![i]!;
  }

  it.each(["f32", "f64"] as const)(
    "in %s equals JavaScript's sum of the shards in order, bit for bit, over any part of the vector",
    (dtype) => {
      const Float = dtype === "f32" ? Float32Array : Float64Array;
      const rng = new Rng(3);
      const count = 1001;
      for (const weights of [
        [0.5, 0.5],
        [2 / 3, 1 / 3],
        [0.3, 0.45, 0.25],
        [1, 1, 1],
      ]) {
        const shards = weights.length;
        const layout = sharedLayout(shards, count, Float.BYTES_PER_ELEMENT);
        const memory = new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
        const grads = weights.map((_, s) => new Float(memory.buffer, layout.gradients + s * layout.stride, count));
        // Magnitudes far apart (so that rounding each partial sum matters), signs, and -0 (which 0 + makes +0).
        for (const g of grads)
          for (let i = 0; i < count; i++) g[i] = (rng.next() - 0.5) * Math.exp(30 * (rng.next() - 0.5));
        for (const g of grads) g[7] = -0;
        new Float64Array(memory.buffer, 0, weightAt(shards, shards)).set(weights, weightAt(shards, 0));
        const out = new Float(memory.buffer, layout.sum, count);
        const sum = shardSum(memory, layout, dtype);
        // Parts that start and end off a vector's lanes, as partOf's do.
        for (const [from, to] of [
          [0, 333],
          [333, 1001],
          [5, 6],
        ] as const)
          sum(shards, from, to);
        const expected = new Float(count);
        sumInJavaScript(weights, grads, expected);
        // toEqual compares numbers with Object.is: -0 and +0 differ.
        expect(Array.from(out)).toEqual(Array.from(expected));
      }
    },
  );
});

describe.each(examples)("the gradient of %s on two threads", (file) => {
  const ir = smallIrFromFile(`examples/${file}`);
  const weights = initialWeights(ir, 7);
  const batch: Batch = randomBatch(ir, new Rng(8), { T: 6, B: 5, ragged: true });

  it("equals the one-thread gradient of the same shards bit for bit, and the whole batch's to rounding", async () => {
    const threaded = await (await pooled(ir, 2, true))(weights, batch);
    const alone = await (await pooled(ir, 2, false))(weights, batch);
    expect(threaded.loss).toBe(alone.loss);
    expect(bits(threaded.grads)).toEqual(bits(alone.grads));

    const whole = compiledBackend(ir, await loadCompiledModule(ir, "f64")).lossAndGrad(weights, batch);
    expect(Math.abs(threaded.loss - whole.loss)).toBeLessThan(1e-12 * Math.max(1, Math.abs(whole.loss)));
    expectClose(threaded.grads, whole.grads, 1e-12);
  });
});

describe("the gradient of a model with dropout on two threads", () => {
  const ir = irFromText(`model Dropped {
  dim V = 5
  dim H = 4
  input x : onehot[V]
  target y : class[V]
  param W : [H, H]
  param U : [H, V]
  param Vo : [V, H]
  state h : [H] = zeros
  h = tanh(W @ dropout(h[t-1], p = 0.3, per = sequence) + U @ x)
  o = softmax(Vo @ dropout(h, p = 0.5))
  loss cross_entropy(o, y) at each
}`);
  const weights = initialWeights(ir, 7);
  // The masks are drawn for the whole batch, then the batch is split: each shard gets its sequences' masks.
  const batch = withMasks(ir, randomBatch(ir, new Rng(8), { T: 6, B: 5, ragged: true }), new Rng(9));

  it("uses the whole batch's masks: the one-thread gradient bit for bit, the unsplit batch's to rounding", async () => {
    const threaded = await (await pooled(ir, 2, true))(weights, batch);
    const alone = await (await pooled(ir, 2, false))(weights, batch);
    expect(threaded.loss).toBe(alone.loss);
    expect(bits(threaded.grads)).toEqual(bits(alone.grads));
    const whole = compiledBackend(ir, await loadCompiledModule(ir, "f64")).lossAndGrad(weights, batch);
    expect(Math.abs(threaded.loss - whole.loss)).toBeLessThan(1e-12 * Math.max(1, Math.abs(whole.loss)));
    expectClose(threaded.grads, whole.grads, 1e-12);
    // ... and the masks matter: without them the loss is another.
    const { masks: _, ...unmasked } = batch;
    expect(Math.abs(whole.loss - (await (await pooled(ir, 2, false))(weights, unmasked)).loss)).toBeGreaterThan(1e-6);
  });
});

describe("threads", () => {
  const lm = irFromFile("examples/char-lm.rnn", { V: 7, H: 6 });

  it("run the kernel tier of the thread that started them: relaxed SIMD once the process has V8's flag", async () => {
    const model = new (await loadCompiledModule(lm, "f64")).Model() as unknown as { kernels: { fma?: boolean } };
    expect(model.kernels.fma).toBe(true);
    const probe = `require("node:worker_threads").parentPort.postMessage(WebAssembly.validate(Uint8Array.of(${relaxedProbeBytes.join(",")})))`;
    const worker = new Worker(probe, { eval: true });
    const validates = await new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
    await worker.terminate();
    expect(validates).toBe(true);
  });

  it("carry each stream's state on to the next chunk as one thread does", async () => {
    const weights = initialWeights(lm, 1);
    const first = randomBatch(lm, new Rng(2), { T: 5, B: 4 });
    const second = randomBatch(lm, new Rng(3), { T: 5, B: 4 });
    const threads = await pooled(lm, 3, true);
    const backend = compiledBackend(lm, await loadCompiledModule(lm, "f64"));
    const carried = (await threads(weights, first)).carry();
    const reference = backend.lossAndGrad(weights, first).carry();
    expect(carried).toEqual(reference);
    const next = await threads(weights, second, carried);
    expectClose(next.grads, backend.lossAndGrad(weights, second, reference).grads, 1e-12);
  });

  it.each([
    ["a worker thread's shard", 3], // the last sequence
    ["this thread's own shard", 0], // the first
  ])("report an error of %s and stay usable", async (_, at) => {
    const weights = initialWeights(lm, 1);
    const good = randomBatch(lm, new Rng(4), { T: 3, B: 4 });
    const bad = structuredClone(good);
    (bad.inputs["x"] as { ids: Int32Array }).ids[at] = 99;
    const threads = await pooled(lm, 2, true);
    await expect(async () => threads(weights, bad)).rejects.toThrow(/99/);
    expect(bits((await threads(weights, good)).grads)).toEqual(
      bits((await (await pooled(lm, 2, false))(weights, good)).grads),
    );
  });

  it("compute batches of every shape in turn as one thread does, sending a worker its shard's arrays only when their shape changes", async () => {
    const ir = smallIrFromFile("examples/lstm.rnn");
    const weights = initialWeights(ir, 7);
    const shapes = [
      { T: 6, B: 5 },
      { T: 6, B: 5 },
      { T: 4, B: 3 },
      { T: 4, B: 1 },
      { T: 7, B: 6 },
      { T: 6, B: 5 },
    ];
    const batches = shapes.map((shape, i) => randomBatch(ir, new Rng(20 + i), { ...shape, ragged: true }));
    const threads = await pooled(ir, 2, true);
    const alone = await pooled(ir, 2, false);
    const posts = vi.spyOn(MessagePort.prototype, "postMessage");
    const sent: number[] = [];
    try {
      for (const batch of batches) {
        const before = posts.mock.calls.length;
        const threaded = await threads(weights, batch);
        sent.push(posts.mock.calls.length - before);
        const reference = await alone(weights, batch);
        expect(threaded.loss).toBe(reference.loss);
        expect(bits(threaded.grads)).toEqual(bits(reference.grads));
      }
    } finally {
      posts.mockRestore();
    }
    // A batch of one sequence is not split; the unthreaded pool posts nothing.
    expect(sent).toEqual([1, 0, 1, 0, 1, 1]);
  });

  it("train to the same weights as one thread computing the same shards", async () => {
    const ir = smallIrFromFile("examples/lstm.rnn");
    const train: Dataset = {
      kind: "sequences",
      examples: examplesFromBatch(ir, randomBatch(ir, new Rng(5), { T: 6, B: 24, ragged: true })),
    };
    const config: TrainConfig = {
      epochs: 2,
      batch: 8,
      seqLen: 6,
      optimizer: defaultOptimizerConfig("adam", 0.01),
      clipValue: null,
      clipNorm: 1,
      seed: 3,
      valSplit: 0,
      evalEvery: 0,
    };
    const backend = compiledBackend(ir, await loadCompiledModule(ir, "f64"));
    const run = async (gradient: GradientFunction) =>
      (await trainLoop(backend, { train }, config, initialTrainState(initialWeights(ir, 3), config), {}, gradient))
        .state.weights;
    expect(bits(await run(await pooled(ir, 2, true)))).toEqual(bits(await run(await pooled(ir, 2, false))));
  });

  it("are used automatically only when a batch has enough work for each", () => {
    const big = irFromFile("examples/lstm.rnn");
    expect(autoThreads(big, 50, 64, 2)).toBe(2);
    expect(autoThreads(big, 50, 64, 1)).toBe(1);
    expect(autoThreads(smallIrFromFile("examples/elman.rnn"), 5, 4, 2)).toBe(1);
  });

  it("refuse a model of several sequences, whose batches the shards would split wrongly", async () => {
    const seq2seq = irFromFile("tests/fixtures/pytorch/gru_seq2seq.rnn");
    expect(autoThreads(seq2seq, 30, 64, 2)).toBe(1);
    await expect(threadedGradient(seq2seq, 2)).rejects.toThrow(
      `${seq2seq.name} reads sequences ${seq2seq.sequences!.join(", ")}: its batches are not split between threads`,
    );
  });
});
