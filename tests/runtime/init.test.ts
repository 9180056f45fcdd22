import { describe, expect, it } from "vitest";
import { initialise, type InitSpec } from "../../runtime/init.js";
import { Rng } from "../../runtime/rng.js";
import { expectAllClose } from "./helpers.js";

/** M·Mᵀ (rows×rows) for M rows×cols, row-major. */
function gramOfRows(m: Float64Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += m[i * cols + k] * m[j * cols + k];
      g[i * rows + j] = s;
    }
  }
  return g;
}

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

function scaledIdentity(n: number, value: number): Float64Array {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = value;
  return eye;
}

/** Classical Gram–Schmidt on the columns of A (m×n): an independent reference for Q with diag(R) > 0. */
function gramSchmidtColumns(a: Float64Array, m: number, n: number): Float64Array {
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const v = Float64Array.from({ length: m }, (_, i) => a[i * n + j]);
    for (let k = 0; k < j; k++) {
      let proj = 0;
      for (let i = 0; i < m; i++) proj += q[i * n + k] * a[i * n + j];
      for (let i = 0; i < m; i++) v[i] -= proj * q[i * n + k];
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < m; i++) q[i * n + j] = v[i] / norm;
  }
  return q;
}

describe("initialise: constant initialisers", () => {
  it("fills zeros, ones and a constant, with the size of the shape", () => {
    const rng = new Rng(0);
    expect(Array.from(initialise({ kind: "zeros" }, [2, 3], rng))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(initialise({ kind: "ones" }, [4], rng))).toEqual([1, 1, 1, 1]);
    expect(Array.from(initialise({ kind: "constant", value: -0.25 }, [1, 2], rng))).toEqual([-0.25, -0.25]);
  });

  it("does not consume randomness", () => {
    const rng = new Rng(1);
    initialise({ kind: "constant", value: 3 }, [5, 5], rng);
    expect(rng.getState()).toEqual(new Rng(1).getState());
  });
});

describe("initialise: random initialisers", () => {
  it("uniform stays in [low, high) with the right mean", () => {
    const data = initialise({ kind: "uniform", low: 2, high: 4 }, [100, 100], new Rng(2));
    expect(Math.min(...data)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...data)).toBeLessThan(4);
    expect(Math.abs(data.reduce((s, x) => s + x, 0) / data.length - 3)).toBeLessThan(0.03);
  });

  it("normal has the requested mean and std", () => {
    const data = initialise({ kind: "normal", mean: -1, std: 0.5 }, [200, 100], new Rng(3));
    const mean = data.reduce((s, x) => s + x, 0) / data.length;
    const variance = data.reduce((s, x) => s + (x - mean) ** 2, 0) / data.length;
    expect(Math.abs(mean + 1)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(variance) - 0.5)).toBeLessThan(0.01);
  });

  it("xavier draws from U(−a, a) with a = √(6 / (fan_in + fan_out)), fan_in = cols, fan_out = rows", () => {
    const a = Math.sqrt(6 / (30 + 50));
    const data = initialise({ kind: "xavier" }, [30, 50], new Rng(4));
    expect(Math.max(...data.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...data.map(Math.abs))).toBeGreaterThan(0.98 * a);
    // U(−a, a) has variance a²/3.
    const variance = data.reduce((s, x) => s + x * x, 0) / data.length;
    expect(Math.abs(variance - (a * a) / 3)).toBeLessThan(0.05 * ((a * a) / 3));
  });

  it("xavier treats a vector [n] as fan_in = fan_out = n", () => {
    const a = Math.sqrt(3 / 400);
    const data = initialise({ kind: "xavier" }, [400], new Rng(5));
    expect(Math.max(...data.map(Math.abs))).toBeLessThanOrEqual(a);
    expect(Math.max(...data.map(Math.abs))).toBeGreaterThan(0.98 * a);
  });

  it("is determined by the seed", () => {
    const specs: InitSpec[] = [
      { kind: "uniform", low: -1, high: 1 },
      { kind: "normal", mean: 0, std: 1 },
      { kind: "xavier" },
      { kind: "orthogonal", gain: 1 },
    ];
    for (const spec of specs) {
      const first = initialise(spec, [6, 4], new Rng(6));
      expect(initialise(spec, [6, 4], new Rng(6))).toEqual(first);
      expect(initialise(spec, [6, 4], new Rng(7))).not.toEqual(first);
    }
  });
});

describe("initialise: orthogonal", () => {
  it("gives QᵀQ = I for square and tall matrices", () => {
    for (const [rows, cols] of [
      [64, 64],
      [50, 20],
      [7, 1],
    ]) {
      const q = initialise({ kind: "orthogonal", gain: 1 }, [rows, cols], new Rng(rows + cols));
      expectAllClose(gramOfRows(transpose(q, rows, cols), cols, rows), scaledIdentity(cols, 1), 1e-12);
    }
  });

  it("gives QQᵀ = I for wide matrices", () => {
    const q = initialise({ kind: "orthogonal", gain: 1 }, [20, 50], new Rng(8));
    expectAllClose(gramOfRows(q, 20, 50), scaledIdentity(20, 1), 1e-12);
  });

  it("multiplies by the gain", () => {
    const q = initialise({ kind: "orthogonal", gain: 1.5 }, [30, 30], new Rng(9));
    expectAllClose(gramOfRows(q, 30, 30), scaledIdentity(30, 2.25), 1e-12);
  });

  it("is the positive-diagonal QR of a Gaussian draw, transposed for wide shapes", () => {
    const rows = 12;
    const cols = 5;
    const tallDraw = new Rng(10);
    const gaussian = Float64Array.from({ length: rows * cols }, () => tallDraw.normal());
    const expected = gramSchmidtColumns(gaussian, rows, cols);
    expectAllClose(initialise({ kind: "orthogonal", gain: 1 }, [rows, cols], new Rng(10)), expected, 1e-10);
    expectAllClose(
      initialise({ kind: "orthogonal", gain: 1 }, [cols, rows], new Rng(10)),
      transpose(expected, rows, cols),
      1e-10,
    );
  });

  it("normalises a Gaussian draw to length |gain| for a vector", () => {
    const rng = new Rng(11);
    const draw = Float64Array.from({ length: 9 }, () => rng.normal());
    const norm = Math.hypot(...draw);
    const v = initialise({ kind: "orthogonal", gain: 2 }, [9], new Rng(11));
    expectAllClose(
      v,
      Array.from(draw, (x) => (2 * x) / norm),
      1e-14,
    );
  });
});

describe("initialise: validation", () => {
  it("rejects shapes that are not [n] or [rows, cols] of positive integers", () => {
    const rng = new Rng(0);
    for (const shape of [[], [2, 3, 4], [0], [3, -1], [2.5]]) {
      expect(() => initialise({ kind: "zeros" }, shape, rng)).toThrow(/init shape/);
    }
  });

  it("rejects invalid parameters", () => {
    const rng = new Rng(0);
    const bad: InitSpec[] = [
      { kind: "constant", value: Number.NaN },
      { kind: "uniform", low: 1, high: 0 },
      { kind: "uniform", low: 0, high: Infinity },
      { kind: "normal", mean: 0, std: -1 },
      { kind: "normal", mean: Number.NaN, std: 1 },
      { kind: "orthogonal", gain: Infinity },
    ];
    for (const spec of bad) expect(() => initialise(spec, [2, 2], rng)).toThrow(RangeError);
  });
});
