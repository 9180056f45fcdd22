/** `rnnc ir [--grad]`: the forward step template, and the backward step derived from it. */
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

describe("rnnc ir", () => {
  it("prints one forward step, each group of nodes under the equation it computes", async () => {
    const r = await rnnc("ir", "examples/elman.rnn");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("step t:\n  // h = tanh(W @ h[t-1] + U @ x + b)\n  %0    = delay h[t-1]");
    expect(r.out).toContain("%7    = tanh %6");
    expect(r.out).not.toContain("backward step");
  });

  it("with --grad, also prints the backward step and what it adds to each parameter's gradient", async () => {
    const r = await rnnc("ir", "--grad", "examples/elman.rnn");
    expect(r.code).toBe(0);
    const [forward, backward] = r.out.split("\nbackward step t");
    expect(forward).toContain("step t:");
    expect(backward).toContain("d%7   = sum %b3, d%0[t+1]");
    expect(backward).toContain("\ngradients, summed over the batch and the steps:\n");
    for (const param of ["W", "U", "b", "Vo", "c"]) expect(backward).toMatch(new RegExp(`\\n  ${param}(\\[|\\s)`));
  });

  it("with --grad, refuses a model without a loss: there is no gradient", async () => {
    const noLoss = await rnnc("ir", "--grad", "bench/workloads/w3-gru-latency.rnn");
    expect(noLoss.code).toBe(1);
    expect(noLoss.out).toBe("");
    expect(noLoss.err).toContain("has no loss, so there is no gradient to print");
  });

  it("documents the notation of --grad in rnnc help ir", async () => {
    const r = await rnnc("help", "ir");
    expect(r.out).toContain("--grad");
    expect(r.out).toContain("d%n[t+k]");
  });
});
