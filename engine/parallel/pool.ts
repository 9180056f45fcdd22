/**
 * Data-parallel loss and gradient of a generated module: a batch split into one shard of
 * whole sequences per thread, this thread computing the first shard while worker threads
 * (`gradient-worker.js`) compute the others, and the shards' results summed in shard order
 * (see shards.ts). Parameters reach the workers through one shared buffer, gradients come
 * back through one shared slot per worker: no copies of either in messages.
 *
 * The result depends on the number of shards, never on the number of threads: a pool of
 * `shards` shards and no workers computes the same bits on this thread alone.
 */
import { Worker } from "node:worker_threads";
import type { IrModel } from "../../compiler/ir/ir.js";
import type {
  Float,
  GeneratedModule,
  GeneratedModel,
  ModuleBatch,
  ModuleState,
} from "../../runtime/generated-module.js";
import {
  joinState,
  maskWidths,
  reduceShards,
  rowWidths,
  shardsOf,
  shardWeights,
  sliceBatch,
  sliceState,
} from "./shards.js";

interface ShardResult {
  loss: number;
  values: ModuleState["values"];
}

/** A worker thread and the shard it is computing, if any. */
class GradientWorker {
  private pending: { resolve(r: ShardResult): void; reject(e: Error): void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly thread: Worker) {
    thread.on("message", (m: { ready?: true; error?: string; loss?: number; values?: ShardResult["values"] }) => {
      const pending = this.pending;
      this.pending = null;
      // Idle, a worker does not keep the process alive: a command that ends without close() still exits.
      thread.unref();
      if (m.error !== undefined) pending?.reject(new Error(m.error));
      else if (!m.ready) pending?.resolve({ loss: m.loss!, values: m.values! });
    });
    const fail = (e: Error) => {
      this.failure = e;
      this.pending?.reject(e);
      this.pending = null;
    };
    thread.on("error", fail);
    thread.on("exit", (code) => fail(new Error(`a training thread stopped (exit code ${code})`)));
  }

  static start(data: {
    moduleUrl: string;
    parameters: SharedArrayBuffer;
    gradients: SharedArrayBuffer;
    gradientOffset: number;
  }): Promise<GradientWorker> {
    const thread = new Worker(new URL("./gradient-worker.js", import.meta.url), { workerData: data });
    return new Promise((resolve, reject) => {
      const ready = () => {
        thread.off("error", reject);
        thread.unref();
        resolve(new GradientWorker(thread));
      };
      thread.once("message", ready);
      thread.once("error", reject);
    });
  }

  compute(batch: ModuleBatch, state: ModuleState): Promise<ShardResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.thread.ref();
      this.thread.postMessage({ batch, state });
    });
  }

  async stop(): Promise<void> {
    this.thread.removeAllListeners("exit");
    await this.thread.terminate();
  }
}

export class GradientPool {
  private readonly model: GeneratedModel;
  private readonly widths: Map<string, number>;
  private readonly maskWidths: Map<string, number>;
  /** Views of the shared parameters, and of each shard's gradient (the first shard's is this thread's own). */
  private readonly sharedParams: Record<string, Float>;
  private readonly shardGrads: Float[];
  private readonly shardGradViews: Record<string, Float>[];
  private readonly sum: Float;
  private readonly sumViews: Record<string, Float>;

  private constructor(
    private readonly ir: IrModel,
    module: GeneratedModule,
    readonly shards: number,
    private readonly workers: GradientWorker[],
    parameters: SharedArrayBuffer,
    gradients: SharedArrayBuffer,
  ) {
    const n = module.parameterCount;
    // n numbers of the module's type from `offset` of `buffer`, shared or not.
    const view = (buffer: ArrayBufferLike, offset = 0): Float =>
      module.dtype === "f32" ? new Float32Array(buffer, offset * 4, n) : new Float64Array(buffer, offset * 8, n);
    const own = () => view(new ArrayBuffer(n * (module.dtype === "f32" ? 4 : 8)));
    this.model = new module.Model();
    this.widths = rowWidths(ir);
    this.maskWidths = maskWidths(ir);
    this.sharedParams = module.createParameters(view(parameters));
    this.shardGrads = Array.from({ length: shards }, (_, s) => (s === 0 ? own() : view(gradients, (s - 1) * n)));
    this.shardGradViews = this.shardGrads.map((g) => module.createParameters(g));
    this.sum = own();
    this.sumViews = module.createParameters(this.sum);
  }

  /**
   * A pool splitting each batch into `shards` shards, computed by this thread and
   * `shards - 1` worker threads (`threaded`), or by this thread alone.
   */
  static async create(
    ir: IrModel,
    module: GeneratedModule,
    moduleUrl: string,
    shards: number,
    threaded = true,
  ): Promise<GradientPool> {
    const bytes = module.parameterCount * (module.dtype === "f32" ? 4 : 8);
    const parameters = new SharedArrayBuffer(bytes);
    const gradients = new SharedArrayBuffer(bytes * Math.max(1, shards - 1));
    const workers = threaded
      ? await Promise.all(
          Array.from({ length: shards - 1 }, (_, i) =>
            GradientWorker.start({ moduleUrl, parameters, gradients, gradientOffset: i * module.parameterCount }),
          ),
        )
      : [];
    return new GradientPool(ir, module, shards, workers, parameters, gradients);
  }

  /** As the module's `model.lossAndGrad(params, batch, grads, state)`, the state advanced in place. */
  async lossAndGrad(
    params: Record<string, Float>,
    batch: ModuleBatch,
    grads: Record<string, Float>,
    state: ModuleState,
  ): Promise<number> {
    const shards = shardsOf(batch.B, this.shards);
    const weights = shards.length > 1 ? shardWeights(this.ir, batch, shards) : null;
    if (!weights) return this.model.lossAndGrad(params, batch, grads, state);

    for (const name in this.sharedParams) this.sharedParams[name]!.set(params[name]!);
    const parts = shards.map((shard) => ({
      shard,
      batch: sliceBatch(batch, this.widths, shard, this.maskWidths),
      state: sliceState(state, this.widths, shard),
    }));
    const own = (s: number): ShardResult => {
      const part = parts[s]!;
      const loss = this.model.lossAndGrad(this.sharedParams, part.batch, this.shardGradViews[s]!, part.state);
      return { loss, values: part.state.values };
    };
    // Post the workers' shards first so they run while this thread computes the first one.
    const others = parts
      .slice(1)
      .map((part, i) => (this.workers[i] ? this.workers[i].compute(part.batch, part.state) : null));
    const results: ShardResult[] = [own(0)];
    for (let s = 1; s < parts.length; s++) results.push((await others[s - 1]) ?? own(s));

    results.forEach((r, s) => joinState(state, r.values, this.widths, parts[s]!.shard));
    const loss = reduceShards(
      weights,
      results.map((r) => r.loss),
      this.shardGrads,
      this.sum,
    );
    for (const name in grads) grads[name]!.set(this.sumViews[name]!);
    return loss;
  }

  /** The module's `model.createState(params, B)`: fresh streams for `lossAndGrad`. */
  createState(params: Record<string, Float>, B: number): ModuleState {
    return this.model.createState(params, B);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
