/**
 * An element-wise loop (../element-loop.ts) as a WebAssembly function:
 *
 *     f(B, stream₀, stream₁, …)   // byte addresses of each stream's row for b = 0
 *
 * For each of the B rows, the body runs on f32x4 (f64x2) vectors over the whole vectors of
 * the row, then element by element over the last size mod 4 (mod 2) elements; then every
 * stream with a row stride moves to the next row. The same expression trees as the
 * JavaScript loop, operation for operation: in float64 the results are the same bits (no
 * fused multiply-add in WebAssembly). Float32 rounds every operation to float32 where the
 * JavaScript loop computes in double and rounds when storing.
 *
 * Streams never overlap part-way (two locations of one buffer are the same row or disjoint
 * rows), so computing four elements at once reads and writes exactly what the scalar loop does.
 */
import { forEachExpr, type Compare, type Expr } from "../../ops/expr.js";
import type { ElementLoop, Statement } from "../element-loop.js";
import { Code, opcode, valueType, type ValueType, type WasmFunction } from "./encode.js";

export type FloatType = "f32" | "f64";

interface Ops {
  scalar: ValueType;
  bytes: number;
  lanes: number;
  alignLog2: number;
  load: number;
  store: number;
  binary: Record<"+" | "-" | "*" | "/", { scalar: number; vector: number }>;
  neg: { scalar: number; vector: number };
  compare: Record<Compare, { scalar: number; vector: number }>;
  splat: number;
  constant: (code: Code, value: number) => Code;
}

// Scalar opcodes and SIMD opcodes (after the 0xfd prefix), from the core specification.
const ops: Record<FloatType, Ops> = {
  f32: {
    scalar: valueType.f32,
    bytes: 4,
    lanes: 4,
    alignLog2: 2,
    load: 0x2a,
    store: 0x38,
    binary: {
      "+": { scalar: 0x92, vector: 0xe4 },
      "-": { scalar: 0x93, vector: 0xe5 },
      "*": { scalar: 0x94, vector: 0xe6 },
      "/": { scalar: 0x95, vector: 0xe7 },
    },
    neg: { scalar: 0x8c, vector: 0xe1 },
    compare: {
      "<": { scalar: 0x5d, vector: 0x43 },
      ">": { scalar: 0x5e, vector: 0x44 },
      "!=": { scalar: 0x5c, vector: 0x42 },
    },
    splat: 0x13,
    constant: (code, value) => code.f32Const(value),
  },
  f64: {
    scalar: valueType.f64,
    bytes: 8,
    lanes: 2,
    alignLog2: 3,
    load: 0x2b,
    store: 0x39,
    binary: {
      "+": { scalar: 0xa0, vector: 0xf0 },
      "-": { scalar: 0xa1, vector: 0xf1 },
      "*": { scalar: 0xa2, vector: 0xf2 },
      "/": { scalar: 0xa3, vector: 0xf3 },
    },
    neg: { scalar: 0x9a, vector: 0xed },
    compare: {
      "<": { scalar: 0x63, vector: 0x49 },
      ">": { scalar: 0x64, vector: 0x4a },
      "!=": { scalar: 0x62, vector: 0x48 },
    },
    splat: 0x14,
    constant: (code, value) => code.f64Const(value),
  },
};

const simd = { load: 0x00, store: 0x0b, bitselect: 0x52 } as const;

/** Whether the loop can be compiled: Math.* calls, class indicators and skipped rows stay in JavaScript. */
export function compilable(loop: ElementLoop): boolean {
  let plain = loop.skipRow === undefined;
  for (const s of loop.body)
    if (s.kind !== "comment") forEachExpr(s.value, (e) => (plain &&= e.kind !== "math" && e.kind !== "indicator"));
  return plain;
}

/** Vector or scalar code for one element position. */
type Mode = { vector: true } | { vector: false; offset: number };

export function loopFunction(name: string, loop: ElementLoop, type: FloatType): WasmFunction {
  const t = ops[type];
  const params: ValueType[] = [valueType.i32, ...loop.streams.map(() => valueType.i32)];
  const locals: ValueType[] = [];
  const declare = (type: ValueType) => params.length + locals.push(type) - 1;
  const b = declare(valueType.i32);
  const o = declare(valueType.i32);
  const named = new Map<string, { vector: number; scalar: number }>();
  for (const s of loop.body)
    if (s.kind === "define") named.set(s.name, { vector: declare(valueType.v128), scalar: declare(t.scalar) });
  // Keyed by text: a Map would take 0 and -0 for one key.
  const constants = new Map<string, number>();
  const constantKey = (value: number) => (Object.is(value, -0) ? "-0" : String(value));
  const code = new Code();
  const stream = (k: number) => 1 + k;

  // Splats of the constants, once, before the loops.
  for (const s of loop.body) {
    if (s.kind === "comment") continue;
    forEachExpr(s.value, (e) => {
      if (e.kind !== "num" || constants.has(constantKey(e.value))) return;
      const index = declare(valueType.v128);
      constants.set(constantKey(e.value), index);
      t.constant(code, e.value).simd(t.splat).localSet(index);
    });
  }

  const address = (k: number, mode: Mode) => {
    code.localGet(stream(k));
    if (mode.vector) code.localGet(o).op(opcode.i32Add);
  };
  const load = (mode: Mode) =>
    mode.vector ? code.simd(simd.load).memarg(t.alignLog2, 0) : code.op(t.load).memarg(t.alignLog2, mode.offset);
  const store = (mode: Mode) =>
    mode.vector ? code.simd(simd.store).memarg(t.alignLog2, 0) : code.op(t.store).memarg(t.alignLog2, mode.offset);
  const instruction = (pair: { scalar: number; vector: number }, mode: Mode) =>
    mode.vector ? code.simd(pair.vector) : code.op(pair.scalar);
  const localOf = (name: string, mode: Mode) => {
    const l = named.get(name)!;
    return mode.vector ? l.vector : l.scalar;
  };

  const expr = (e: Expr, mode: Mode): void => {
    switch (e.kind) {
      case "num":
        if (mode.vector) code.localGet(constants.get(constantKey(e.value))!);
        else t.constant(code, e.value);
        return;
      case "read":
        address(e.stream, mode);
        load(mode);
        return;
      case "local":
        code.localGet(localOf(e.name, mode));
        return;
      case "binary":
        expr(e.a, mode);
        expr(e.b, mode);
        instruction(t.binary[e.op], mode);
        return;
      case "neg":
        expr(e.a, mode);
        instruction(t.neg, mode);
        return;
      case "select":
        // then, otherwise, condition: bitselect per lane, select per scalar.
        expr(e.then, mode);
        expr(e.otherwise, mode);
        expr(e.a, mode);
        expr(e.b, mode);
        instruction(t.compare[e.compare], mode);
        if (mode.vector) code.simd(simd.bitselect);
        else code.op(opcode.select);
        return;
      case "math":
      case "indicator":
        throw new Error(`internal error: ${e.kind} in a loop compiled to WebAssembly`);
    }
  };

  const statement = (s: Statement, mode: Mode): void => {
    switch (s.kind) {
      case "comment":
        return;
      case "define":
        expr(s.value, mode);
        code.localSet(localOf(s.name, mode));
        return;
      case "accumulate":
        code.localGet(localOf(s.name, mode));
        expr(s.value, mode);
        instruction(t.binary["+"], mode);
        code.localSet(localOf(s.name, mode));
        return;
      case "store":
        address(s.stream, mode);
        expr(s.value, mode);
        store(mode);
        return;
      case "storeAdd":
        address(s.stream, mode);
        address(s.stream, mode);
        load(mode);
        expr(s.value, mode);
        instruction(t.binary["+"], mode);
        store(mode);
        return;
    }
  };

  const vectorBytes = t.lanes * t.bytes;
  const wholeVectors = Math.floor(loop.size / t.lanes);
  code.op(opcode.block, opcode.emptyBlockType, opcode.loop, opcode.emptyBlockType);
  code.localGet(b).localGet(0).op(opcode.i32GeS, opcode.brIf, 1);
  if (wholeVectors > 0) {
    code.i32Const(0).localSet(o);
    code.op(opcode.loop, opcode.emptyBlockType);
    for (const s of loop.body) statement(s, { vector: true });
    code
      .localGet(o)
      .i32Const(vectorBytes)
      .op(opcode.i32Add)
      .localTee(o)
      .i32Const(wholeVectors * vectorBytes)
      .op(opcode.i32LtU, opcode.brIf, 0);
    code.op(opcode.end);
  }
  for (let i = wholeVectors * t.lanes; i < loop.size; i++)
    for (const s of loop.body) statement(s, { vector: false, offset: i * t.bytes });
  // The next batch row: every stream with a stride moves on; a parameter's row stays.
  loop.streams.forEach((s, k) => {
    if (s.stride !== 0)
      code
        .localGet(stream(k))
        .i32Const(s.stride * t.bytes)
        .op(opcode.i32Add)
        .localSet(stream(k));
  });
  code.localGet(b).i32Const(1).op(opcode.i32Add).localSet(b);
  code.op(opcode.br, 0, opcode.end, opcode.end);
  return { name, params, locals, code };
}
