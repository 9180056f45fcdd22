/**
 * Decoding of the two 16-bit float formats found in checkpoints from other
 * frameworks, so their weights can be loaded (the runtime itself computes in
 * float32/float64 and never writes these).
 */

/** IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero or subnormal: 0.fraction × 2^−14
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bfloat16Scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the upper half of an IEEE binary32, so widening is a 16-bit shift. */
export function bfloat16BitsToNumber(bits: number): number {
  bfloat16Scratch.setUint32(0, ((bits & 0xffff) << 16) >>> 0);
  return bfloat16Scratch.getFloat32(0);
}
