/**
 * UTF-8 to code points, a chunk at a time, by the WHATWG Encoding Standard's decoder: each
 * invalid sequence (the longest prefix of a valid one, or one bad byte) becomes U+FFFD, as in
 * `TextDecoder` and `Buffer#toString`. TextDecoder itself is not used because it cannot say
 * where the bad bytes are, which is what a message about a binary file needs, and because
 * its output is a string: here the code points go straight into a typed array, so a text of
 * any size is never a JavaScript string (V8 caps strings at 2^29 characters).
 */

export const REPLACEMENT_CHARACTER = 0xfffd;

export class Utf8Decoder {
  /** Invalid sequences met so far, each decoded as U+FFFD. */
  invalid = 0;
  /** Byte offset (in the whole input) of the first invalid sequence, or −1. */
  firstInvalidOffset = -1;
  /** That sequence's first byte. */
  firstInvalidByte = 0;

  /** Bytes decoded before the current chunk. */
  private consumed = 0;
  private needed = 0;
  private seen = 0;
  private codePoint = 0;
  private lower = 0x80;
  private upper = 0xbf;
  /** Offset and first byte of the sequence in progress. */
  private start = 0;
  private lead = 0;

  /**
   * Decodes `bytes` into `out`, which needs room for `bytes.length + 1` code points (a
   * sequence cut by the previous chunk can end as U+FFFD here); returns how many were
   * written. With `end`, an unfinished sequence at the end is invalid.
   */
  decode(bytes: Uint8Array, out: Int32Array, end: boolean): number {
    let n = 0;
    const length = bytes.length;
    for (let i = 0; i < length; i++) {
      const byte = bytes[i]!;
      if (this.needed === 0) {
        if (byte < 0x80) {
          out[n++] = byte;
          continue;
        }
        this.start = this.consumed + i;
        this.lead = byte;
        if (byte >= 0xc2 && byte <= 0xdf) {
          this.needed = 1;
          this.codePoint = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) this.lower = 0xa0;
          if (byte === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.codePoint = byte & 0x0f;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) this.lower = 0x90;
          if (byte === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.codePoint = byte & 0x07;
        } else {
          out[n++] = this.fail();
        }
        continue;
      }
      if (byte < this.lower || byte > this.upper) {
        // The sequence so far is invalid; the byte that broke it starts afresh.
        out[n++] = this.fail();
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      if (++this.seen === this.needed) {
        out[n++] = this.codePoint;
        this.needed = 0;
        this.seen = 0;
      }
    }
    this.consumed += length;
    if (end && this.needed !== 0) out[n++] = this.fail();
    return n;
  }

  private fail(): number {
    if (this.invalid++ === 0) {
      this.firstInvalidOffset = this.start;
      this.firstInvalidByte = this.lead;
    }
    this.needed = 0;
    this.seen = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
    return REPLACEMENT_CHARACTER;
  }
}
