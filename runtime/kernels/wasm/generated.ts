/**
 * WebAssembly that the code generator writes for one model: its fused element-wise loops
 * (compiler/codegen/fused-loops.ts), embedded in the generated module as base64. It imports
 * the memory of the kernels' arena, so its functions run on the same buffers as the products.
 */
import { decodeBase64 } from "./module.js";

const compiledModules = new Map<string, WebAssembly.Module>();

/**
 * An instance of a generated module on `memory`; its exports as `Exports`. The module is compiled
 * once per process (small: a few kilobytes, so synchronous compilation is allowed on a page's main thread).
 */
export function instantiateWasmLoops<Exports>(base64: string, memory: WebAssembly.Memory): Exports {
  let module = compiledModules.get(base64);
  if (!module) {
    module = new WebAssembly.Module(decodeBase64(base64));
    compiledModules.set(base64, module);
  }
  return new WebAssembly.Instance(module, { env: { memory } }).exports as Exports;
}
