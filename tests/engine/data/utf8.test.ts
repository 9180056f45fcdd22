/** The chunked UTF-8 decoder: what `Buffer#toString` decodes, wherever the chunks are cut, and where the bad bytes are. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Utf8Decoder } from "../../../engine/data/utf8.js";

/** Decodes `bytes` cut at `cuts`, as the reader of a file in chunks does. */
function decodeInChunks(bytes: Uint8Array, cuts: number[]): { points: number[]; decoder: Utf8Decoder } {
  const decoder = new Utf8Decoder();
  const ends = [...new Set([...cuts.map((c) => c % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  const points: number[] = [];
  let start = 0;
  for (const [k, end] of ends.entries()) {
    const out = new Int32Array(end - start + 1);
    const n = decoder.decode(bytes.subarray(start, end), out, k === ends.length - 1);
    points.push(...out.subarray(0, n));
    start = end;
  }
  return { points, decoder };
}

const codePointsOf = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);

/** Bytes that are mostly pieces of UTF-8 (lead bytes, continuations, the boundary cases), so sequences half-form. */
const utf8ish = fc.uint8Array({ maxLength: 64 }).chain((noise) =>
  fc
    .array(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 4 }).map((s) => [...Buffer.from(s, "utf8")]),
        fc.constantFrom([0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90], [0xf0, 0x8f], [0xc0, 0xaf], [0xef, 0xbf, 0xbd]),
        fc.constant([...noise.subarray(0, 3)]),
      ),
      { maxLength: 40 },
    )
    .map((parts) => Uint8Array.from(parts.flat())),
);

describe("Utf8Decoder", () => {
  it("decodes any bytes, cut anywhere, to the code points Buffer#toString gives", () => {
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const expected = codePointsOf(Buffer.from(bytes).toString("utf8"));
        expect(decodeInChunks(bytes, cuts).points).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("counts the invalid sequences, each one U+FFFD, apart from a U+FFFD written in the text", () => {
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const { decoder } = decodeInChunks(bytes, cuts);
        const replaced = codePointsOf(Buffer.from(bytes).toString("utf8")).filter((c) => c === 0xfffd).length;
        const written = Buffer.from(bytes).toString("latin1").split("\xef\xbf\xbd").length - 1;
        expect(decoder.invalid).toBe(replaced - written);
      }),
      { numRuns: 2000 },
    );
  });

  const cases: [string, number[], number, number][] = [
    ["a lone continuation byte", [0x61, 0x80, 0x62], 1, 0x80],
    ["a byte that is never UTF-8", [0x61, 0x62, 0xff], 2, 0xff],
    ["a sequence broken by ASCII", [0x61, 0xe2, 0x82, 0x41], 1, 0xe2],
    ["a sequence cut by the end", [0x61, 0x62, 0x63, 0xf0, 0x9f], 3, 0xf0],
    ["an encoded surrogate", [0xed, 0xa0, 0x80], 0, 0xed],
    ["an overlong NUL", [0x41, 0xc0, 0x80], 1, 0xc0],
  ];
  for (const [what, bytes, offset, byte] of cases)
    it(`says where the first invalid sequence starts: ${what}`, () => {
      for (let cut = 0; cut <= bytes.length; cut++) {
        const { decoder } = decodeInChunks(Uint8Array.from(bytes), [cut]);
        expect(decoder.invalid).toBeGreaterThan(0);
        expect(decoder.firstInvalidOffset).toBe(offset);
        expect(decoder.firstInvalidByte).toBe(byte);
      }
    });

  it("finds nothing wrong in valid text, a byte order mark and U+FFFD included", () => {
    const { points, decoder } = decodeInChunks(Buffer.from("\ufeffhé €𝄞 \ufffd\n", "utf8"), [1, 2, 5, 9]);
    expect(points).toEqual(codePointsOf("\ufeffhé €𝄞 \ufffd\n"));
    expect(decoder.invalid).toBe(0);
    expect(decoder.firstInvalidOffset).toBe(-1);
  });
});
