/**
 * The WebAssembly binary format, as much of it as the fused element-wise loops use: LEB128
 * numbers, instructions with their immediates, and a module of functions over one imported
 * memory (https://webassembly.github.io/spec/core/binary/). Writing the bytes here keeps
 * `rnnc compile` free of an assembler at run time; tests check them against wabt.
 */

export const valueType = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValueType = (typeof valueType)[keyof typeof valueType];

/** Unsigned LEB128. */
export function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function i32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function littleEndian(write: (view: DataView) => void, bytes: number): number[] {
  const view = new DataView(new ArrayBuffer(bytes));
  write(view);
  return [...new Uint8Array(view.buffer)];
}

/** A vector: its length, then its items. */
function vector(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

/** A name: its UTF-8 bytes as a vector. */
function utf8(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...u32(bytes.length), ...bytes];
}

/** Instructions of one function body, appended in order. */
export class Code {
  readonly bytes: number[] = [];

  op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  /** A SIMD instruction: the 0xfd prefix and its LEB128 opcode. */
  simd(opcode: number): this {
    return this.op(0xfd, ...u32(opcode));
  }

  localGet(index: number): this {
    return this.op(0x20, ...u32(index));
  }

  localSet(index: number): this {
    return this.op(0x21, ...u32(index));
  }

  localTee(index: number): this {
    return this.op(0x22, ...u32(index));
  }

  i32Const(n: number): this {
    return this.op(0x41, ...i32(n));
  }

  f32Const(value: number): this {
    return this.op(0x43, ...littleEndian((v) => v.setFloat32(0, value, true), 4));
  }

  f64Const(value: number): this {
    return this.op(0x44, ...littleEndian((v) => v.setFloat64(0, value, true), 8));
  }

  /** A memory access's immediate: log2 of the alignment hint and a constant byte offset. */
  memarg(alignLog2: number, offset: number): this {
    return this.op(...u32(alignLog2), ...u32(offset));
  }
}

export const opcode = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  select: 0x1b,
  emptyBlockType: 0x40,
  i32GeS: 0x4e,
  i32LtU: 0x49,
  i32Add: 0x6a,
} as const;

export interface WasmFunction {
  name: string;
  params: ValueType[];
  /** Declared locals beyond the parameters, in index order. */
  locals: ValueType[];
  code: Code;
}

/** A module importing `env.memory` and exporting each function by name; functions return nothing. */
export function encodeModule(functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const signatures: string[] = [];
  const typeOf = functions.map((f) => {
    const key = f.params.join(",");
    if (!signatures.includes(key)) signatures.push(key);
    return signatures.indexOf(key);
  });
  const types = signatures.map((key) => [
    0x60,
    ...vector(key === "" ? [] : key.split(",").map((t) => [Number(t)])),
    ...u32(0),
  ]);
  const memoryImport = [...utf8("env"), ...utf8("memory"), 0x02, 0x00, ...u32(0)];
  const exports = functions.map((f, i) => [...utf8(f.name), 0x00, ...u32(i)]);
  const bodies = functions.map((f) => {
    const body = [...localDeclarations(f.locals), ...f.code.bytes, opcode.end];
    return [...u32(body.length), ...body];
  });
  const section = (id: number, items: number[][]) => {
    const payload = vector(items);
    return [id, ...u32(payload.length), ...payload];
  };
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, [memoryImport]),
    ...section(
      3,
      typeOf.map((t) => u32(t)),
    ),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

/** Locals as runs of one type: (count, type) pairs. */
function localDeclarations(locals: readonly ValueType[]): number[] {
  const runs: { count: number; type: ValueType }[] = [];
  for (const type of locals) {
    const last = runs[runs.length - 1];
    if (last?.type === type) last.count++;
    else runs.push({ count: 1, type });
  }
  return vector(runs.map(({ count, type }) => [...u32(count), type]));
}
