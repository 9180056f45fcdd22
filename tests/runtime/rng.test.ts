import { describe, expect, it } from "vitest";
import { Rng, type RngState } from "../../runtime/rng.js";

function moments(samples: Float64Array): { mean: number; variance: number; skewness: number; kurtosis: number } {
  const n = samples.length;
  const mean = samples.reduce((s, x) => s + x, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of samples) {
    const d = x - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { mean, variance: m2, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

const DRAWS = 100_000;

describe("Rng reference streams", () => {
  it("matches the xoshiro128** reference implementation from state [1, 2, 3, 4]", () => {
    // Expected values printed by the authors' C code (xoshiro128starstar.c) run from s = {1, 2, 3, 4}.
    const rng = Rng.fromState({ algorithm: "xoshiro128**", words: [1, 2, 3, 4], spareNormal: null });
    const outputs = Array.from({ length: 6 }, () => rng.nextUint32());
    expect(outputs).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it("seeds the state with splitmix32, as the reference C code does for seed 42", () => {
    const rng = new Rng(42);
    expect(rng.getState().words).toEqual([551831576, 144025891, 322543647, 3034809370]);
    expect(Array.from({ length: 3 }, () => rng.nextUint32())).toEqual([660444221, 3652823732, 77672526]);
  });
});

describe("Rng reproducibility", () => {
  const drawMixed = (rng: Rng): number[] => [
    rng.next(),
    rng.normal(),
    rng.int(1000),
    rng.uniform(-3, 5),
    rng.normal(2, 0.5),
  ];

  it("gives the same stream for the same seed and a different one for another seed", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const streamA = Array.from({ length: 50 }, () => drawMixed(a)).flat();
    expect(Array.from({ length: 50 }, () => drawMixed(b)).flat()).toEqual(streamA);
    expect(Array.from({ length: 50 }, () => drawMixed(c)).flat()).not.toEqual(streamA);
  });

  it("continues identically after a JSON round trip of the state, including a cached normal", () => {
    const original = new Rng(2024);
    for (let i = 0; i < 10; i++) original.nextUint32();
    original.normal(); // leaves the second Box–Muller sample cached
    const saved = JSON.parse(JSON.stringify(original.getState())) as RngState;
    expect(saved.spareNormal).not.toBeNull();

    const resumed = Rng.fromState(saved);
    const reseeded = new Rng(1);
    reseeded.setState(saved);
    const expected = Array.from({ length: 20 }, () => drawMixed(original)).flat();
    expect(Array.from({ length: 20 }, () => drawMixed(resumed)).flat()).toEqual(expected);
    expect(Array.from({ length: 20 }, () => drawMixed(reseeded)).flat()).toEqual(expected);
  });

  it("returns a snapshot, not a live view of the state", () => {
    const rng = new Rng(3);
    const before = rng.getState();
    const copy = JSON.stringify(before);
    rng.normal();
    expect(JSON.stringify(before)).toBe(copy);
    expect(rng.getState()).not.toEqual(before);
  });
});

describe("Rng distributions", () => {
  it("next() is uniform on [0, 1) with mean 1/2 and variance 1/12", () => {
    const rng = new Rng(11);
    const samples = Float64Array.from({ length: DRAWS }, () => rng.next());
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(1);
    const { mean, variance } = moments(samples);
    // Tolerances are about five standard errors for 1e5 draws.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0015);
  });

  it("next() uses 53 random bits, not just 32", () => {
    const rng = new Rng(12);
    let oddLowestBit = 0;
    for (let i = 0; i < 10_000; i++) {
      const scaled = rng.next() * 2 ** 53;
      expect(Number.isInteger(scaled)).toBe(true);
      oddLowestBit += scaled % 2;
    }
    // With only 32 bits, scaled would always be a multiple of 2^21.
    expect(oddLowestBit).toBeGreaterThan(4500);
    expect(oddLowestBit).toBeLessThan(5500);
  });

  it("uniform(a, b) stays in [a, b) and is centred", () => {
    const rng = new Rng(13);
    const samples = Float64Array.from({ length: DRAWS }, () => rng.uniform(-2, 6));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...samples)).toBeLessThan(6);
    expect(Math.abs(moments(samples).mean - 2)).toBeLessThan(0.04);
  });

  it("normal() has the moments of a standard normal", () => {
    const rng = new Rng(14);
    const { mean, variance, skewness, kurtosis } = moments(Float64Array.from({ length: DRAWS }, () => rng.normal()));
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(variance - 1)).toBeLessThan(0.022);
    expect(Math.abs(skewness)).toBeLessThan(0.04);
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.08);
  });

  it("normal(mean, std) shifts and scales", () => {
    const rng = new Rng(15);
    const { mean, variance } = moments(Float64Array.from({ length: DRAWS }, () => rng.normal(3, 2)));
    expect(Math.abs(mean - 3)).toBeLessThan(0.035);
    expect(Math.abs(variance - 4)).toBeLessThan(0.09);
  });

  it("int(n) is uniform over [0, n)", () => {
    const rng = new Rng(16);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < DRAWS; i++) counts[rng.int(10)]++;
    for (const count of counts) expect(Math.abs(count - DRAWS / 10)).toBeLessThan(500);
    expect(rng.int(1)).toBe(0);
    const big = rng.int(2 ** 32);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).toBe(true);
  });

  it("int(n) rejects the incomplete last block instead of favouring small values", () => {
    // For n = 3·2^30, plain (uint32 mod n) would land in [0, 2^30) half the time instead of a third.
    const rng = new Rng(17);
    const n = 3 * 2 ** 30;
    let low = 0;
    const draws = 30_000;
    for (let i = 0; i < draws; i++) if (rng.int(n) < 2 ** 30) low++;
    expect(Math.abs(low / draws - 1 / 3)).toBeLessThan(0.015);
  });

  it("shuffle is a permutation, deterministic, and uniform over orderings", () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = new Rng(18).shuffle([...items]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(new Rng(18).shuffle([...items])).toEqual(shuffled);

    const rng = new Rng(19);
    const counts = new Map<string, number>();
    const trials = 60_000;
    for (let i = 0; i < trials; i++) {
      const key = rng.shuffle(Int32Array.of(0, 1, 2)).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const count of counts.values()) expect(Math.abs(count - trials / 6)).toBeLessThan(500);
  });

  it("shuffle returns the array it was given", () => {
    const typed = Float64Array.of(1, 2, 3);
    expect(new Rng(0).shuffle(typed)).toBe(typed);
  });
});

describe("Rng validation", () => {
  it("rejects seeds outside [0, 2^32)", () => {
    for (const seed of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => new Rng(seed)).toThrow(/seed must be an integer/);
    }
    expect(() => new Rng(2 ** 32 - 1)).not.toThrow();
  });

  it("rejects invalid int(n) bounds", () => {
    const rng = new Rng(0);
    for (const n of [0, -3, 2.5, 2 ** 32 + 1]) expect(() => rng.int(n)).toThrow(/integer n in \[1, 2\^32\]/);
  });

  it("rejects malformed states", () => {
    const good = new Rng(5).getState();
    const bad: unknown[] = [
      { ...good, algorithm: "mt19937" },
      { ...good, words: [1, 2, 3] },
      { ...good, words: [1, 2, 3, -4] },
      { ...good, words: [1, 2, 3, 2 ** 32] },
      { ...good, words: [0, 0, 0, 0] },
      { ...good, spareNormal: Number.NaN },
      { ...good, spareNormal: "0.5" },
    ];
    for (const state of bad) {
      expect(() => Rng.fromState(state as RngState)).toThrow(/Rng state/);
    }
  });
});
