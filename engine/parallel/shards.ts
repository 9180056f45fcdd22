/**
 * Splitting a batch into shards of whole sequences, and joining what the shards compute.
 *
 * Data parallelism rests on one identity: the gradient of a batch's loss is the weighted
 * sum of its shards' gradients, each shard weighing the share of the batch's scored
 * positions it holds (a mean loss) or 1 (a summed one). The sum is taken over the shards
 * in a fixed order, so the result depends on how the batch was split but never on which
 * thread computed which shard, or when it finished.
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

/** Sequences `shard` of an array laid out [rows][B][width]. */
function sliceRows<A extends Values>(array: A, B: number, width: number, shard: Shard): A {
  const rows = array.length / (B * width);
  const n = shard.end - shard.start;
  const out = new (array.constructor as new (length: number) => A)(rows * n * width);
  for (let r = 0; r < rows; r++)
    out.set(array.subarray((r * B + shard.start) * width, (r * B + shard.end) * width), r * n * width);
  return out;
}

/** Writes `part`, the rows of `shard`, back into `array` laid out [rows][B][width]. */
function joinRows(array: Values, part: Values, B: number, width: number, shard: Shard): void {
  const n = shard.end - shard.start;
  const rows = part.length / (n * width);
  for (let r = 0; r < rows; r++)
    array.set(part.subarray(r * n * width, (r + 1) * n * width) as never, (r * B + shard.start) * width);
}

function sliceRecord(
  record: Record<string, Values>,
  B: number,
  widths: Map<string, number>,
  shard: Shard,
): Record<string, Values> {
  const out: Record<string, Values> = Object.create(null);
  for (const [name, array] of Object.entries(record)) out[name] = sliceRows(array, B, widths.get(name)!, shard);
  return out;
}

export function sliceBatch(
  batch: ModuleBatch,
  widths: Map<string, number>,
  shard: Shard,
  masks: Map<string, number> = new Map(),
): ModuleBatch {
  return {
    T: batch.T,
    B: shard.end - shard.start,
    inputs: sliceRecord(batch.inputs, batch.B, widths, shard),
    ...(batch.targets ? { targets: sliceRecord(batch.targets, batch.B, widths, shard) } : {}),
    ...(batch.masks ? { masks: sliceRecord(batch.masks, batch.B, masks, shard) as Record<string, Float> } : {}),
    ...(batch.lengths ? { lengths: batch.lengths.slice(shard.start, shard.end) } : {}),
  };
}

export function sliceState(state: ModuleState, widths: Map<string, number>, shard: Shard): ModuleState {
  return { B: shard.end - shard.start, values: sliceRecord(state.values, state.B, widths, shard), fresh: state.fresh };
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

/** loss = Σ weights[s] · losses[s] and out = Σ weights[s] · grads[s], summed in shard order. */
export function reduceShards(weights: number[], losses: number[], grads: Float[], out: Float): number {
  out.fill(0);
  let loss = 0;
  for (let s = 0; s < weights.length; s++) {
    const w = weights[s]!;
    const g = grads[s]!;
    loss += w * losses[s]!;
    for (let i = 0; i < out.length; i++) out[i]! += w * g[i]!;
  }
  return loss;
}
