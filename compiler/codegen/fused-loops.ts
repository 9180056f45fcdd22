/**
 * The fused element-wise loops on the WebAssembly tier. Each distinct loop of the passes
 * becomes one function of a small WebAssembly module that the code generator writes
 * (wasm/emit-loop.ts) and the generated module embeds as base64; at run time it shares the
 * memory of the kernels' arena, where every buffer of the passes lives. The call site keeps
 * the JavaScript loop as its `else` branch: it is what runs where WebAssembly SIMD is missing
 * (`--kernels auto`), and it says what the function computes.
 */
import { product, sum } from "./arith.js";
import { rowOffset, type Location } from "./location.js";
import { renderLoopJs, type ElementLoop } from "./element-loop.js";
import { encodeModule, type WasmFunction } from "./wasm/encode.js";
import { compilable, loopFunction, type FloatType } from "./wasm/emit-loop.js";
import { repeatRowsFunction, sumRowsFunction } from "./wasm/row-kernels.js";

export class FusedLoops {
  private readonly functions: WasmFunction[] = [];
  /** A loop's function by its layout-independent shape (size, strides, body): the same loop at every step is one function. */
  private readonly byShape = new Map<string, WasmFunction>();
  /** Call sites emitted so far, so a pass can tell whether it calls any. */
  calls = 0;
  /** The buffers whose addresses call sites read since the last `takeAddressed`. */
  private addressed = new Set<string>();
  /** Each buffer's local holding its address (`hAt`). */
  private readonly addresses = new Map<string, string>();

  /** `addressName`: a fresh identifier for the local of a buffer's address (`h` → `hAt`). */
  constructor(
    readonly type: FloatType,
    private readonly addressName: (buffer: string) => string,
  ) {}

  /** The function computing `loop`, or undefined where the loop stays JavaScript (a Math.* call in it). */
  functionFor(loop: ElementLoop): WasmFunction | undefined {
    if (!compilable(loop)) return undefined;
    const shape = JSON.stringify({ size: loop.size, strides: loop.streams.map((s) => s.stride), body: loop.body });
    let f = this.byShape.get(shape);
    if (!f) {
      f = loopFunction(`f${this.functions.length}`, loop, this.type);
      this.functions.push(f);
      this.byShape.set(shape, f);
    }
    return f;
  }

  /** The function of a row kernel (wasm/row-kernels.ts) for width K, made by `make` the first time. */
  rowKernel(kernel: string, K: number, make: (name: string, K: number, type: FloatType) => WasmFunction): WasmFunction {
    const shape = JSON.stringify({ kernel, K });
    let f = this.byShape.get(shape);
    if (!f) {
      f = make(`f${this.functions.length}`, K, this.type);
      this.functions.push(f);
      this.byShape.set(shape, f);
    }
    return f;
  }

  /**
   * `const v13At = v13.byteOffset;` for each buffer the call sites emitted since the last call
   * read: once per pass, since reading a view's byteOffset costs about as much as a short loop's call.
   */
  takeAddressed(): string[] {
    const lines = [...this.addressed].map((buffer) => `const ${this.addressOf(buffer)} = ${buffer}.byteOffset;`);
    this.addressed = new Set();
    return lines;
  }

  /** A buffer's byte address in a call site (its local from `takeAddressed`). */
  addressOf(buffer: string): string {
    this.addressed.add(buffer);
    let name = this.addresses.get(buffer);
    if (name === undefined) {
      name = this.addressName(buffer);
      this.addresses.set(buffer, name);
    }
    return name;
  }

  get empty(): boolean {
    return this.functions.length === 0;
  }

  /**
   * The module's bytes, base64 (the generated module decodes them where it runs: Node or a
   * browser). btoa, not Buffer: the compiler runs in the playground's workers too.
   */
  base64(): string {
    let binary = "";
    for (const byte of encodeModule(this.functions)) binary += String.fromCharCode(byte);
    return btoa(binary);
  }

  /** The TypeScript interface of the module's exports. */
  declaration(): string[] {
    return [
      `/** The fused loops as WebAssembly functions: (B, byte address of each row the loop reads or writes, for b = 0). */`,
      `interface FusedLoops {`,
      ...this.functions.map(
        (f) => `${f.name}(${f.params.map((_, i) => (i === 0 ? "B: number" : `a${i - 1}: number`)).join(", ")}): void;`,
      ),
      `}`,
    ];
  }
}

/** A loop as code: the call of its WebAssembly function where there is one, with the JavaScript loop as fallback. */
export function emitElementLoop(loop: ElementLoop, fused: FusedLoops | undefined): string[] {
  return emitLoopCall(loop, fused, renderLoopJs(loop));
}

/** The call of `loop`'s WebAssembly function where there is one, with `js`, code computing the same, as fallback. */
export function emitLoopCall(loop: ElementLoop, fused: FusedLoops | undefined, js: string[]): string[] {
  const f = fused?.functionFor(loop);
  if (!fused || !f) return js;
  fused.calls++;
  const bytes = fused.type === "f32" ? 4 : 8;
  const args = [loop.rows ?? "B", ...loop.streams.map((s) => address(fused.addressOf(s.buffer), s, bytes))];
  return [`if (fused) fused.${f.name}(${args.join(", ")});`, `else {`, ...js, `}`];
}

const rowKernels: Record<string, (name: string, K: number, type: FloatType) => WasmFunction> = {
  sumRows: sumRowsFunction,
  repeatRows: repeatRowsFunction,
};

/**
 * The call of a row kernel of one operand, `kernel(rows, K, x, xOff, y, yOff)`: its WebAssembly function where it has
 * one (sumRows, repeatRows), with the call as fallback.
 */
export function emitRowKernel(
  call: string,
  kernel: string,
  rows: string,
  K: number,
  x: Location,
  y: Location,
  fused: FusedLoops | undefined,
): string[] {
  const make = rowKernels[kernel];
  if (!fused || !make) return [call];
  const f = fused.rowKernel(kernel, K, make);
  fused.calls++;
  const bytes = fused.type === "f32" ? 4 : 8;
  const at = (l: Location) => address(fused.addressOf(l.buffer), l, bytes);
  return [`if (fused) fused.${f.name}(${rows}, ${at(x)}, ${at(y)});`, `else ${call}`];
}

/** The byte address of a stream's row for b = 0, from its buffer's. */
function address(buffer: string, s: Location, bytes: number): string {
  return sum(buffer, product(rowOffset(s.slot, s.stride, s.offset, "0"), bytes));
}
