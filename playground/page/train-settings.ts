/**
 * The training panel's settings: `rnnc train`'s options that matter in a page, with its
 * defaults (index.html holds them as the fields' first values; the optimisers and their
 * learning rates come from engine/train/optimizers.ts). A field left empty is an option not
 * given; a value `rnnc train` would refuse is refused here with the field to fix.
 */
import { defaultLearningRates, optimizerKinds, type OptimizerKind } from "../../engine/train/optimizers.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import type { TrainSettings } from "../workers/messages.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A field's value that does not do: the field, to give the focus back to, and what it should hold. */
export class SettingError extends Error {
  constructor(
    readonly field: HTMLInputElement,
    message: string,
  ) {
    super(message);
  }
}

/** Fills the optimiser menu; the learning rate's placeholder shows the chosen optimiser's own rate. */
export function setUpOptimizers(): void {
  const menu = $<HTMLSelectElement>("optimizer");
  for (const kind of optimizerKinds) menu.append(new Option(kind, kind));
  menu.value = "adam";
  const showRate = () =>
    ($<HTMLInputElement>("lr").placeholder = `${defaultLearningRates[menu.value as OptimizerKind]}`);
  menu.addEventListener("change", showRate);
  showRate();
}

/** A field's number, checked as `rnnc train` checks its option; undefined when the field is empty and may be. */
function field(
  id: string,
  kind: "whole ≥ 1" | "whole ≥ 0" | "positive" | "fraction",
  optional: true,
): number | undefined;
function field(id: string, kind: "whole ≥ 1" | "whole ≥ 0" | "positive" | "fraction"): number;
function field(id: string, kind: "whole ≥ 1" | "whole ≥ 0" | "positive" | "fraction", optional = false) {
  const input = $<HTMLInputElement>(id);
  const text = input.value.trim();
  if (text === "" && optional) return undefined;
  const n = Number(text);
  const ok = {
    "whole ≥ 1": Number.isSafeInteger(n) && n >= 1,
    "whole ≥ 0": Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32,
    positive: Number.isFinite(n) && n > 0,
    fraction: n >= 0 && n < 1,
  }[kind];
  const expected = {
    "whole ≥ 1": "a whole number ≥ 1",
    "whole ≥ 0": "a whole number from 0 to 4294967295",
    positive: "a positive number",
    fraction: "a fraction in [0, 1), e.g. 0.1",
  }[kind];
  const label = input.closest("label")?.firstChild?.textContent?.trim() ?? id;
  if (text === "" || !ok)
    throw new SettingError(input, `${label}: expected ${expected}${optional ? ", or nothing" : ""}`);
  return n;
}

/** The settings as the fields hold them now (SettingError when one does not do). */
export function readSettings(): TrainSettings {
  const maxSteps = field("max-steps", "whole ≥ 1", true);
  const lr = field("lr", "positive", true);
  const clipNorm = field("clip-norm", "positive", true);
  return {
    epochs: field("epochs", "whole ≥ 1"),
    ...(maxSteps === undefined ? {} : { maxSteps }),
    batch: field("batch", "whole ≥ 1"),
    seqLen: field("seq-len", "whole ≥ 1"),
    optimizer: $<HTMLSelectElement>("optimizer").value as OptimizerKind,
    ...(lr === undefined ? {} : { lr }),
    ...(clipNorm === undefined ? {} : { clipNorm }),
    valSplit: field("val-split", "fraction"),
    seed: field("seed", "whole ≥ 0"),
    kernels: readKernels(),
    sampleLength: 80,
    sampleEvery: 20,
  };
}

export function readKernels(): KernelTier {
  return $<HTMLSelectElement>("kernels").value as KernelTier;
}

/** The seed a run without trained weights draws its weights with. */
export function readSeed(): number {
  return field("seed", "whole ≥ 0");
}
