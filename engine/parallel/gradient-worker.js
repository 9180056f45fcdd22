// @ts-check
/**
 * One thread of data-parallel training (engine/parallel/pool.ts). It loads the generated
 * module the main thread runs, then, step after step, waits on the control block
 * (shared-step.js) until it is started, computes its shard's loss and gradient (the
 * parameters, the shard's batch and state and the gradient all in shared memory), and once
 * every shard's gradient is written sums its part of their weighted sum.
 *
 * Nothing of a step goes through messages: the thread blocks in Atomics.wait between steps
 * and never returns to its event loop. What it is sent (the views of its shard's batch and
 * state, when their shape changes) it reads from its port with receiveMessageOnPort when
 * started; what it sends (an error) the main thread reads the same way.
 *
 * Plain JavaScript so that it runs as it is, from the sources and from dist/ alike.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { COMPUTED, FRESH, PARTS, START, SUMMED, lossAt, partOf, sharedLayout, shardSum, slot } from "./shared-step.js";

/**
 * @type {{ moduleUrl: string, shard: number, shards: number, parameters: SharedArrayBuffer,
 *   control: SharedArrayBuffer, memory: WebAssembly.Memory, port: import("node:worker_threads").MessagePort }}
 */
const { moduleUrl, shard, shards, parameters, control, memory, port } = workerData;

const module = await import(moduleUrl);
const count = module.parameterCount;
const layout = sharedLayout(shards, count, module.dtype === "f32" ? 4 : 8);
/** @param {ArrayBufferLike} buffer @param {number} at @returns {Float32Array | Float64Array} */
const view = (buffer, at) =>
  module.dtype === "f32" ? new Float32Array(buffer, at, count) : new Float64Array(buffer, at, count);
const params = module.createParameters(view(parameters, 0));
const grads = module.createParameters(view(memory.buffer, layout.gradients + shard * layout.stride));
const sum = shardSum(memory, layout, module.dtype);
const signals = new Int32Array(control);
const floats = new Float64Array(memory.buffer, 0, shards);
const model = new module.Model();

/** @param {number} field @param {number} value */
function publish(field, value) {
  Atomics.store(signals, slot(field, shard), value);
  Atomics.notify(signals, slot(field, shard));
}

/** Waits until shard `s` has computed step `step`; false when it failed to. */
function computed(/** @type {number} */ s, /** @type {number} */ step) {
  const at = slot(COMPUTED, s);
  for (let v = Atomics.load(signals, at); v !== step; v = Atomics.load(signals, at)) {
    if (v === -step) return false;
    Atomics.wait(signals, at, v);
  }
  return true;
}

/** @type {{ batch: any, state: any } | undefined} the views of this shard's batch and state */
let work;
/** @type {import("node:worker_threads").MessagePort} */ (parentPort).postMessage({ ready: true });
for (let step = 0; ;) {
  Atomics.wait(signals, slot(START, shard), step);
  step = Atomics.load(signals, slot(START, shard));
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) work = m.message;
  const parts = signals[PARTS];
  try {
    if (!work) throw new Error("a training thread was started before it was sent its shard");
    work.state.fresh = signals[slot(FRESH, shard)] === 1;
    floats[lossAt(shard)] = model.lossAndGrad(params, work.batch, grads, work.state);
    publish(COMPUTED, step);
  } catch (e) {
    // Posted before the failure is published, so the main thread finds it when it looks.
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    publish(COMPUTED, -step);
  }
  let complete = true;
  for (let s = 0; s < parts; s++) complete = computed(s, step) && complete;
  if (complete) {
    const { from, to } = partOf(count, parts, shard);
    sum(parts, from, to);
  }
  publish(SUMMED, step);
}
