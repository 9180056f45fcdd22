import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type TensorToEncode } from "../../../runtime/io/safetensors.js";

/** A file: u64 little-endian `declaredLength` (default: the header's byte length), header text, data bytes. */
function fileBytes(header: string, data: Uint8Array = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function littleEndian(
  size: number,
  values: number[],
  write: (view: DataView, at: number, v: number) => void,
): Uint8Array {
  const bytes = new Uint8Array(size * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => write(view, i * size, v));
  return bytes;
}

const f32Bytes = (...values: number[]): Uint8Array =>
  littleEndian(4, values, (view, at, v) => view.setFloat32(at, v, true));
const u16Bytes = (...values: number[]): Uint8Array =>
  littleEndian(2, values, (view, at, v) => view.setUint16(at, v, true));
const i32Bytes = (...values: number[]): Uint8Array =>
  littleEndian(4, values, (view, at, v) => view.setInt32(at, v, true));

/** Tensor offsets as written in a file's header. */
function headerOffsets(bytes: Uint8Array): Record<string, [number, number]> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { data_offsets: [number, number] }
  >;
  return Object.fromEntries(Object.entries(header).map(([name, info]) => [name, info.data_offsets]));
}

describe("encodeSafetensors matches the reference writer byte for byte", () => {
  // Expected bytes as asserted by the tests of the safetensors Rust crate, which the Python library wraps.
  it("writes a 64-byte header that needs no padding", () => {
    const encoded = encodeSafetensors(
      { "attn.0": { shape: [1, 2, 3], data: Float64Array.of(0, 1, 2, 3, 4, 5) } },
      "F32",
    );
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(encoded).toEqual(fileBytes(header, f32Bytes(0, 1, 2, 3, 4, 5)));
  });

  it("pads the header with spaces to a multiple of 8 bytes", () => {
    const encoded = encodeSafetensors(
      { attn0: { shape: [1, 1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) } },
      "F32",
    );
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect(header.length).toBe(72);
    expect(encoded).toEqual(fileBytes(header, f32Bytes(0, 1, 2, 3, 4, 5)));
  });

  it("writes an empty file and a metadata-only file", () => {
    expect(encodeSafetensors({}, "F32")).toEqual(fileBytes("{}      "));
    expect(encodeSafetensors({}, "F64", { framework: "pt" })).toEqual(
      fileBytes('{"__metadata__":{"framework":"pt"}}     '),
    );
  });

  it("lays tensors out in byte-wise UTF-8 order of their names", () => {
    // Code-point order; JavaScript's default sort would put the astral "😀" (a surrogate pair) before "\uffff".
    const names = ["😀", "b", "\uffff", "é", "a", "B"];
    const tensors = Object.fromEntries(names.map((name) => [name, { shape: [1], data: Float64Array.of(0) }]));
    const offsets = headerOffsets(encodeSafetensors(tensors, "F64"));
    const laidOut = Object.keys(offsets).sort((x, y) => offsets[x][0] - offsets[y][0]);
    expect(laidOut).toEqual(["B", "a", "b", "é", "\uffff", "😀"]);
  });
});

describe("safetensors round trips", () => {
  it("keeps F64 data exactly, with shapes, dtypes and metadata", () => {
    const tensors = {
      "rnn.W_xh": { shape: [2, 3], data: Float64Array.of(0.1, -2.5e-300, 3e300, Math.PI, -0, 1 / 3) },
      "rnn.b": { shape: [3], data: Float64Array.of(1, 2, 3) },
      scalar: { shape: [], data: Float64Array.of(42) },
      empty: { shape: [0, 4], data: new Float64Array(0) },
    };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, "F64", { step: "1200", note: "ünïcödé" }));
    expect(decoded.metadata).toEqual({ step: "1200", note: "ünïcödé" });
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, { shape, data }] of Object.entries(tensors)) {
      expect(decoded.tensors[name]).toEqual({ dtype: "F64", shape, data });
    }
    expect(Object.is(decoded.tensors["rnn.W_xh"].data[4], -0)).toBe(true);
  });

  it("rounds to the nearest float32 when writing F32", () => {
    const data = Float64Array.of(0.1, 1 / 3, 1e-40, 3.4e38);
    const decoded = decodeSafetensors(encodeSafetensors({ w: { shape: [4], data } }, "F32"));
    expect(decoded.tensors.w).toEqual({ dtype: "F32", shape: [4], data: data.map(Math.fround) });
  });

  it("tells an absent metadata map from an empty one", () => {
    expect(decodeSafetensors(encodeSafetensors({}, "F32")).metadata).toBeUndefined();
    expect(decodeSafetensors(encodeSafetensors({}, "F32", {})).metadata).toEqual({});
  });

  it("keeps names that are special to JavaScript objects", () => {
    const tensors = Object.fromEntries([["__proto__", { shape: [1], data: Float64Array.of(7) }]]) as Record<
      string,
      TensorToEncode
    >;
    const decoded = decodeSafetensors(encodeSafetensors(tensors, "F64"));
    expect(Object.keys(decoded.tensors)).toEqual(["__proto__"]);
    expect(decoded.tensors["__proto__"].data[0]).toBe(7);
  });

  it("reads a file that is a slice of a larger buffer", () => {
    const encoded = encodeSafetensors({ w: { shape: [2], data: Float64Array.of(1.5, -2) } }, "F64");
    const larger = new Uint8Array(encoded.length + 3);
    larger.set(encoded, 3);
    expect(decodeSafetensors(larger.subarray(3)).tensors.w.data).toEqual(Float64Array.of(1.5, -2));
  });

  it("round-trips arbitrary names, shapes and values with an 8-byte-aligned data section", () => {
    const tensor = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        values: fc.array(fc.double(), {
          minLength: shape.reduce((p, d) => p * d, 1),
          maxLength: shape.reduce((p, d) => p * d, 1),
        }),
      }),
    );
    // Characters that exercise JSON escaping and 1- to 4-byte UTF-8 (fast-check's "binary" unit costs a second to build).
    const nameCharacter = fc.constantFrom("a", "Z", "_", ".", '"', "\\", "\n", "é", "中", "\uffff", "😀");
    const names = fc.string({ unit: nameCharacter, maxLength: 6 });
    fc.assert(
      fc.property(
        fc.dictionary(names, tensor, { maxKeys: 4 }),
        fc.dictionary(fc.string(), fc.string({ unit: nameCharacter }), { maxKeys: 2 }),
        (spec, metadata) => {
          const tensors = Object.fromEntries(
            Object.entries(spec).map(([name, { shape, values }]) => [name, { shape, data: Float64Array.from(values) }]),
          );
          const bytes = encodeSafetensors(tensors, "F64", metadata);
          expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
          const decoded = decodeSafetensors(bytes);
          expect(decoded.metadata).toEqual(metadata);
          for (const [name, { shape, data }] of Object.entries(tensors)) {
            const { dtype, shape: decodedShape, data: decodedData } = decoded.tensors[name];
            expect([dtype, decodedShape]).toEqual(["F64", shape]);
            // Object.is tells −0 from 0 and NaN from NaN, bit patterns aside; a plain loop keeps this fast.
            expect(decodedData.length === data.length && data.every((v, i) => Object.is(v, decodedData[i]))).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("decodeSafetensors reads other frameworks' dtypes as float64", () => {
  const decodeOne = (dtype: string, shape: number[], data: Uint8Array): Float64Array =>
    decodeSafetensors(
      fileBytes(`{"t":{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[0,${data.length}]}}`, data),
    ).tensors.t.data;

  it("F16, including subnormals, infinities and NaN", () => {
    const data = decodeOne(
      "F16",
      [9],
      u16Bytes(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x3555, 0x7e00),
    );
    expect(Array.from(data.subarray(0, 8))).toEqual([1, -2, 65504, 2 ** -24, -0, Infinity, -Infinity, 0.333251953125]);
    expect(data[8]).toBeNaN();
  });

  it("BF16", () => {
    expect(Array.from(decodeOne("BF16", [3], u16Bytes(0x3f80, 0xc049, 0x0001)))).toEqual([1, -3.140625, 2 ** -133]);
  });

  it("I32 and I64", () => {
    expect(Array.from(decodeOne("I32", [2], i32Bytes(-7, 2147483647)))).toEqual([-7, 2147483647]);
    const i64 = littleEndian(8, [0, 1, 2], () => undefined);
    const view = new DataView(i64.buffer);
    view.setBigInt64(0, -5n, true);
    view.setBigInt64(8, 2n ** 53n, true);
    view.setBigInt64(16, 2n ** 53n + 1n, true); // not a double: rounds to the nearest, 2^53
    expect(Array.from(decodeOne("I64", [3], i64))).toEqual([-5, 2 ** 53, 2 ** 53]);
  });
});

describe("decodeSafetensors rejects malformed files with a clear message", () => {
  const f32Entry = (name: string, shape: number[], begin: number, end: number): string =>
    `"${name}":{"dtype":"F32","shape":[${shape.join(",")}],"data_offsets":[${begin},${end}]}`;
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["a file shorter than the length prefix", new Uint8Array(5), /file is 5 bytes, too short/],
    [
      "a header length past the end of the file",
      fileBytes("{}", new Uint8Array(0), 100),
      /header length 100 runs past the end of the file \(2 bytes follow the length\): the file is truncated or damaged/,
    ],
    [
      "a header length of 2^60 in a 20-byte file",
      (() => {
        const b = fileBytes("{}", new Uint8Array(10));
        new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
        return b;
      })(),
      /header length 1152921504606846976 runs past the end of the file \(12 bytes follow the length\): the file is truncated or damaged/,
    ],
    [
      "a header length over the reference limit",
      (() => {
        // A file long enough for its header length: 8 + 100,000,001 bytes.
        const b = new Uint8Array(8 + 100_000_001);
        new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
        return b;
      })(),
      /exceeds the 100000000-byte limit/,
    ],
    [
      "a header that is not UTF-8",
      (() => {
        const b = fileBytes("{ }");
        b[9] = 0xff;
        return b;
      })(),
      /not valid UTF-8/,
    ],
    ["a header that does not start with '{'", fileBytes(" {}"), /starting with '\{'/],
    ["a header that is not JSON", fileBytes('{"a":'), /header is not valid JSON/],
    ["metadata that is not an object", fileBytes('{"__metadata__":3}'), /"__metadata__" must be an object of strings/],
    [
      "a metadata value that is not a string",
      fileBytes('{"__metadata__":{"k":1}}'),
      /"__metadata__" value for "k" must be a string/,
    ],
    ["a tensor entry that is not an object", fileBytes('{"w":5}'), /tensor "w": header entry must be an object/],
    [
      "an unsupported dtype",
      fileBytes('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)),
      /tensor "w": unsupported dtype "U8" \(readable: F64, F32, F16, BF16, I64, I32\)/,
    ],
    [
      "an unknown dtype",
      fileBytes('{"w":{"dtype":"F128","shape":[],"data_offsets":[0,16]}}', new Uint8Array(16)),
      /unsupported dtype "F128"/,
    ],
    [
      "a missing dtype",
      fileBytes('{"w":{"shape":[],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /unsupported dtype undefined/,
    ],
    [
      "a negative dimension",
      fileBytes('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /shape must be an array of non-negative integers/,
    ],
    [
      "a fractional dimension",
      fileBytes('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /shape must be an array/,
    ],
    [
      "reversed offsets",
      fileBytes(`{${f32Entry("w", [1], 4, 0)}}`, new Uint8Array(4)),
      /data_offsets must be \[begin, end\] with 0 ≤ begin ≤ end/,
    ],
    [
      "offsets that are not a pair",
      fileBytes('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', new Uint8Array(4)),
      /data_offsets must be/,
    ],
    [
      "offsets past the data section",
      fileBytes(`{${f32Entry("w", [1], 0, 4)}}`),
      /data_offsets \[0, 4\] run past the 0-byte data section: the file is truncated or damaged/,
    ],
    [
      "a byte span that does not match shape × dtype",
      fileBytes(`{${f32Entry("w", [2], 0, 4)}}`, new Uint8Array(4)),
      /shape \[2\] of F32 needs 8 bytes, but data_offsets \[0, 4\] span 4/,
    ],
    [
      "overlapping tensors",
      fileBytes(`{${f32Entry("a", [2], 0, 8)},${f32Entry("b", [1], 4, 8)}}`, new Uint8Array(8)),
      /tensors "a" and "b" overlap/,
    ],
    [
      "a hole between tensors",
      fileBytes(`{${f32Entry("a", [1], 0, 4)},${f32Entry("b", [1], 8, 12)}}`, new Uint8Array(12)),
      /data bytes \[4, 8\) belong to no tensor/,
    ],
    [
      "bytes after the last tensor",
      fileBytes(`{${f32Entry("a", [1], 0, 4)}}`, new Uint8Array(8)),
      /data section has 8 bytes but the tensors cover only 4/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => decodeSafetensors(bytes)).toThrow(message);
    });
  }

  it("prefixes every message with the format name", () => {
    expect(() => decodeSafetensors(new Uint8Array(0))).toThrow(/^safetensors: /);
  });
});

describe("encodeSafetensors rejects what it cannot write", () => {
  const w = { shape: [2], data: Float64Array.of(1, 2) };
  it("rejects dtypes other than F32 and F64", () => {
    expect(() => encodeSafetensors({ w }, "F16" as "F32")).toThrow(/cannot write dtype "F16"/);
  });

  it("rejects a shape that does not match the data", () => {
    expect(() => encodeSafetensors({ w: { shape: [3], data: w.data } }, "F64")).toThrow(
      /tensor "w": shape \[3\] has 3 elements but data has 2/,
    );
    expect(() => encodeSafetensors({ w: { shape: [-2], data: w.data } }, "F64")).toThrow(
      /must be non-negative integers/,
    );
  });

  it("rejects the reserved name and non-string metadata", () => {
    expect(() => encodeSafetensors({ __metadata__: w }, "F64")).toThrow(/"__metadata__" is reserved/);
    expect(() => encodeSafetensors({ w }, "F64", { step: 3 as unknown as string })).toThrow(
      /metadata value for "step" must be a string/,
    );
  });
});
