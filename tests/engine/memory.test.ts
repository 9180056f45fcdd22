/**
 * A run that cannot be allocated is refused before it allocates, with its size and the limit
 * it passes: on the interpreter (whose graph of JavaScript objects would abort V8 out of heap
 * after minutes), on the compiled backend (whose WebAssembly memory stops at 4 GiB), and for
 * any array longer than one can be. The compiled backend's workspace is counted exactly from
 * the code generator's own buffer list; runs that work today (every example, the benchmark's
 * W4) are not refused.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { interpret } from "../../engine/interpret/interpret.js";
import { initialWeights } from "../../engine/init-weights.js";
import { randomBatch } from "../../engine/random-batch.js";
import {
  compiledNeed,
  interpreterNeed,
  trainingNeed,
  memoryLimits,
  memoryProblem,
  MemoryLimitError,
  requireMemory,
  type MemoryLimits,
} from "../../engine/memory.js";
import { workspaceBytes } from "../../compiler/codegen/workspace.js";
import { loadCompiledModule } from "../../engine/module-cache.js";
import { compiledBackend } from "../../engine/compiled-backend.js";
import type { GeneratedModel } from "../../runtime/generated-module.js";
import { simdSupported } from "../../runtime/kernels/wasm/index.js";
import { Rng } from "../../runtime/rng.js";
import type { Batch } from "../../engine/interpret/batch.js";
import { exampleFiles, irFromFile } from "../support/models.js";
import { sequenceModels } from "../../compiler/ir/sequences.js";

const elman = irFromFile("examples/elman.rnn");
const roomy: MemoryLimits = { memory: 1e15, heap: 1e15, array: 2 ** 32, wasm: 2 ** 32 };

/** A batch of T steps of one sequence, without building it step by step. */
function longBatch(T: number): Batch {
  return {
    T,
    B: 1,
    inputs: { x: { kind: "onehot", ids: new Int32Array(T) } },
    targets: { y: { kind: "class", ids: new Int32Array(1) } },
    lengths: Int32Array.of(T),
  };
}

describe("the interpreter", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("refuses 10^7 steps at once, naming the size and V8's heap limit, where it aborted out of heap after 108 s", () => {
    expect(() => interpret(elman, initialWeights(elman, 1), longBatch(10_000_000), { grad: true })).toThrow(
      /^a batch of 1 sequence of 10,000,000 steps on the interpreter needs about 62\.4 GB of JavaScript heap, more than the [\d.]+ [MG]B of V8's heap a run may still fill \(node --max-old-space-size raises the limit\); shorten the sequences or batch fewer of them$/,
    );
  });

  it("refuses a run larger than the memory available (RNNC_MEMORY_LIMIT stands in for it)", () => {
    vi.stubEnv("RNNC_MEMORY_LIMIT", "10M");
    expect(() => interpret(elman, initialWeights(elman, 1), longBatch(20_000))).toThrow(
      new MemoryLimitError(
        "a batch of 1 sequence of 20,000 steps on the interpreter needs about 120 MB of memory, more than the 10.5 MB available (RNNC_MEMORY_LIMIT); shorten the sequences or batch fewer of them",
      ),
    );
  });

  it("counts the graph's objects per node and step, and its arrays per value", () => {
    const need = interpreterNeed(elman, 1000, 4, true);
    expect(need.heap).toBe(1000 * elman.nodes.length * 520);
    const floatsPerStep = elman.nodes.reduce((n, node) => n + (node.onehot ? 0.5 : node.size), 0);
    const parameters = elman.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(need.arrays).toBe(2 * 8 * 1000 * 4 * floatsPerStep + 3 * 8 * parameters);
  });
});

describe("the interpreter on attention", () => {
  it("counts a row per example and source step for what has a value at every source step", () => {
    const [, decoder] = sequenceModels(irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn"));
    const perSourceStep = decoder!.ir.nodes.filter((n) => n.over === "s");
    expect(perSourceStep.length).toBeGreaterThan(0);
    const floats = perSourceStep.reduce((n, node) => n + node.size, 0);
    const short = interpreterNeed(decoder!.ir, 10, 4, false, { s: 1 });
    const long = interpreterNeed(decoder!.ir, 10, 4, false, { s: 51 });
    expect(long.arrays - short.arrays).toBe(8 * 10 * 4 * 50 * floats);
  });

  it("counts a training step's source steps too", () => {
    const ir = irFromFile("tests/fixtures/pytorch/attention_tutorial.rnn");
    const backend = { kind: "interp", kernels: "js", threads: 1 } as const;
    const need = trainingNeed(ir, backend, 30, 4).arrays;
    expect(need).toBeGreaterThan(interpreterNeed(ir, 30, 4, true, { s: 30 }).arrays);
    expect(need).toBeGreaterThan(interpreterNeed(ir, 30, 4, true, { s: 1 }).arrays * 5);
  });
});

describe("the compiled backend", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("counts its workspace exactly: what the module's arena holds after a forward pass, then after a gradient", async () => {
    const ir = irFromFile("examples/gru.rnn");
    const module = await loadCompiledModule(ir, "f64", undefined, "wasm");
    if (!simdSupported()) return expect(() => new module.Model()).toThrow(/no WebAssembly SIMD/);
    // The arena is the module's own (not its API): what it holds beyond the workspace is fixed kernel scratch.
    const model = new module.Model() as unknown as GeneratedModel & { kernels: { arena: { used: number } } };
    const bytes = (T: number, B: number, backward: boolean) =>
      workspaceBytes(ir, { dtype: "f64", kernels: "wasm", backward }, T, B).arena;
    const scratch = model.kernels.arena.used - bytes(1, 1, false);
    const batch = randomBatch(ir, new Rng(1), { T: 300, B: 5 });
    const x = batch.inputs["x"]!;
    const y = batch.targets["y"]!;
    const moduleBatch = {
      T: 300,
      B: 5,
      inputs: { x: x.kind === "onehot" ? x.ids : x.values },
      targets: { y: y.kind === "class" ? y.ids : y.values },
      lengths: batch.lengths,
    };
    const params = module.createParameters();
    const loss = model.forward(params, moduleBatch);
    expect(model.kernels.arena.used - scratch).toBe(bytes(300, 5, false));
    // The adjoints, the gradient blocks and the copy of the gradients: a forward-only workspace is far smaller.
    expect(bytes(300, 5, false)).toBeLessThan(0.7 * bytes(300, 5, true));
    expect(model.lossAndGrad(params, moduleBatch, module.createParameters())).toBe(loss);
    expect(model.kernels.arena.used - scratch).toBe(bytes(300, 5, true));
    // Once there, the backward arrays stay: a later forward call allocates nothing.
    model.forward(params, moduleBatch);
    expect(model.kernels.arena.used - scratch).toBe(bytes(300, 5, true));
  });

  it("refuses a training pool whose shared WebAssembly memory would pass 4 GiB, on any kernel tier", () => {
    // 196 million weights: on two threads the pool shares their float64 gradient twice and its sum, 4.7 GB.
    const wide = irFromFile("examples/elman.rnn", { H: 14_000 });
    const backend = { kind: "compiled", kernels: "js", threads: 2, dtype: "f64" } as const;
    expect(memoryProblem(trainingNeed(wide, backend, 1, 1), roomy)).toMatch(
      /^4\.7 GB of WebAssembly memory shared by the threads, more than one WebAssembly memory can hold \(4\.3 GB; fewer threads, or --precision f32, need less\)$/,
    );
    // One thread has no pool; in float32 the pool holds half as much.
    expect(memoryProblem(trainingNeed(wide, { ...backend, threads: 1 }, 1, 1), roomy)).toBeUndefined();
    expect(memoryProblem(trainingNeed(wide, { ...backend, dtype: "f32" }, 1, 1), roomy)).toBeUndefined();
  });

  it("refuses a workspace past WebAssembly's 4 GiB before the module tries to grow its memory", () => {
    const need = compiledNeed(elman, { dtype: "f64", kernels: "wasm", backward: true }, 10_000_000, 1);
    expect(memoryProblem(need, roomy)).toMatch(
      /^[\d.]+ GB of WebAssembly memory, more than one WebAssembly memory can hold \(4\.3 GB; --kernels js keeps the arrays outside it\)$/,
    );
    // On the JavaScript kernels the same workspace is ordinary arrays, limited by memory only.
    expect(
      memoryProblem(compiledNeed(elman, { dtype: "f64", kernels: "js", backward: true }, 10_000_000, 1), roomy),
    ).toBeUndefined();
  });

  it("refuses a run larger than the memory available, on the backend itself", async () => {
    const module = await loadCompiledModule(elman, "f64", undefined, "js");
    const backend = compiledBackend(elman, module, "js");
    vi.stubEnv("RNNC_MEMORY_LIMIT", "1M");
    expect(() => backend.forward(initialWeights(elman, 1), longBatch(20_000))).toThrow(
      /^a batch of 1 sequence of 20,000 steps on the compiled backend needs about [\d.]+ MB of memory, more than the 1\.0 MB available \(RNNC_MEMORY_LIMIT\)/,
    );
  });
});

describe("limits", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("an array longer than one can be is named before anything else", () => {
    expect(memoryProblem({ arrays: 0, heap: 0, wasm: 0, longest: 2 ** 33 }, roomy)).toBe(
      "an array of 8,589,934,592 numbers, more than one array can hold (4,294,967,296)",
    );
  });

  it("RNNC_MEMORY_LIMIT is a size with K, M, G or T, and a bad one is an error", () => {
    vi.stubEnv("RNNC_MEMORY_LIMIT", "1.5G");
    expect(memoryLimits().memory).toBe(1.5 * 2 ** 30);
    vi.stubEnv("RNNC_MEMORY_LIMIT", "lots");
    expect(() => memoryLimits()).toThrow("RNNC_MEMORY_LIMIT is a size such as 8G or 512M, not 'lots'");
  });

  it("the benchmark's W4 (T = 50, B = 64) and every example at T = 200, B = 32 fit on both backends", () => {
    // With the memory this process has now: a machine that runs the test suite runs these.
    const w4 = irFromFile("bench/workloads/w4-lstm-large.rnn");
    requireMemory(compiledNeed(w4, { dtype: "f32", kernels: "auto", backward: true }, 50, 64), "W4", "");
    requireMemory(interpreterNeed(w4, 50, 64, true), "W4", "");
    for (const file of exampleFiles())
      requireMemory(interpreterNeed(irFromFile(`examples/${file}`), 200, 32, true), file, "");
    for (const file of exampleFiles())
      requireMemory(
        compiledNeed(irFromFile(`examples/${file}`), { dtype: "f64", kernels: "auto", backward: true }, 200, 32),
        file,
        "",
      );
  });
});
