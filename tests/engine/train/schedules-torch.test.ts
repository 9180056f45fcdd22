/**
 * Every learning-rate schedule, with and without warmup, against torch.optim.lr_scheduler:
 * the rate of each step equals the rate torch's optimiser holds at that step (the scheduler
 * stepped after each step; a plateau schedule given the same validation losses) to 1e-12
 * relative. The fixtures are made by tests/fixtures/pytorch/training/make_fixtures.py.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  constantSchedule,
  learningRate,
  newPlateauState,
  notePlateauValidation,
  scheduleKinds,
  type ScheduleConfig,
  type ScheduleKind,
} from "../../../engine/train/schedule.js";

interface ScheduleCase {
  name: string;
  torch: string;
  rnnc: Partial<ScheduleConfig> & { lr: number; schedule: ScheduleKind };
  steps: number;
  lrs: number[];
  validations?: { step: number; loss: number }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL("../../fixtures/pytorch/training/schedules.json", import.meta.url), "utf8"),
) as { cases: ScheduleCase[] };

describe("learning-rate schedules against torch.optim.lr_scheduler", () => {
  it("has a case with and without warmup for every schedule", () => {
    for (const kind of scheduleKinds) {
      const cases = fixtures.cases.filter((c) => c.rnnc.schedule === kind);
      expect(cases.map((c) => (c.rnnc.warmup ?? 0) > 0).sort(), kind).toEqual([false, true]);
    }
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const { lr: base, schedule: kind, ...settings } = c.rnnc;
    const schedule: ScheduleConfig = { ...constantSchedule, ...settings, kind };
    const plateau = newPlateauState(base);
    const losses = new Map((c.validations ?? []).map((v) => [v.step, v.loss]));
    let reductions = 0;
    for (let k = 1; k <= c.steps; k++) {
      const lr = learningRate(schedule, base, k - 1, plateau);
      const want = c.lrs[k - 1]!;
      expect(Math.abs(lr - want) / want, `${c.torch}, step ${k}: ${lr} vs ${want}`).toBeLessThan(1e-12);
      const loss = losses.get(k);
      if (loss !== undefined && notePlateauValidation(schedule, plateau, loss, k)) reductions++;
    }
    if (kind === "plateau") expect(reductions).toBeGreaterThan(1);
  });
});
