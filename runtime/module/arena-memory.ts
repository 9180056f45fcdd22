/**
 * The memory of a Model on the WebAssembly tier: every float array of its workspace, and a
 * copy of the parameters and of the gradients, in the arena of its own WasmKernels, so the
 * products and the fused loops run on them in place (docs/kernels.md, phase 2).
 */
import { WasmArena } from "../kernels/wasm/arena.js";
import { instantiateWasmLoops } from "../kernels/wasm/generated.js";
import { WasmKernels } from "../kernels/wasm/matmul.js";
import { relaxedSimdSupported, simdSupported } from "../kernels/wasm/module.js";
import { plainMemory, type ModelMemory } from "./memory.js";

/**
 * The memory of a new Model compiled with `--kernels wasm` (WebAssembly SIMD, or an Error), `--kernels relaxed`
 * (the products with fused multiply–adds where the engine runs relaxed SIMD, else WebAssembly SIMD, or an Error)
 * or `--kernels auto` (the best of relaxed SIMD, SIMD and the JavaScript kernels that the engine runs). Decided
 * when the Model is made: the same module runs on every engine.
 */
export function kernelMemory(tier: "wasm" | "relaxed" | "auto"): ModelMemory {
  if (simdSupported()) return arenaMemory(new WasmKernels({ fma: tier !== "wasm" && relaxedSimdSupported() }));
  if (tier !== "auto")
    throw new Error(
      `this module was compiled with --kernels ${tier}, and this JavaScript engine has no WebAssembly SIMD: compile it with --kernels auto or js`,
    );
  return plainMemory();
}

/**
 * A Model is its arena's only user. Each workspace starts at a mark and the next one releases it first, so the
 * arena's memory is reused; it grows at most once per workspace, before any of its views is made (growth
 * detaches views), and the Model drops the previous workspace's views.
 */
function arenaMemory(kernels: WasmKernels): ModelMemory {
  const arena = kernels.arena;
  let mark: number | undefined;
  return {
    kernels,
    resident: true,
    floats(dtype, lengths) {
      if (mark !== undefined) arena.release(mark);
      mark = arena.mark();
      arena.reserve(lengths.reduce((bytes, n) => bytes + WasmArena.bytes(dtype, n), 0));
      return lengths.map((n) => arena.alloc(dtype, n));
    },
    loops: <Exports>(base64: string) => instantiateWasmLoops<Exports>(base64, arena.memory),
  };
}
