/** Option parsers for train, eval, sample and analyze, and what `rnnc train` is given. */
import { InvalidArgumentError } from "commander";
import type { KernelTier } from "../../codegen/kernel-tier.js";
import type { BackendKind } from "../../../engine/train/backend-choice.js";
import type { Precision } from "../../../engine/backend.js";
import type { OptimizerKind } from "../../../engine/train/optimizers.js";
import type { ScheduleKind } from "../../../engine/train/schedule.js";
import type { TextTokens } from "../../../engine/data/text-file.js";

export interface TrainOptions {
  kernels?: KernelTier;
  data: string;
  tokens?: TextTokens;
  vocabSize?: number;
  valData?: string;
  epochs: number;
  batch: number;
  seqLen: number;
  optimizer: OptimizerKind;
  lr?: number;
  momentum: number;
  weightDecay?: number;
  lrSchedule: ScheduleKind;
  warmup: number;
  lrStep?: number;
  lrFactor: number;
  lrMin: number;
  lrPatience: number;
  accumulate: number;
  initFrom?: string;
  freeze: string[];
  patience: number;
  clipValue?: number;
  clipNorm?: number;
  seed: number;
  valSplit: number;
  checkpoint?: string;
  checkpointEvery: number;
  evalEvery: number;
  resume?: boolean;
  backend: BackendKind;
  precision: Precision;
  dim: string[];
  progress: "auto" | "bar" | "lines" | "none";
  logEvery?: number;
  threads: ThreadCount;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
}

/** The seed of every command that draws random numbers (initial weights, shuffling, sampling) when none is given. */
export const defaultSeed = 1;

export function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n >= 2 ** 32)
    throw new InvalidArgumentError("expected a whole number from 0 to 4294967295");
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive number");
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number ≥ 0");
  return n;
}

export function openFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n > 0 && n < 1)) throw new InvalidArgumentError("expected a number in (0, 1), e.g. 0.5");
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !(n >= 0 && n < 1))
    throw new InvalidArgumentError("expected a fraction in [0, 1), e.g. 0.1");
  return n;
}

export function choice<T extends string>(options: readonly T[]) {
  return (value: string): T => {
    if (!options.includes(value as T)) throw new InvalidArgumentError(`expected one of ${options.join(", ")}`);
    return value as T;
  };
}

export type ThreadCount = number | "auto";

export function threadCount(value: string): ThreadCount {
  if (value.trim() === "auto") return "auto";
  try {
    return positiveInt(value);
  } catch {
    throw new InvalidArgumentError("expected auto or a whole number ≥ 1");
  }
}
