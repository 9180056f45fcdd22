/**
 * Every optimiser against torch.optim: from the same parameters and gradients, three steps
 * of each rule (with and without weight decay) give torch's parameters to 1e-12 in float64.
 * The fixtures are made by tests/fixtures/pytorch/training/make_fixtures.py.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  defaultOptimizerConfig,
  Optimizer,
  optimizerKinds,
  type OptimizerKind,
} from "../../../engine/train/optimizers.js";

type Nested = number | Nested[];
interface OptimizerCase {
  name: string;
  torch: string;
  rnnc: { kind: OptimizerKind; lr: number; momentum?: number; weightDecay?: number };
  weights: Record<string, Nested>;
  grads: Record<string, Nested>[];
  expected: Record<string, Nested>[];
}

const fixtures = JSON.parse(
  readFileSync(new URL("../../fixtures/pytorch/training/optimizers.json", import.meta.url), "utf8"),
) as { cases: OptimizerCase[] };

const numbers = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(numbers) : [v]);
const flat = (record: Record<string, Nested>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Float64Array.from(numbers(v))]));

describe("optimisers against torch.optim (float64)", () => {
  it("has a case with and without weight decay for every optimiser", () => {
    for (const kind of optimizerKinds) {
      const cases = fixtures.cases.filter((c) => c.rnnc.kind === kind);
      expect(cases.map((c) => (c.rnnc.weightDecay ?? 0) > 0).sort(), kind).toEqual([false, true]);
    }
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const { kind, lr, weightDecay, momentum } = c.rnnc;
    const config = {
      ...defaultOptimizerConfig(kind, lr, weightDecay),
      ...(momentum !== undefined ? { momentum } : {}),
    };
    const weights = flat(c.weights);
    const optimizer = new Optimizer(config, Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, w.length])));
    c.grads.forEach((g, step) => {
      optimizer.step(weights, flat(g));
      for (const [name, want] of Object.entries(flat(c.expected[step]!))) {
        const got = weights[name]!;
        want.forEach((v, i) =>
          expect(Math.abs(got[i]! - v), `${c.torch}: step ${step + 1}, ${name}[${i}]: ${got[i]} vs ${v}`).toBeLessThan(
            1e-12,
          ),
        );
      }
    });
  });
});
