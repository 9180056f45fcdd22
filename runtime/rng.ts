/**
 * Seeded, reproducible pseudo-random numbers for initialisation, dropout and
 * data shuffling.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2018): 128 bits of state updated with
 * 32-bit integer operations only, so the integer stream is bit-identical on
 * every JavaScript engine. The four state words are filled by splitmix32 from
 * a 32-bit seed, which is the seeding the xoshiro authors recommend (a raw
 * seed would start the generator in a low-entropy state).
 *
 * The whole state, including the cached second Box–Muller sample, is exposed
 * as a plain JSON object so a training checkpoint resumes the exact stream.
 * (`normal` goes through Math.log/cos/sin, whose last bit is engine-defined;
 * the uniform and integer streams do not.)
 */

export const RNG_ALGORITHM = "xoshiro128**";

/** A snapshot of an {@link Rng}; survives `JSON.stringify`/`JSON.parse` unchanged. */
export interface RngState {
  readonly algorithm: typeof RNG_ALGORITHM;
  /** The four 32-bit state words, as unsigned integers. */
  readonly words: readonly [number, number, number, number];
  /** The unused second sample of the last Box–Muller pair, or null. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** splitmix32 output function: a bijection on 32-bit words with good avalanche. */
function splitmix32Mix(counter: number): number {
  let z = counter;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

function rotl32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function isUint32(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x < TWO_POW_32;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  /** @param seed an integer in [0, 2^32); wider values are rejected rather than silently folded together. */
  constructor(seed: number) {
    if (!isUint32(seed)) {
      throw new RangeError(`Rng seed must be an integer in [0, 2^32), got ${seed}`);
    }
    // splitmix32 maps four distinct counters to four distinct words, so at most
    // one word is zero and the forbidden all-zero xoshiro state cannot occur.
    const GOLDEN_GAMMA = 0x9e3779b9;
    let counter = seed;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      counter = (counter + GOLDEN_GAMMA) >>> 0;
      words.push(splitmix32Mix(counter));
    }
    this.setState({ algorithm: RNG_ALGORITHM, words: [words[0]!, words[1]!, words[2]!, words[3]!], spareNormal: null });
  }

  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  getState(): RngState {
    return {
      algorithm: RNG_ALGORITHM,
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spareNormal,
    };
  }

  setState(state: RngState): void {
    if (state === null || typeof state !== "object" || state.algorithm !== RNG_ALGORITHM) {
      throw new Error(`Rng state must come from getState() of a ${RNG_ALGORITHM} generator`);
    }
    const words: unknown = state.words; // checked as untrusted: states usually come back from JSON
    if (!Array.isArray(words) || words.length !== 4 || !words.every(isUint32)) {
      throw new Error("Rng state words must be four unsigned 32-bit integers");
    }
    if (words.every((w) => w === 0)) {
      throw new Error("Rng state words must not all be zero (xoshiro would output zeros forever)");
    }
    const spare = state.spareNormal;
    if (spare !== null && !(typeof spare === "number" && Number.isFinite(spare))) {
      throw new Error("Rng state spareNormal must be null or a finite number");
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number]; // four: checked above
    this.spareNormal = spare;
  }

  /** The next raw 32-bit output, an integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl32(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl32(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits (every double k·2⁻⁵³ equally likely). */
  next(): number {
    const high27 = this.nextUint32() >>> 5;
    const low26 = this.nextUint32() >>> 6;
    return (high27 * TWO_POW_26 + low26) / TWO_POW_53;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Normal(mean, std²) by the Box–Muller transform; every second call uses the cached spare. */
  normal(mean = 0, std = 1): number {
    let z: number;
    if (this.spareNormal !== null) {
      z = this.spareNormal;
      this.spareNormal = null;
    } else {
      const u1 = 1 - this.next(); // in (0, 1], so log(u1) is finite
      const u2 = this.next();
      const radius = Math.sqrt(-2 * Math.log(u1));
      const angle = 2 * Math.PI * u2;
      z = radius * Math.cos(angle);
      this.spareNormal = radius * Math.sin(angle);
    }
    return mean + std * z;
  }

  /** Uniform integer in [0, n), unbiased (rejection of the incomplete last block), for 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // The largest multiple of n not above 2^32: outputs at or past it would favour small results.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Shuffles in place by Fisher–Yates (every permutation equally likely) and returns the same array. */
  shuffle<A extends { length: number; [index: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return items;
  }
}
