/**
 * Telling a run that has diverged from one that is noisy. A diverged run (a learning rate far
 * too high: `--lr 1e9` reaches a loss of 5·10⁹) can keep finite numbers for ever, so
 * non-finite values alone do not catch it. The rule, on the mean loss per position of each
 * step: once five steps are in, the run has diverged when the loss's running level (the
 * median of the last ten steps, so one odd batch does not count) is more than three times the
 * lowest level it has had, and above the loss of the untrained model (the first step's), so a
 * loss that rises from a very low level but stays better than the start is not stopped. A
 * perplexity that overflows (a cross-entropy above 709 nats per token) has diverged too.
 *
 * The history is part of the training state, saved with each checkpoint, so a resumed run
 * stops exactly where the uninterrupted one would.
 */
import type { Evaluation } from "./evaluate.js";

export interface LossHistory {
  /** The losses of the last `WINDOW` steps. */
  recent: number[];
  /** The first step's loss: the untrained model's. */
  initial: number | null;
  /** The lowest running level so far (the initial loss counts as one). */
  lowest: number | null;
}

const WINDOW = 10;
const FIRST_CHECK = 5;
const RISE = 3;

export function newLossHistory(): LossHistory {
  return { recent: [], initial: null, lowest: null };
}

/** Records a step's loss; returns why the run has diverged, if it has. */
export function recordStepLoss(history: LossHistory, loss: number, perplexity: boolean): string | undefined {
  if (perplexity && Math.exp(loss) === Infinity)
    return `the loss is ${loss.toPrecision(3)} per token, so the perplexity e^loss is Infinity`;
  history.initial ??= loss;
  history.recent.push(loss);
  if (history.recent.length > WINDOW) history.recent.shift();
  if (history.recent.length < FIRST_CHECK) return undefined;
  const level = median(history.recent);
  const lowest = Math.min(history.lowest ?? history.initial, history.initial, level);
  history.lowest = lowest;
  if (level > RISE * lowest && level > history.initial)
    return `the loss has diverged: ${level.toPrecision(3)} per position (median of the last ${history.recent.length} steps), more than ${RISE}× its lowest level ${lowest.toPrecision(3)} and above the untrained model's ${history.initial.toPrecision(3)}`;
  return undefined;
}

/** Why a validation result shows divergence, if it does. */
export function validationDiverged(e: Evaluation): string | undefined {
  if (!Number.isFinite(e.loss)) return `the validation loss is ${e.loss}`;
  if (e.perplexity !== undefined && !Number.isFinite(e.perplexity))
    return `the validation perplexity is ${e.perplexity} (validation loss ${e.loss.toPrecision(3)} per token)`;
  return undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
