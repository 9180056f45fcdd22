/**
 * Splitting a batch into shards of whole sequences, the weight of each in the sum of their
 * gradients, and joining their states back (shard-slot.ts copies a shard's sequences in,
 * shared-step.js sums the gradients).
 *
 * Data parallelism rests on one identity: the gradient of a batch's loss is the weighted
 * sum of its shards' gradients, each shard weighing the share of the batch's scored
 * positions it holds (a mean loss) or 1 (a summed one). The sum is taken over the shards
 * in a fixed order, so the result depends on how the batch was split but never on which
 * thread computed which shard or summed which part, or when it finished.
 *
 * Everything here works on a generated module's own batch and state (see
 * docs/generated-modules.md): arrays laid out [rows][B][width], rows being T for a value
 * at every step, 1 for a target at the last step, the carried steps for a state.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Float, ModuleBatch, ModuleState } from "../../runtime/generated-module.js";

type Values = Float | Int32Array;

/** Sequences [start, end) of the batch. */
export interface Shard {
  start: number;
  end: number;
}

/** `count` contiguous shards of near-equal size (the first ones one larger), none empty. */
export function shardsOf(B: number, count: number): Shard[] {
  const n = Math.max(1, Math.min(count, B));
  const base = Math.floor(B / n);
  const extra = B % n;
  const shards: Shard[] = [];
  let start = 0;
  for (let s = 0; s < n; s++) {
    const end = start + base + (s < extra ? 1 : 0);
    shards.push({ start, end });
    start = end;
  }
  return shards;
}

/** Whether every loss of the model is scored and reduced alike, so that any split of a batch can be weighed (below). */
export function lossesWeighAlike(ir: IrModel): boolean {
  const [first, ...others] = ir.losses;
  return first !== undefined && others.every((l) => l.at === first.at && l.reduce === first.reduce);
}

/**
 * What each shard's loss (and gradient) is multiplied by in the sum, or null when the
 * model's losses do not agree on it (a mean at the last step beside a mean over every
 * step, or a mean beside a sum): such a batch is not split.
 */
export function shardWeights(
  ir: IrModel,
  batch: Pick<ModuleBatch, "T" | "B" | "lengths">,
  shards: Shard[],
): number[] | null {
  const positions = (shard: Shard, at: "last" | "each") => {
    if (at === "last" || !batch.lengths) return (shard.end - shard.start) * (at === "last" ? 1 : batch.T!);
    let sum = 0;
    for (let b = shard.start; b < shard.end; b++) sum += batch.lengths[b]!;
    return sum;
  };
  let agreed: number[] | null = null;
  for (const loss of ir.losses) {
    const total = positions({ start: 0, end: batch.B }, loss.at);
    const weights = shards.map((s) => (loss.reduce === "sum" ? 1 : positions(s, loss.at) / total));
    if (agreed && weights.some((w, i) => w !== agreed![i])) return null;
    agreed = weights;
  }
  return agreed;
}

/** Width of one row of each named array a module batch or state can hold: ids count 1. */
export function rowWidths(ir: IrModel): Map<string, number> {
  const widths = new Map<string, number>();
  for (const i of ir.inputs) widths.set(i.name, i.encoding === "onehot" ? 1 : i.size);
  for (const t of ir.targets) widths.set(t.name, t.kind === "class" ? 1 : t.size);
  for (const s of ir.states) widths.set(s.name, s.size);
  return widths;
}

/** Width of one row of each mask of a module batch. */
export function maskWidths(ir: IrModel): Map<string, number> {
  return new Map(ir.masks.map((m) => [m.name, m.size]));
}

/** Writes `part`, the rows of `shard`, back into `array` laid out [rows][B][width]. */
function joinRows(array: Values, part: Values, B: number, width: number, shard: Shard): void {
  const n = shard.end - shard.start;
  const rows = part.length / (n * width);
  for (let r = 0; r < rows; r++)
    array.set(part.subarray(r * n * width, (r + 1) * n * width) as never, (r * B + shard.start) * width);
}

/** Writes a shard's state after its run back into the batch's state. */
export function joinState(
  state: ModuleState,
  part: Record<string, Values>,
  widths: Map<string, number>,
  shard: Shard,
): void {
  for (const [name, values] of Object.entries(part))
    joinRows(state.values[name]!, values, state.B, widths.get(name)!, shard);
  state.fresh = false;
}
