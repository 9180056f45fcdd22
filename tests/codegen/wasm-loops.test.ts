/**
 * The fused element-wise loops as WebAssembly (compiler/codegen/fused-loops.ts and wasm/):
 * - the encoder writes what an independent assembler reads back (wabt disassembles it to the
 *   instructions meant);
 * - on random loops — every kind of expression and statement, parameter rows (stride 0), row
 *   lengths that leave a scalar tail, several batch rows — the generated call and its JavaScript
 *   fallback compute the same bits in float64, and agree to float32 rounding in float32;
 * - a loop calling Math.* stays JavaScript.
 */
import fc from "fast-check";
import { transform } from "sucrase";
import wabtInit from "wabt";
import { describe, expect, it } from "vitest";
import type { Location } from "../../compiler/codegen/location.js";
import type { ElementLoop, Statement } from "../../compiler/codegen/element-loop.js";
import { binary, local, neg, num, type Expr } from "../../compiler/ops/expr.js";
import { emitElementLoop, FusedLoops } from "../../compiler/codegen/fused-loops.js";
import { encodeModule } from "../../compiler/codegen/wasm/encode.js";
import { loopFunction } from "../../compiler/codegen/wasm/emit-loop.js";
import { instantiateWasmLoops } from "../../runtime/kernels/wasm/generated.js";

/** Rows 0 and 1 read; row 2 written; row 3 a parameter's gradient (stride 0) added to. */
/** The local of a buffer's byte address, as a module's identifiers would name it when nothing else is called so. */
const addressName = (buffer: string) => `${buffer}At`;

function sampleLoop(size: number): ElementLoop {
  const row = (buffer: string, stride: number): Location => ({ buffer, slot: "t", stride, offset: 0 });
  return {
    size,
    streams: [row("x", size), row("y", size + 2), row("z", size), row("g", 0)],
    body: [
      { kind: "define", name: "a0", value: binary("*", { kind: "read", stream: 0 }, num(0.5)), mutable: false },
      { kind: "define", name: "d0", value: num(0), mutable: true },
      {
        kind: "accumulate",
        name: "d0",
        value: { kind: "select", compare: "<", a: local("a0"), b: num(0), then: num(0), otherwise: local("a0") },
      },
      { kind: "store", stream: 2, value: binary("/", local("d0"), binary("-", num(1), { kind: "read", stream: 1 })) },
      { kind: "storeAdd", stream: 3, value: neg(local("d0")) },
    ],
  };
}

describe("the encoder", () => {
  it("writes a module that wabt reads back as the instructions of the loop", async () => {
    const wabt = await wabtInit();
    const bytes = encodeModule([loopFunction("f0", sampleLoop(6), "f32"), loopFunction("f1", sampleLoop(3), "f64")]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const text = wabt.readWasm(bytes, { simd: true }).toText({});
    expect(text).toMatch(/\(import "env" "memory" \(memory \(;0;\) 0\)\)/);
    expect(text).toMatch(/\(export "f0" \(func 0\)\)/);
    for (const instruction of [
      "f32x4.splat",
      "v128.load",
      "f32x4.mul",
      "f32x4.lt",
      "v128.bitselect",
      "f32x4.div",
      "f32x4.sub",
      "f32x4.neg",
      "v128.store",
      "f32.load offset=16",
      "f32.store offset=20",
      "select",
    ])
      expect(text).toContain(instruction);
    // Size 3 in float64: one f64x2 vector, then one scalar at byte 16.
    expect(text).toContain("f64x2.add");
    expect(text).toContain("f64.load offset=16");
  });

  it("shares one type between functions of the same arity", () => {
    const bytes = encodeModule([loopFunction("f0", sampleLoop(4), "f64"), loopFunction("f1", sampleLoop(5), "f64")]);
    const module = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(["f0", "f1"]);
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
  });
});

/** A random loop over `inputs` read-only streams and `outputs` written ones, with locals defined before use. */
function randomLoop(withDivision: boolean): fc.Arbitrary<{ loop: ElementLoop; B: number }> {
  return fc
    .record({
      size: fc.integer({ min: 1, max: 11 }),
      B: fc.integer({ min: 1, max: 3 }),
      inputs: fc.integer({ min: 1, max: 3 }),
      outputs: fc.integer({ min: 1, max: 3 }),
      parameterRow: fc.boolean(),
      seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    })
    .map(({ size, B, inputs, outputs, parameterRow, seed }) => {
      let next = 0;
      const pick = (n: number) => seed[next++ % seed.length]! % n;
      const streams: Location[] = [];
      for (let k = 0; k < inputs + outputs; k++) {
        // A parameter's row is read (or added to) by every batch row.
        const stride = parameterRow && k === inputs ? 0 : size + pick(3);
        streams.push({ buffer: `s${k}`, slot: "t", stride, offset: stride === 0 ? 0 : pick(2) });
      }
      const names: string[] = [];
      const ops = withDivision ? (["+", "-", "*", "/"] as const) : (["+", "-", "*"] as const);
      const expr = (depth: number): Expr => {
        const choice = depth === 0 ? pick(3) : pick(7);
        switch (choice) {
          case 0:
            return { kind: "read", stream: pick(inputs) };
          case 1:
            return names.length > 0 ? local(names[pick(names.length)]!) : num([0, 1, -0.5, 2][pick(4)]!);
          case 2:
            return num([0, 1, -0.5, 2, -0][pick(5)]!);
          case 3:
            return neg(expr(depth - 1));
          case 4:
            return {
              kind: "select",
              compare: (["<", ">", "!="] as const)[pick(3)]!,
              a: expr(depth - 1),
              b: num(0),
              then: expr(depth - 1),
              otherwise: expr(depth - 1),
            };
          default:
            return binary(ops[pick(ops.length)]!, expr(depth - 1), expr(depth - 1));
        }
      };
      const body: Statement[] = [{ kind: "comment", text: "// random" }];
      for (let s = 0; s < 6; s++) {
        const kind = pick(4);
        if (kind === 0 || names.length === 0) {
          const name = `a${names.length}`;
          body.push({ kind: "define", name, value: expr(2), mutable: pick(2) === 0 });
          names.push(name);
        } else if (kind === 1) {
          const mutable = body.filter(
            (x): x is Extract<Statement, { kind: "define" }> => x.kind === "define" && x.mutable,
          );
          if (mutable.length > 0)
            body.push({ kind: "accumulate", name: mutable[pick(mutable.length)]!.name, value: expr(2) });
        } else {
          body.push({ kind: kind === 2 ? "store" : "storeAdd", stream: inputs + pick(outputs), value: expr(2) });
        }
      }
      return { loop: { size, streams, body }, B };
    });
}

/** Runs the emitted call site once with the WebAssembly function and once with its JavaScript fallback; returns both memories' streams. */
function runBoth(loop: ElementLoop, B: number, type: "f32" | "f64", seed: number) {
  const fused = new FusedLoops(type, addressName);
  const call = emitElementLoop(loop, fused);
  // TypeScript (its reads carry `!`): run as JavaScript, its types erased as the compiled backend erases them.
  const code = transform([...fused.takeAddressed(), ...call].join("\n"), {
    transforms: ["typescript"],
    disableESTransforms: true,
  }).code;
  const Float = type === "f32" ? Float32Array : Float64Array;
  const lengths = loop.streams.map((s) =>
    s.stride === 0 ? s.offset + loop.size : (B - 1) * s.stride + s.offset + loop.size,
  );
  const run = (useWasm: boolean) => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    let at = 64;
    const views = lengths.map((n) => {
      const view = new Float(memory.buffer, at, n);
      at += Math.ceil((n * Float.BYTES_PER_ELEMENT) / 64) * 64;
      return view;
    });
    let state = seed;
    for (const v of views)
      for (let i = 0; i < v.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        v[i] = state % 7 === 0 ? 0 : (state / 2 ** 32) * 4 - 2;
      }
    const exports = useWasm ? instantiateWasmLoops(fused.base64(), memory) : undefined;
    const names = loop.streams.map((s) => s.buffer);
    new Function("B", "t", "fused", ...names, code)(B, 0, exports, ...views);
    return views.map((v) => Array.from(v));
  };
  return { wasm: run(true), js: run(false), compiled: !fused.empty };
}

describe("a loop as WebAssembly computes what its JavaScript computes", () => {
  it("float64: the same bits, on 300 random loops", () => {
    fc.assert(
      fc.property(randomLoop(true), fc.nat(), ({ loop, B }, seed) => {
        const { wasm, js, compiled } = runBoth(loop, B, "f64", seed);
        expect(compiled).toBe(true);
        wasm.forEach((stream, k) =>
          stream.forEach((v, i) =>
            expect(Object.is(v, js[k]![i]), `stream ${k} element ${i}: ${v} vs ${js[k]![i]}`).toBe(true),
          ),
        );
      }),
      { numRuns: 300, seed: 20_261_126 },
    );
  });

  it("float32: to float32 rounding, on 300 random loops (WebAssembly rounds each operation, JavaScript only the stores)", () => {
    fc.assert(
      fc.property(randomLoop(false), fc.nat(), ({ loop, B }, seed) => {
        const { wasm, js } = runBoth(loop, B, "f32", seed);
        const scale = Math.max(1, ...js.flat().map(Math.abs));
        wasm.forEach((stream, k) =>
          stream.forEach((v, i) =>
            expect(Math.abs(v - js[k]![i]!), `stream ${k} element ${i}`).toBeLessThanOrEqual(1e-5 * scale),
          ),
        );
      }),
      { numRuns: 300, seed: 20_261_127 },
    );
  });

  it("a loop calling Math.* stays JavaScript", () => {
    const loop = sampleLoop(4);
    const withMath: ElementLoop = {
      ...loop,
      body: [
        ...loop.body,
        { kind: "store", stream: 2, value: { kind: "math", fn: "tanh", a: { kind: "read", stream: 0 } } },
      ],
    };
    const fused = new FusedLoops("f64", addressName);
    const code = emitElementLoop(withMath, fused);
    expect(fused.empty).toBe(true);
    expect(code.join("\n")).not.toContain("fused");
    expect(code.join("\n")).toContain("Math.tanh(x[r0 + i]!)");
  });

  it("the same loop at another step is one function", () => {
    const fused = new FusedLoops("f32", addressName);
    const atStep = (slot: string): ElementLoop => ({
      ...sampleLoop(8),
      streams: sampleLoop(8).streams.map((s) => ({ ...s, slot })),
    });
    const first = emitElementLoop(atStep("t"), fused).join("\n");
    const second = emitElementLoop(atStep("t + 1"), fused).join("\n");
    expect(first).toContain("fused.f0(");
    expect(second).toContain("fused.f0(");
    // Byte addresses with their constants folded: (t + 1) · B rows of 8 float32s.
    expect(second).toContain("xAt + (t + 1) * B * 32");
    expect(fused.takeAddressed()).toEqual([
      "const xAt = x.byteOffset;",
      "const yAt = y.byteOffset;",
      "const zAt = z.byteOffset;",
      "const gAt = g.byteOffset;",
    ]);
    expect(fused.declaration().filter((l) => l.includes("): void;"))).toHaveLength(1);
  });
});
