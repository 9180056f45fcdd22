/**
 * WebAssembly features that Node 20's V8 ships behind a flag, enabled for rnnc's own
 * processes: relaxed SIMD, whose fused multiply–add the relaxed kernel tier runs on
 * (docs/kernels.md). V8's flags are process-wide: a worker thread started later sees
 * them too, so the threads of one process pick the same kernel tier.
 */
import { setFlagsFromString } from "node:v8";
import { relaxedProbeBytes } from "../runtime/kernels/wasm/kernels-relaxed-wasm.js";

/**
 * Lets this process compile relaxed SIMD, unless its engine already does (browsers, a later
 * Node). Call it before the first Model is made: kernel tiers are decided, once per thread, when
 * the first Model asks. Returns whether relaxed SIMD now validates.
 */
export function enableRelaxedSimd(): boolean {
  if (!WebAssembly.validate(relaxedProbeBytes)) setFlagsFromString("--experimental-wasm-relaxed-simd");
  return WebAssembly.validate(relaxedProbeBytes);
}
