/**
 * The element storage shared by every runtime module: Float64Array for the
 * interpreter and for gradient checks, Float32Array where generated code trades
 * precision for memory bandwidth. Arithmetic is always done in double precision
 * (JavaScript numbers); a Float32Array only rounds on store.
 */
export type FloatArray = Float64Array | Float32Array;
