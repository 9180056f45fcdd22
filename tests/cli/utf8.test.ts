/**
 * The UTF-8 check of model files: well-formed text passes, and for any bytes the first
 * problem found is where a strict decoder first fails.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstUtf8Problem } from "../../compiler/cli/utf8.js";

const strict = new TextDecoder("utf-8", { fatal: true });
const decodes = (bytes: Uint8Array, stream = false) => {
  try {
    strict.decode(bytes, { stream });
    return true;
  } catch {
    return false;
  }
};

describe("firstUtf8Problem", () => {
  it("finds nothing in the UTF-8 of any string, astral characters included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => firstUtf8Problem(Buffer.from(s, "utf8")) === undefined),
    );
  });

  it("agrees with a strict decoder on any bytes: no problem exactly when they decode, else the bytes before it do", () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => (x < 0x40 ? x : x | 0x80)));
    fc.assert(
      fc.property(bytes, (b) => {
        const problem = firstUtf8Problem(b);
        expect(problem === undefined).toBe(decodes(b));
        if (problem) {
          expect(decodes(b.subarray(0, problem.byteOffset))).toBe(true);
          expect(problem.byte).toBe(b[problem.byteOffset]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("names what is wrong with the byte", () => {
    expect(firstUtf8Problem(Uint8Array.of(0x61, 0xff))).toMatchObject({
      byteOffset: 1,
      reason: expect.stringContaining("never appears"),
    });
    expect(firstUtf8Problem(Uint8Array.of(0x80))).toMatchObject({
      byteOffset: 0,
      reason: expect.stringContaining("never started"),
    });
    expect(firstUtf8Problem(Uint8Array.of(0xe2, 0x82))).toMatchObject({
      byteOffset: 0,
      reason: expect.stringContaining("3-byte"),
    });
    // An overlong encoding of '/' and an encoded surrogate are not UTF-8 either.
    expect(firstUtf8Problem(Uint8Array.of(0xc0, 0xaf))).toBeDefined();
    expect(firstUtf8Problem(Uint8Array.of(0xed, 0xa0, 0x80))).toBeDefined();
  });
});
