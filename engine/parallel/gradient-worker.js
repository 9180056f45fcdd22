// @ts-check
/**
 * One thread of data-parallel training (engine/parallel/pool.ts). It loads the generated
 * module the main thread runs, then computes the loss and gradient of every shard it is
 * sent: parameters read from shared memory, the gradient written to this thread's slot of
 * shared memory, the loss and the shard's final state posted back.
 *
 * Plain JavaScript so that it runs as it is, from the sources and from dist/ alike.
 */
import { parentPort, workerData } from "node:worker_threads";

const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
/** @type {{ moduleUrl: string, parameters: SharedArrayBuffer, gradients: SharedArrayBuffer, gradientOffset: number }} */
const { moduleUrl, parameters, gradients, gradientOffset } = workerData;

const module = await import(moduleUrl);
const count = module.parameterCount;
/** @param {SharedArrayBuffer} buffer @param {number} offset */
const view = (buffer, offset) =>
  module.dtype === "f32" ? new Float32Array(buffer, offset * 4, count) : new Float64Array(buffer, offset * 8, count);
const params = module.createParameters(view(parameters, 0));
const grads = module.createParameters(view(gradients, gradientOffset));
const model = new module.Model();

port.on("message", (/** @type {{ batch: object, state: { values: object } }} */ { batch, state }) => {
  try {
    const loss = model.lossAndGrad(params, batch, grads, state);
    port.postMessage({ loss, values: state.values });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
