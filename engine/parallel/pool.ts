/**
 * Data-parallel loss and gradient of a generated module: a batch split into one shard of
 * whole sequences per thread, this thread computing the first shard while worker threads
 * (`gradient-worker.js`) compute the others, and the shards' gradients summed in shard
 * order (shards.ts), each thread summing a part of the parameter vector.
 *
 * A step posts no message and copies nothing it need not: the parameters, each shard's
 * batch and state, the shards' gradients and their sum all lie in shared memory, and the
 * threads start one another and say what they finished through the control block of
 * shared-step.js (Atomics). A worker is sent its shard's views only when their shape
 * changes (shard-slot.ts). A caller that writes its parameters into `parameters` and takes
 * the gradient from `gradients` has neither copied.
 *
 * The result depends on the number of shards, never on the number of threads: a pool of
 * `shards` shards and no workers computes the same bits on this thread alone.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { IrModel } from "../../compiler/ir/ir.js";
import type {
  Float,
  GeneratedModule,
  GeneratedModel,
  ModuleBatch,
  ModuleState,
} from "../../runtime/generated-module.js";
import { ShardSlot } from "./shard-slot.js";
import { joinState, maskWidths, rowWidths, shardsOf, shardWeights } from "./shards.js";
import {
  COMPUTED,
  controlBytes,
  FRESH,
  lossAt,
  PARTS,
  partOf,
  sharedLayout,
  shardSum,
  slot,
  START,
  SUMMED,
  weightAt,
} from "./shared-step.js";

/**
 * What a pool's threads share: the parameters, the control block, and a WebAssembly.Memory
 * holding the numbers, the shards' gradients and their sum (shared-step.js, `sharedLayout`).
 */
interface SharedMemory {
  parameters: SharedArrayBuffer;
  control: SharedArrayBuffer;
  memory: WebAssembly.Memory;
}

/**
 * How long the main thread blocks waiting for a worker before it waits on its event loop: the
 * workers finish a step's shard within a millisecond or so of this thread; a worker that
 * stopped is noticed on the event loop.
 */
const BLOCKING_WAIT_MS = 10;

/** A worker thread computing shard `shard` of every step it is started on. */
class GradientWorker {
  private failure: Error | null = null;
  /** Rejects when the thread fails or stops: every wait on it races this. */
  private readonly failed: Promise<never>;

  private constructor(
    private readonly thread: Worker,
    private readonly port: MessagePort,
    private readonly signals: Int32Array,
    private readonly shard: number,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      const fail = (e: Error) => {
        this.failure ??= e;
        reject(this.failure);
      };
      thread.on("error", fail);
      thread.on("exit", (code) => fail(new Error(`a training thread stopped (exit code ${code})`)));
    });
    this.failed.catch(() => {}); // read where it matters: by `until` and `lossAndGrad`
  }

  static start(data: SharedMemory & { moduleUrl: string; shard: number; shards: number }): Promise<GradientWorker> {
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    const thread = new Worker(new URL("./gradient-worker.js", import.meta.url), {
      workerData: { ...data, port: port2 },
      transferList: [port2],
    });
    return new Promise((resolve, reject) => {
      thread.once("message", () => {
        thread.off("error", reject);
        // Idle, a worker does not keep the process alive: a command that ends without close() still exits.
        thread.unref();
        resolve(new GradientWorker(thread, port1, new Int32Array(data.control), data.shard));
      });
      thread.once("error", reject);
    });
  }

  get error(): Error | null {
    return this.failure;
  }

  /** The views of its shard's batch and state, read by the thread when next started. */
  send(slot: ShardSlot): void {
    this.port.postMessage({ batch: slot.batch, state: slot.state });
  }

  begin(step: number, fresh: boolean): void {
    // Busy, it keeps the process alive while this thread awaits it.
    this.thread.ref();
    this.signals[slot(FRESH, this.shard)] = fresh ? 1 : 0;
    Atomics.store(this.signals, slot(START, this.shard), step);
    Atomics.notify(this.signals, slot(START, this.shard));
  }

  /**
   * Waits until the thread has published `step` (or its failure, -step) in `field`; true unless it failed.
   * Most often the thread is about done, so this thread blocks for it (Atomics.wait: no turn of the event
   * loop) up to BLOCKING_WAIT_MS, then waits without blocking, raced against the thread's failure.
   */
  async until(field: number, step: number): Promise<boolean> {
    const at = slot(field, this.shard);
    let block = true;
    for (let v = Atomics.load(this.signals, at); v !== step; v = Atomics.load(this.signals, at)) {
      if (v === -step) return false;
      if (block && Atomics.wait(this.signals, at, v, BLOCKING_WAIT_MS) !== "timed-out") continue;
      block = false;
      const wait = waitAsync(this.signals, at, v);
      if (wait.async) await Promise.race([wait.value, this.failed]);
    }
    return true;
  }

  end(): void {
    this.thread.unref();
  }

  /** Why its shard failed, as the thread posted it. */
  shardError(): Error {
    const m = receiveMessageOnPort(this.port)?.message as { error?: string } | undefined;
    return new Error(m?.error ?? "a training thread failed to compute its shard");
  }

  async stop(): Promise<void> {
    this.thread.removeAllListeners("exit");
    this.port.close();
    await this.thread.terminate();
  }
}

/** Bytes of one of the module's numbers. */
const bytesOf = (module: GeneratedModule) => (module.dtype === "f32" ? 4 : 8);

/** Atomics.waitAsync (Node 16+), which the ES2022 library this project compiles against does not declare. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: false } | { async: true; value: Promise<unknown> };
  }
).waitAsync.bind(Atomics);

export class GradientPool {
  private readonly model: GeneratedModel;
  private readonly widths: Map<string, number>;
  /** The parameters the threads read: a caller writing into them has lossAndGrad copy none. */
  readonly parameters: Record<string, Float>;
  private readonly shardGradViews: Record<string, Float>[];
  /** The last step's gradient, written by the threads: passed as `grads`, nothing is copied out. */
  readonly gradients: Record<string, Float>;
  private readonly count: number;
  private readonly sumPart: (parts: number, from: number, to: number) => void;
  private readonly signals: Int32Array;
  private readonly floats: Float64Array;
  /** Each shard's batch and state, the first (and any without a worker) computed on this thread. */
  private readonly slots: ShardSlot[];
  private step = 0;

  private constructor(
    private readonly ir: IrModel,
    module: GeneratedModule,
    readonly shards: number,
    private readonly workers: GradientWorker[],
    memory: SharedMemory,
  ) {
    const n = module.parameterCount;
    const layout = sharedLayout(shards, n, bytesOf(module));
    const shared = memory.memory.buffer;
    const view = (buffer: ArrayBufferLike, at: number): Float =>
      module.dtype === "f32" ? new Float32Array(buffer, at, n) : new Float64Array(buffer, at, n);
    this.model = new module.Model();
    this.widths = rowWidths(ir);
    this.parameters = module.createParameters(view(memory.parameters, 0));
    this.shardGradViews = Array.from({ length: shards }, (_, s) =>
      module.createParameters(view(shared, layout.gradients + s * layout.stride)),
    );
    this.gradients = module.createParameters(view(shared, layout.sum));
    this.count = n;
    this.sumPart = shardSum(memory.memory, layout, module.dtype);
    this.signals = new Int32Array(memory.control);
    this.floats = new Float64Array(shared, 0, weightAt(shards, shards));
    const masks = maskWidths(ir);
    this.slots = Array.from({ length: shards }, () => new ShardSlot(this.widths, masks));
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
    // The shards slice one sequence's arrays: a batch of several would be split wrongly, not refused later.
    if (ir.sequences && shards > 1)
      throw new Error(
        `${ir.name} reads sequences ${ir.sequences.join(", ")}: its batches are not split between threads`,
      );
    const { pages } = sharedLayout(shards, module.parameterCount, bytesOf(module));
    const memory: SharedMemory = {
      parameters: new SharedArrayBuffer(module.parameterCount * bytesOf(module)),
      control: new SharedArrayBuffer(controlBytes(shards)),
      memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
    };
    const workers = threaded
      ? await Promise.all(
          Array.from({ length: shards - 1 }, (_, i) =>
            GradientWorker.start({ ...memory, moduleUrl, shard: i + 1, shards }),
          ),
        )
      : [];
    return new GradientPool(ir, module, shards, workers, memory);
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
    const broken = this.workers.find((w) => w.error);
    if (broken) throw broken.error;

    const step = ++this.step;
    const parts = shards.length;
    for (const name in this.parameters)
      if (params[name] !== this.parameters[name]) this.parameters[name]!.set(params[name]!);
    this.signals[PARTS] = parts;
    weights.forEach((w, s) => (this.floats[weightAt(this.shards, s)] = w));
    // Shard s > 0 goes to worker s - 1 when there is one; the others stay on this thread.
    const workerOf = (s: number) => (s > 0 ? this.workers[s - 1] : undefined);
    const started = shards.flatMap((shard, s) => {
      const worker = workerOf(s);
      if (!worker) return [];
      if (this.slots[s]!.fill(batch, state, shard)) worker.send(this.slots[s]!);
      worker.begin(step, state.fresh);
      return [worker];
    });
    // This thread's own shards are copied in while the workers start on theirs.
    shards.forEach((shard, s) => workerOf(s) ?? this.slots[s]!.fill(batch, state, shard));

    try {
      let failure: unknown = null;
      for (let s = 0; s < parts; s++) {
        if (workerOf(s)) continue;
        try {
          const { batch: part, state: partState } = this.slots[s]!;
          this.floats[lossAt(s)] = this.model.lossAndGrad(this.parameters, part, this.shardGradViews[s]!, partState);
          this.publish(s, step);
        } catch (e) {
          failure ??= e;
          this.publish(s, -step);
        }
      }
      const computed = await Promise.all(started.map((w) => w.until(COMPUTED, step)));
      if (failure === null && computed.every(Boolean)) {
        for (let s = 0; s < parts; s++) {
          if (workerOf(s)) continue;
          const { from, to } = partOf(this.count, parts, s);
          this.sumPart(parts, from, to);
        }
      }
      // Every thread is done with this step before anything returns, even a failure.
      await Promise.all(started.map((w) => w.until(SUMMED, step)));
      if (failure !== null) throw failure;
      const failed = started.find((_, i) => !computed[i]);
      if (failed) throw failed.shardError();
    } finally {
      started.forEach((w) => w.end());
    }

    let loss = 0;
    shards.forEach((shard, s) => {
      loss += weights[s]! * this.floats[lossAt(s)]!;
      joinState(state, this.slots[s]!.state.values, this.widths, shard);
    });
    for (const name in grads) if (grads[name] !== this.gradients[name]) grads[name]!.set(this.gradients[name]!);
    return loss;
  }

  /** This thread's shard s has computed `step` (or failed to: -step), for the workers summing their parts. */
  private publish(s: number, step: number): void {
    Atomics.store(this.signals, slot(COMPUTED, s), step);
    Atomics.notify(this.signals, slot(COMPUTED, s));
  }

  /** The module's `model.createState(params, B)`: fresh streams for `lossAndGrad`. */
  createState(params: Record<string, Float>, B: number): ModuleState {
    return this.model.createState(params, B);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
