/** Eigenvalues against known spectra, recurrent matrices found in the IR, and ||dL/dh_t|| on a model whose answer is known. */
import { describe, expect, it } from "vitest";
import { eigenvalues, spectralNorm, spectralRadius, type Complex } from "../../../engine/analysis/eigen.js";
import { stateGradientNorms } from "../../../engine/analysis/gradient-norms.js";
import { recurrentMatrices, spectra } from "../../../engine/analysis/recurrent.js";
import { freeRunNorms } from "../../../engine/analysis/state-norms.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { randomBatch } from "../../../engine/random-batch.js";
import { Rng } from "../../../runtime/rng.js";
import { irFromFile, irFromText } from "../../support/models.js";
import { orthogonal } from "../../support/matrices.js";

const sorted = (zs: Complex[]) => [...zs].sort((a, b) => a.re - b.re || a.im - b.im);
function expectSpectrum(actual: Complex[], expected: Complex[], tol = 1e-9) {
  const a = sorted(actual);
  const e = sorted(expected);
  expect(a.length).toBe(e.length);
  a.forEach((z, i) => {
    expect(Math.abs(z.re - e[i]!.re), `re ${i}: ${z.re} vs ${e[i]!.re}`).toBeLessThan(tol);
    expect(Math.abs(z.im - e[i]!.im), `im ${i}: ${z.im} vs ${e[i]!.im}`).toBeLessThan(tol);
  });
}
const real = (...xs: number[]) => xs.map((re) => ({ re, im: 0 }));

describe("eigenvalues", () => {
  it("of triangular and diagonal matrices: the diagonal", () => {
    expectSpectrum(eigenvalues([2, 1, 5, 0, -3, 7, 0, 0, 0.5], 3), real(2, -3, 0.5));
    expectSpectrum(eigenvalues([4], 1), real(4));
  });

  it("of a rotation by θ scaled by r: r·e^(±iθ)", () => {
    const r = 0.9;
    const th = 0.7;
    expectSpectrum(eigenvalues([r * Math.cos(th), -r * Math.sin(th), r * Math.sin(th), r * Math.cos(th)], 2), [
      { re: r * Math.cos(th), im: r * Math.sin(th) },
      { re: r * Math.cos(th), im: -r * Math.sin(th) },
    ]);
  });

  it("of a companion matrix: the roots of its polynomial", () => {
    // (x − 1)(x + 2)(x − 3)(x² + 1) = x⁵ − 2x⁴ − 4x³ + 4x² − 5x + 6 → roots 1, −2, 3, ±i
    const c = [2, 4, -4, 5, -6]; // x⁵ = 2x⁴ + 4x³ − 4x² + 5x − 6
    const n = 5;
    const m = new Float64Array(n * n);
    c.forEach((v, j) => (m[j] = v));
    for (let i = 1; i < n; i++) m[i * n + i - 1] = 1;
    expectSpectrum(eigenvalues(m, n), [...real(1, -2, 3), { re: 0, im: 1 }, { re: 0, im: -1 }], 1e-8);
  });

  it("of a similarity transform Q D Qᵀ: D's, for a larger matrix", () => {
    const n = 24;
    const q = orthogonal(n, 3);
    const d = Array.from({ length: n }, (_, i) => (i - 11.5) / 7);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q[i * n + k]! * d[k]! * q[j * n + k]!;
    expectSpectrum(eigenvalues(a, n), real(...d), 1e-9);
  });

  it("keeps trace and determinant of random matrices, and every |λ| of ρ·Q equals ρ", () => {
    const rng = new Rng(9);
    for (const n of [3, 8, 17]) {
      const a = Float64Array.from({ length: n * n }, () => rng.normal());
      const ev = eigenvalues(a, n);
      let trace = 0;
      for (let i = 0; i < n; i++) trace += a[i * n + i]!;
      expect(ev.reduce((s, z) => s + z.re, 0)).toBeCloseTo(trace, 9);
      expect(Math.abs(ev.reduce((s, z) => s + z.im, 0))).toBeLessThan(1e-9);
    }
    const q = orthogonal(16, 5).map((v) => 1.7 * v);
    for (const z of eigenvalues(q, 16)) expect(Math.hypot(z.re, z.im)).toBeCloseTo(1.7, 9);
    expect(spectralRadius(q, 16)).toBeCloseTo(1.7, 9);
    expect(spectralNorm(q, 16, 16)).toBeCloseTo(1.7, 9);
  });

  it("sorts by decreasing modulus", () => {
    const ev = eigenvalues([0.1, 0, 0, 0, -3, 0, 0, 0, 2], 3);
    expect(ev.map((z) => z.re)).toEqual([-3, 2, 0.1]);
  });
});

describe("recurrent matrices", () => {
  it("finds W @ h[t-1], the h[t-1] columns of each LSTM gate, and not a Jordan matrix (not square)", () => {
    expect(recurrentMatrices(irFromFile("examples/elman.rnn")).map((m) => m.label)).toEqual(["W @ h[t-1]"]);
    expect(recurrentMatrices(irFromFile("examples/lstm.rnn")).map((m) => m.label)).toEqual([
      "h.W_i[:, 0:24] @ h[t-1]",
      "h.W_f[:, 0:24] @ h[t-1]",
      "h.W_g[:, 0:24] @ h[t-1]",
      "h.W_o[:, 0:24] @ h[t-1]",
    ]);
    expect(recurrentMatrices(irFromFile("examples/jordan.rnn"))).toEqual([]);
    expect(recurrentMatrices(irFromFile("examples/gru.rnn")).map((m) => m.label)).toEqual([
      "h.W_r[:, 0:32] @ h[t-1]",
      "h.W_z[:, 0:32] @ h[t-1]",
      "h.W_hn @ h[t-1]",
    ]);
  });
});

describe("||dL/dh_t|| on a linear RNN with W = ρ·Q", () => {
  const model = `model Linear {
    dim D = 3
    dim H = 6
    input x : [D]
    target y : [H]
    param W : [H, H]
    param U : [H, D]
    state h : [H] = zeros
    h = W @ h[t-1] + U @ x
    loss mse(h, y) at last
  }`;
  for (const rho of [0.8, 1.25]) {
    it(`falls (or grows) by exactly ρ = ${rho} per step back, and the analysis finds ρ`, () => {
      const ir = irFromText(model);
      const w = initialWeights(ir, 1);
      w["W"] = orthogonal(6, 2).map((v) => rho * v);
      const [s] = spectra(ir, w);
      expect(s!.spectralRadius).toBeCloseTo(rho, 9);
      const batch = randomBatch(ir, new Rng(4), { T: 12, B: 3 });
      const { norms } = stateGradientNorms(ir, w, batch);
      const h = norms.find((n) => n.state === "h")!.perStep;
      // dL/dh_{t-1} = Wᵀ dL/dh_t and ||Wᵀ a|| = ρ||a|| for every row of the batch.
      for (let t = 0; t < 11; t++) expect(h[t]! / h[t + 1]!).toBeCloseTo(rho, 9);
    });
  }
});

describe("‖h_t‖ of a model without inputs, run from its initial state", () => {
  const model = `model Free {
    dim H = 5
    param W : [H, H]
    state h : [H] = learned
    state c : [3] = 2
    h = W @ h[t-1]
    c = 0.5 * c[t-1]
  }`;
  it("is ρ^t ‖h_0‖ for W = ρ·Q, from t = 0, for each state", () => {
    const ir = irFromText(model);
    const w = initialWeights(ir, 1);
    w["W"] = orthogonal(5, 9).map((v) => 1.2 * v);
    w["h.init"] = Float64Array.of(1, -2, 0.5, 0, 3);
    const norms = freeRunNorms(ir, w, 8);
    expect(norms.map((n) => n.state)).toEqual(["h", "c"]);
    const h0 = Math.hypot(1, -2, 0.5, 0, 3);
    norms[0]!.perStep.forEach((n, t) => expect(n / (1.2 ** t * h0)).toBeCloseTo(1, 12));
    norms[1]!.perStep.forEach((n, t) => expect(n).toBeCloseTo(0.5 ** t * 2 * Math.sqrt(3), 12));
  });

  it("refuses a model with inputs", () => {
    expect(() => freeRunNorms(irFromFile("examples/elman.rnn"), {}, 3)).toThrow(/reads inputs/);
  });
});
