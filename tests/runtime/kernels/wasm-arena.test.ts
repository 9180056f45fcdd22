/** The wasm kernel tier's memory: the arena's views, growth, and the build that embeds the module. */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { enableRelaxedSimd } from "../../../engine/wasm-features.js";
import {
  ARENA_ALIGN,
  kernelModule,
  preloadKernelModule,
  relaxedKernelModule,
  simdSupported,
  WasmArena,
  WasmKernels,
} from "../../../runtime/kernels/wasm/index.js";
import { WASM_MEMORY_LIMIT } from "../../../runtime/kernels/wasm/arena.js";
import { SCRATCH_BYTES } from "../../../runtime/kernels/wasm/module.js";
import { relaxedProbeBytes } from "../../../runtime/kernels/wasm/kernels-relaxed-wasm.js";
import { simdProbeBytes } from "../../../runtime/kernels/wasm/kernels-wasm.js";

describe("WasmArena", () => {
  it("hands out zeroed, cache-line aligned views into its memory", () => {
    const arena = new WasmArena({ initialBytes: 1 });
    const a = arena.f32(3);
    const b = arena.f64(5);
    for (const v of [a, b]) {
      expect(v.buffer).toBe(arena.memory.buffer);
      expect(v.byteOffset % ARENA_ALIGN).toBe(0);
      expect(v.byteOffset).toBeGreaterThan(0); // address 0 is never an array
      expect(Array.from(v)).toEqual(new Array(v.length).fill(0));
      expect(arena.owns(v)).toBe(true);
    }
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.byteLength);
    expect(arena.owns(new Float32Array(3))).toBe(false);
  });

  it("grows on demand, detaching earlier views, and says so through `generation`", () => {
    const arena = new WasmArena({ initialBytes: 65536 });
    const early = arena.f32(1000);
    const at = early.byteOffset;
    early[0] = 1;
    expect(arena.generation).toBe(0);
    const big = arena.f64(100_000); // 800 kB: forces growth
    expect(arena.generation).toBe(1);
    expect(early.length).toBe(0); // detached by memory.grow
    expect(big.length).toBe(100_000);
    const again = new Float32Array(arena.memory.buffer, at, 1);
    expect(again[0]).toBe(1); // the data survives; only the old view is gone
  });

  it("allocMany grows once, before making any view, so all its views stay valid together", () => {
    const arena = new WasmArena({ initialBytes: 65536 });
    const views = arena.allocMany("f32", { a: 30_000, b: 30_000, c: 30_000 });
    expect(arena.generation).toBe(1);
    for (const v of Object.values(views)) expect(v.length).toBe(30_000);
  });

  it("release frees back to a mark, and reused memory comes back zeroed", () => {
    const arena = new WasmArena();
    const mark = arena.mark();
    arena.f64(10).fill(3);
    arena.release(mark);
    const reused = arena.f64(10);
    expect(reused.byteOffset).toBe(mark);
    expect(Array.from(reused)).toEqual(new Array(10).fill(0));
    expect(() => arena.release(arena.used + 64)).toThrow(RangeError);
  });

  it("kernels refuse a view detached by growth instead of computing on an empty array", () => {
    const kernels = new WasmKernels({ initialBytes: 65536 });
    const x = kernels.arena.f32(4);
    const w = kernels.arena.f32(4);
    const y = kernels.arena.f32(1);
    kernels.arena.f32(1 << 16); // grows: x, w, y are detached
    expect(() => kernels.matmulBatch(1, 1, 4, x, 0, w, 0, y, 0, false)).toThrow(/detached/);
  });

  it("kernels remember where views lie, yet refuse them once detached, and run views made after a growth in place", () => {
    const kernels = new WasmKernels({ initialBytes: 65536 });
    const views = () => {
      const { x, w, y } = kernels.arena.allocMany("f32", { x: 4, w: 8, y: 2 });
      x.set([1, 2, 3, 4]);
      w.set([1, 1, 1, 1, 0, 1, 0, 1]);
      return { x, w, y };
    };
    const before = views();
    const run = ({ x, w, y }: ReturnType<typeof views>) => {
      kernels.matmulBatch(1, 2, 4, x, 0, w, 0, y, 0, false);
      kernels.activateRows("exp", 1, 2, y, 0, 2, y, 0, 2);
      kernels.matmulBatchBackwardInput(1, 2, 4, y, 0, w, 0, x, 0);
      kernels.matmulBatchBackwardWeight(1, 2, 4, y, 0, x, 0, w, 0);
    };
    run(before); // the kernels have seen these views in the arena
    kernels.arena.f32(1 << 16); // grows: they are detached
    const { x, w, y } = before;
    expect(() => kernels.matmulBatch(1, 2, 4, x, 0, w, 0, y, 0, false)).toThrow(/detached/);
    expect(() => kernels.activateRows("exp", 1, 2, y, 0, 2, y, 0, 2)).toThrow(/detached/);
    expect(() => kernels.matmulBatchBackwardInput(1, 2, 4, y, 0, w, 0, x, 0)).toThrow(/detached/);
    expect(() => kernels.matmulBatchBackwardWeight(1, 2, 4, y, 0, x, 0, w, 0)).toThrow(/detached/);
    const after = views(); // the new buffer
    run(after);
    after.y.forEach((v, i) => expect(v / Math.exp([10, 6][i]!)).toBeCloseTo(1, 6)); // e^(x·w) of the two rows
    expect(kernels.stagedCalls).toBe(0);
  });

  it("the weight gradient's scratch comes first in the arena, and the kernel writes nothing past it", () => {
    for (const dtype of ["f32", "f64"] as const) {
      const kernels = new WasmKernels({ initialBytes: 1 << 20 });
      const [B, M, N] = [300, 12, 9]; // blocks of 128 steps, the largest the scratch holds
      const { guard, dy, x, dw } = kernels.arena.allocMany(dtype, { guard: 64, dy: B * M, x: B * N, dw: M * N });
      expect(guard.byteOffset).toBe(ARENA_ALIGN + SCRATCH_BYTES); // right after the scratch
      guard.fill(777);
      dy.fill(0.5);
      x.fill(0.25);
      kernels.matmulBatchBackwardWeight(B, M, N, dy, 0, x, 0, dw, 0);
      expect(Array.from(guard)).toEqual(new Array(64).fill(777));
      expect(Array.from(dw)).toEqual(new Array(M * N).fill(B / 8));
    }
  });
});

describe("the kernel module", () => {
  it("is available here: Node 20 has WebAssembly SIMD, and the probe module validates", async () => {
    await preloadKernelModule(); // the asynchronous path compiles the same module, once
    expect(simdSupported()).toBe(true);
    expect(WebAssembly.validate(simdProbeBytes)).toBe(true);
    const exports = WebAssembly.Module.exports(kernelModule()).map((e) => e.name);
    for (const t of ["f32", "f64"])
      for (const k of ["matmul", "matmul_bwd_x", "matmul_bwd_w", "peak"]) expect(exports).toContain(`${t}_${k}`);
  });

  it("relaxed SIMD validates only once V8's flag is set (Node 20), and then the relaxed module has the products", () => {
    // Before the flag the probe fails, so the relaxed tier falls back; this process has not set it yet.
    const before = WebAssembly.validate(relaxedProbeBytes);
    expect(enableRelaxedSimd()).toBe(true);
    if (process.versions.node.startsWith("20.")) expect(before).toBe(false);
    const exports = WebAssembly.Module.exports(relaxedKernelModule()).map((e) => e.name);
    for (const t of ["f32", "f64"])
      for (const k of ["matmul", "matmul_bwd_x", "matmul_bwd_w", "peak"]) expect(exports).toContain(`${t}_${k}`);
    expect(exports.some((name) => name.includes("_rows"))).toBe(false); // activations stay in the SIMD module
  });

  it("committed outputs (kernels*.wat, kernels*.wasm, kernels*-wasm.ts) equal a fresh build from tools/wasm-kernels", () => {
    const script = fileURLToPath(new URL("../../../tools/wasm-kernels/build.mjs", import.meta.url));
    // `npm run build:wasm` (docs/kernels.md) without writing: exits non-zero, naming the stale file, when a committed output differs.
    const out = execFileSync(process.execPath, [script, "--check"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toContain("up to date");
  });
});

describe("the arena at WebAssembly's 4 GiB limit", () => {
  it("grows to the limit when growing by half again would pass it", () => {
    const arena = new WasmArena();
    arena.reserve(3 * 2 ** 30);
    // 3.5 GiB: half again of 3 GiB is 4.5 GiB, past the limit; the arena takes what it needs up to 4 GiB.
    expect(() => arena.reserve(3.5 * 2 ** 30)).not.toThrow();
    expect(arena.memory.buffer.byteLength).toBe(WASM_MEMORY_LIMIT);
  });

  it("refuses more than one memory can hold with a message, before trying to grow", () => {
    const arena = new WasmArena();
    expect(() => arena.f64(2 ** 30)).toThrow(
      new Error(
        "the arrays need 8,589,934,656 bytes of WebAssembly memory, more than it can hold (one memory holds at most 4,294,967,296)",
      ),
    );
    expect(arena.generation).toBe(0);
  });
});
