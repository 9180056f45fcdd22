/**
 * Whether bytes are UTF-8, and if not, where they stop being it. Node's decoder replaces
 * what is not UTF-8 with "�" without a word, which the lexer then reports as an unexpected
 * character; a model file in Latin-1 deserves to be told so, at the first byte that is wrong.
 */

export interface Utf8Problem {
  /** Offset of the first byte that is not part of a well-formed character. */
  byteOffset: number;
  /** That byte. */
  byte: number;
  /** Why it is wrong, in words. */
  reason: string;
}

/** The first ill-formed byte, by the well-formed sequences of the Unicode standard (table 3-7). */
export function firstUtf8Problem(bytes: Uint8Array): Utf8Problem | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) {
      const reason =
        b < 0xc0 ? "continues a character that never started" : "never appears in UTF-8 (it is Latin-1 or binary)";
      return { byteOffset: i, byte: b, reason };
    }
    // The second byte's range depends on the first (no overlong forms, no surrogates, nothing past U+10FFFF).
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const ok = c !== undefined && c >= (k === 1 ? low : 0x80) && c <= (k === 1 ? high : 0xbf);
      if (!ok)
        return {
          byteOffset: i,
          byte: b,
          reason: `starts a ${length}-byte character that is not complete or not well-formed`,
        };
    }
    i += length;
  }
  return undefined;
}
