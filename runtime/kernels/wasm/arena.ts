/**
 * Typed-array storage inside a WebAssembly.Memory, so kernels run on the
 * caller's arrays in place.
 *
 * Ownership: the arena owns the memory; callers hold views (Float32Array or
 * Float64Array over `memory.buffer`) that the WebAssembly kernels read and
 * write directly, with no copy per call. The intended user is a generated
 * module that allocates its parameters, gradients and workspaces here once
 * and then calls the kernels every time step.
 *
 * Growth invalidates views. A non-shared WebAssembly.Memory grows by replacing
 * its ArrayBuffer: every view made before `memory.grow` is detached (length 0)
 * and must be made again. The arena therefore grows only inside `alloc` and
 * `reserve`, counts growths in `generation`, and offers `allocMany` and
 * `reserve` so that a caller can size everything first and grow at most once,
 * before making any of its views. The kernels refuse detached views (see
 * WasmKernels), so a stale view fails loudly instead of reading zeros.
 *
 * Allocation is a bump pointer with mark/release (stack order); there is no
 * free list, because a model's arrays live as long as the model.
 */

export type WasmDType = "f32" | "f64";
export type WasmFloatArray = Float32Array | Float64Array;

const PAGE = 65536;
/** The most one WebAssembly (wasm32) memory can hold: 65,536 pages, 4 GiB. */
export const WASM_MEMORY_LIMIT = 65536 * PAGE;
/** Every allocation starts on a cache line, so rows of vectors start aligned when their length allows. */
export const ARENA_ALIGN = 64;

const bytesPer: Record<WasmDType, number> = { f32: 4, f64: 8 };

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
}

export interface WasmArenaOptions {
  /** Bytes to reserve at creation (rounded up to 64 KiB pages). Default 1 MiB. */
  initialBytes?: number;
}

export class WasmArena {
  readonly memory: WebAssembly.Memory;
  /** How many times the memory has grown: views made at an older generation are detached. */
  generation = 0;
  // Address 0 stays unused so that a zero address is never a live array.
  private top = ARENA_ALIGN;

  constructor(options: WasmArenaOptions = {}) {
    const pages = Math.max(1, Math.ceil((options.initialBytes ?? 1 << 20) / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages });
  }

  /** Bytes handed out so far (including alignment padding). */
  get used(): number {
    return this.top;
  }

  /** Bytes `count` elements of `dtype` take in the arena, padding included: for sizing a `reserve`. */
  static bytes(dtype: WasmDType, count: number): number {
    return alignUp(count * bytesPer[dtype]);
  }

  /** Makes room for `bytes` more bytes now, growing at most once. Growing detaches every existing view. */
  reserve(bytes: number): void {
    const need = this.top + bytes;
    const have = this.memory.buffer.byteLength;
    if (need <= have) return;
    const refuse = (why: string) =>
      new Error(
        `the arrays need ${need.toLocaleString("en-US")} bytes of WebAssembly memory, ${why} (one memory holds at most ${WASM_MEMORY_LIMIT.toLocaleString("en-US")})`,
      );
    if (need > WASM_MEMORY_LIMIT) throw refuse("more than it can hold");
    // Grow by at least half again, so a sequence of allocations grows a logarithmic number of times, but never past the limit.
    const target = Math.min(Math.max(need, Math.floor(have * 1.5)), WASM_MEMORY_LIMIT);
    try {
      this.memory.grow(Math.ceil((target - have) / PAGE));
    } catch {
      throw refuse("and the engine could not grow it that far");
    }
    this.generation++;
  }

  /** A zeroed view of `count` elements of `dtype`, 64-byte aligned. May grow (see the module note). */
  alloc(dtype: "f32", count: number): Float32Array;
  alloc(dtype: "f64", count: number): Float64Array;
  alloc(dtype: WasmDType, count: number): WasmFloatArray;
  alloc(dtype: WasmDType, count: number): WasmFloatArray {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`cannot allocate ${count} elements`);
    const size = WasmArena.bytes(dtype, count);
    this.reserve(size);
    const at = this.top;
    this.top += size;
    const view =
      dtype === "f32"
        ? new Float32Array(this.memory.buffer, at, count)
        : new Float64Array(this.memory.buffer, at, count);
    view.fill(0); // memory released by `release` and reused may hold old values
    return view;
  }

  f32(count: number): Float32Array {
    return this.alloc("f32", count);
  }

  f64(count: number): Float64Array {
    return this.alloc("f64", count);
  }

  /**
   * Several arrays at once, growing at most once before any view is made, so
   * every returned view is valid together.
   */
  allocMany<K extends string>(dtype: WasmDType, counts: Readonly<Record<K, number>>): Record<K, WasmFloatArray> {
    const names = Object.keys(counts) as K[];
    this.reserve(names.reduce((sum, k) => sum + WasmArena.bytes(dtype, counts[k]), 0));
    const out = {} as Record<K, WasmFloatArray>;
    for (const k of names) out[k] = this.alloc(dtype, counts[k]);
    return out;
  }

  /** The current allocation point, for `release`. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark` (views into it must no longer be used). */
  release(mark: number): void {
    if (!(mark >= ARENA_ALIGN && mark <= this.top)) throw new RangeError("release: not a mark of this arena");
    this.top = mark;
  }

  /** Whether `a` is a live view into this arena's memory (false for a view detached by growth). */
  owns(a: ArrayBufferView): boolean {
    return a.buffer === this.memory.buffer;
  }
}
