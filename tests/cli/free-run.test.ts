/**
 * A model without inputs, the lecture's linear recurrence h_t = W h_{t-1}: `rnnc run --steps T`
 * prints its states at every step (W^t h_0, on both backends), and `rnnc analyze` shows ‖h_t‖
 * growing or shrinking like ρ(W)^t.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { orthogonal } from "../support/matrices.js";

const linear = "examples/experiments/models/linear.rnn";
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-free-run-"));
});

/** Weights W = ρ·Q (Q orthogonal, 8 × 8), as nested JSON rows. */
function scaledRotation(rho: number): string {
  const q = orthogonal(8, 3);
  const rows = Array.from({ length: 8 }, (_, i) => Array.from(q.subarray(i * 8, i * 8 + 8), (v) => rho * v));
  const path = join(dir, `rho-${rho}.json`);
  writeFileSync(path, JSON.stringify({ W: rows }));
  return path;
}

describe("rnnc run --steps", () => {
  it("prints the states at every step: h_t = W h_{t-1} from h_0 = 1, the same on both backends", async () => {
    const weights = JSON.stringify({
      W: Array.from({ length: 8 }, (_, i) =>
        Array.from({ length: 8 }, (_, j) => (i === j ? 0.5 : 0) + (j === (i + 1) % 8 ? 0.25 : 0)),
      ),
    });
    const path = join(dir, "shift.json");
    writeFileSync(path, weights);
    const r = await rnnc("run", linear, "--steps", "3", "--weights", path);
    expect(r.err).toBe("");
    const json = JSON.parse(r.out) as { loss: null; outputs: { h: number[][][] } };
    expect(json.loss).toBeNull();
    // Each row of W sums to 0.75, so W^t 1 = 0.75^t 1.
    expect(json.outputs.h).toEqual([0.75, 0.5625, 0.421875].map((v) => [Array(8).fill(v)]));
    const compiled = await rnnc("run", linear, "--steps", "3", "--weights", path, "--backend", "compiled");
    expect(compiled.out).toBe(r.out);
  });

  it("says what to give instead, for a model without inputs and for one with", async () => {
    const noSteps = await rnnc("run", linear);
    expect(noSteps.code).toBe(1);
    expect(noSteps.err).toMatch(/model Linear has no input, so no data can say how long to run it: give --steps T/);
    const withInputs = await rnnc("run", "examples/elman.rnn", "--steps", "3");
    expect(withInputs.err).toMatch(
      /model ElmanSentiment reads input x, so it runs on --data; --steps runs a model without inputs/,
    );
    const both = await rnnc("run", linear, "--steps", "3", "--data", "examples/data/elman.json");
    expect(both.err).toMatch(/give --data or --steps, not both/);
    const zero = await rnnc("run", linear, "--steps", "0");
    expect(zero.err).toMatch(/--steps <T>' argument '0' is invalid. expected a whole number ≥ 1/);
  });
});

describe("rnnc analyze on a model without inputs", () => {
  for (const rho of [0.9, 1.0, 1.1]) {
    it(`shows ‖h_t‖ = ρ^t ‖h_0‖ for W = ρ·Q with ρ = ${rho}`, async () => {
      const r = await rnnc("analyze", linear, "--weights", scaledRotation(rho), "--steps", "30", "--format", "json");
      expect(r.err).toBe("");
      const json = JSON.parse(r.out);
      expect(json.matrices[0].spectral_radius).toBeCloseTo(rho, 9);
      const norms: number[] = json.free_run.norms.h;
      expect(norms).toHaveLength(31);
      norms.forEach((n, t) => expect(n / (rho ** t * Math.sqrt(8))).toBeCloseTo(1, 9));
      expect(json.free_run.growth_per_step.h).toBeCloseTo(rho, 9);
    });
  }

  it("prints the norms beside ρ^t, says whether the state grows, and draws them", async () => {
    const plot = join(dir, "analyze.svg");
    const r = await rnnc("analyze", linear, "--weights", scaledRotation(1.1), "--steps", "10", "--plot", plot);
    expect(r.err).toBe(`wrote ${plot} (plot of the eigenvalues and of ||h_t|| from the initial state)\n`);
    expect(r.out).toMatch(
      /run from the initial state, no input, 10 steps; a linear recurrence h_t = W h_\{t−1\} grows like ρ\^t:/,
    );
    expect(r.out).toMatch(/step t\s+‖h_t‖\s+ρ\^t ‖h_0‖/);
    expect(r.out).toMatch(/\n10\s+7\.336e\+0\s+7\.336e\+0\n/);
    expect(r.out).toMatch(/h grows by 1\.1000 a step over steps 5–10 \(ρ = 1\.1000\)/);
    expect(r.out).not.toMatch(/give --data/);
    expect(readFileSync(plot, "utf8")).toMatch(/\|\|h_t\|\| from the initial state, no input/);
  });
});
