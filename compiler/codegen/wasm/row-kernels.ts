/**
 * The row kernels of attention (runtime/kernels/steps.ts) as WebAssembly functions of the generated module, for one
 * width K:
 *
 *     sumRows(rows, x, y)      y[r] = Σ_k x[r, k]
 *     repeatRows(rows, x, y)   y[r, k] = x[r] for k < K
 *
 * x and y are byte addresses of row 0. The sum adds in the JavaScript kernel's order: four partial sums (components
 * k, k + 4, … in each: one f32x4 vector, or two f64x2 ones), then (s0 + s1) + (s2 + s3), then the last K mod 4 one by
 * one; so in float64 it gives the kernel's bits.
 */
import { Code, opcode, valueType, type ValueType, type WasmFunction } from "./encode.js";
import type { FloatType } from "./emit-loop.js";

const types = {
  f32: {
    scalar: valueType.f32,
    bytes: 4,
    lanes: 4,
    load: 0x2a,
    store: 0x38,
    add: 0x92,
    vectorAdd: 0xe4,
    splat: 0x13,
    extract: 0x1f,
  },
  f64: {
    scalar: valueType.f64,
    bytes: 8,
    lanes: 2,
    load: 0x2b,
    store: 0x39,
    add: 0xa0,
    vectorAdd: 0xf0,
    splat: 0x14,
    extract: 0x21,
  },
} as const;

const simd = { load: 0x00, store: 0x0b } as const;

/** `rows`, `x` and `y` (params 0–2), then row counter r and locals of the caller's. */
function rowLoop(
  name: string,
  type: FloatType,
  locals: readonly ValueType[],
  body: (code: Code) => void,
  strides: { x: number; y: number },
): WasmFunction {
  const code = new Code();
  const [rows, x, y, r] = [0, 1, 2, 3];
  code.op(opcode.block, opcode.emptyBlockType, opcode.loop, opcode.emptyBlockType);
  code.localGet(r).localGet(rows).op(opcode.i32GeS, opcode.brIf, 1);
  body(code);
  const bytes = types[type].bytes;
  code
    .localGet(x)
    .i32Const(strides.x * bytes)
    .op(opcode.i32Add)
    .localSet(x);
  code
    .localGet(y)
    .i32Const(strides.y * bytes)
    .op(opcode.i32Add)
    .localSet(y);
  code.localGet(r).i32Const(1).op(opcode.i32Add).localSet(r);
  code.op(opcode.br, 0, opcode.end, opcode.end);
  return { name, params: [valueType.i32, valueType.i32, valueType.i32], locals: [valueType.i32, ...locals], code };
}

export function sumRowsFunction(name: string, K: number, type: FloatType): WasmFunction {
  const t = types[type];
  const x = 1;
  const y = 2;
  const vectors = 4 / t.lanes;
  // Locals after r (3): the partial sums (4 + v), the row's sum (4 + vectors).
  const partial = (v: number) => 4 + v;
  const total = 4 + vectors;
  const groups = Math.floor(K / 4);
  return rowLoop(
    name,
    type,
    [...Array<ValueType>(vectors).fill(valueType.v128), t.scalar],
    (code) => {
      for (let v = 0; v < vectors; v++) zero(code, type).localSet(partial(v));
      // Unrolled over the groups of four: K is a constant of the model, and small.
      for (let g = 0; g < groups; g++)
        for (let v = 0; v < vectors; v++)
          code
            .localGet(partial(v))
            .localGet(x)
            .simd(simd.load)
            .memarg(Math.log2(t.bytes), (4 * g + v * t.lanes) * t.bytes)
            .simd(t.vectorAdd)
            .localSet(partial(v));
      // s0..s3: lanes of the one f32x4, or of the two f64x2 in turn.
      const lane = (k: number) =>
        code
          .localGet(partial(Math.floor(k / t.lanes)))
          .simd(t.extract)
          .op(k % t.lanes);
      lane(0);
      lane(1);
      code.op(t.add);
      lane(2);
      lane(3);
      code.op(t.add, t.add).localSet(total);
      for (let k = 4 * groups; k < K; k++)
        code
          .localGet(total)
          .localGet(x)
          .op(t.load)
          .memarg(Math.log2(t.bytes), k * t.bytes)
          .op(t.add)
          .localSet(total);
      code.localGet(y).localGet(total).op(t.store).memarg(Math.log2(t.bytes), 0);
    },
    { x: K, y: 1 },
  );
}

export function repeatRowsFunction(name: string, K: number, type: FloatType): WasmFunction {
  const t = types[type];
  const x = 1;
  const y = 2;
  const value = 4;
  const whole = Math.floor(K / t.lanes);
  return rowLoop(
    name,
    type,
    [valueType.v128],
    (code) => {
      code.localGet(x).op(t.load).memarg(Math.log2(t.bytes), 0).simd(t.splat).localSet(value);
      for (let v = 0; v < whole; v++)
        code
          .localGet(y)
          .localGet(value)
          .simd(simd.store)
          .memarg(Math.log2(t.bytes), v * t.lanes * t.bytes);
      for (let k = whole * t.lanes; k < K; k++)
        code
          .localGet(y)
          .localGet(x)
          .op(t.load)
          .memarg(Math.log2(t.bytes), 0)
          .op(t.store)
          .memarg(Math.log2(t.bytes), k * t.bytes);
    },
    { x: 1, y: K },
  );
}

function zero(code: Code, type: FloatType): Code {
  return (type === "f32" ? code.f32Const(0) : code.f64Const(0)).simd(types[type].splat);
}
