/**
 * The batches of one optimiser step, and their gradient. With `--accumulate K` a step covers
 * K times `--batch` sequences (or streams of a text), computed as K micro-batches one after
 * the other so that only one is in memory at a time. Their losses and gradients are summed,
 * each weighted by its share of the step's scored positions (1 for a summed loss: the
 * identity of engine/parallel/shards.ts), which is exactly the loss and gradient of the whole
 * batch up to the order of the sums. A text is cut into K·B streams, micro-batch k reading
 * streams kB to (k + 1)B, each group with its own carried state.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import type { Batch, Weights } from "../interpret/batch.js";
import type { Carry } from "../interpret/execution.js";
import type { GradientFunction } from "../model-backend.js";
import { shardsOf, shardWeights, type Shard } from "../parallel/shards.js";
import { sequenceBatch, streamChunk, type Dataset, type StreamPlan } from "../data/dataset.js";
import { namedRecord } from "../../runtime/records.js";

export interface StepBatches {
  /** The micro-batches, in order. */
  batches: Batch[];
  /** Which sequences (or streams) of the step each holds. */
  groups: Shard[];
}

/**
 * Batch `k` of the epoch, as `count` micro-batches: `indices`, the epoch's order, for sequences;
 * `plan`, cut for all of a step's streams, for a text.
 */
export function stepBatches(
  ir: IrModel,
  train: Dataset,
  k: number,
  perStep: number,
  count: number,
  source: { order: readonly number[] } | { plan: StreamPlan },
): StepBatches {
  if (train.kind === "stream") {
    const { plan } = source as { plan: StreamPlan };
    const groups = shardsOf(plan.B, count);
    // A group's streams read the text from its first stream's start, with the plan's stride.
    const batches = groups.map((g) =>
      streamChunk(
        { ...train, ids: train.ids.subarray(g.start * plan.stepsPerStream) },
        { ...plan, B: g.end - g.start },
        k,
      ),
    );
    return { batches, groups };
  }
  const { order } = source as { order: readonly number[] };
  const indices = order.slice(k * perStep, (k + 1) * perStep);
  const groups = shardsOf(indices.length, count);
  return { batches: groups.map((g) => sequenceBatch(ir, train.examples, indices.slice(g.start, g.end))), groups };
}

/**
 * The summed loss and gradient of a step's micro-batches and, for a text (`streaming`), the
 * state its streams carry on; `carry` is what they carried in (none at an epoch's start).
 */
export async function accumulatedGradient(
  ir: IrModel,
  gradient: GradientFunction,
  weights: Weights,
  step: StepBatches,
  streaming: boolean,
  carry: Carry | undefined,
): Promise<{ loss: number; grads: Weights; carry(): Carry }> {
  const { batches, groups } = step;
  const streams = groups[groups.length - 1]!.end;
  if (batches.length === 1) {
    const r = await gradient(weights, batches[0]!, carry);
    return { loss: r.loss, grads: r.grads, carry: () => r.carry() };
  }
  const lengths = new Int32Array(streams);
  batches.forEach((b, i) => lengths.set(b.lengths, groups[i]!.start));
  const shares = shardWeights(ir, { T: Math.max(...batches.map((b) => b.T)), B: streams, lengths }, groups);
  if (!shares)
    throw new Error(`model ${ir.name}'s losses weigh batches differently, so gradients cannot be accumulated`);
  let loss = 0;
  const grads: Weights = namedRecord();
  const carried: Carry[] = [];
  for (let i = 0; i < batches.length; i++) {
    const r = await gradient(weights, batches[i]!, carry && sliceCarry(carry, streams, groups[i]!));
    const share = shares[i]!;
    loss += share * r.loss;
    // A backend may reuse its gradient arrays from call to call: each is added in before the next call.
    for (const [name, g] of Object.entries(r.grads)) {
      const sum = (grads[name] ??= new Float64Array(g.length));
      for (let j = 0; j < g.length; j++) sum[j] += share * g[j]!;
    }
    if (streaming) carried.push(r.carry());
  }
  return { loss, grads, carry: () => joinCarry(carried, groups) };
}

/** The carried state of streams `group` out of `streams` ([B][n] per past step). */
function sliceCarry(carry: Carry, streams: number, group: Shard): Carry {
  const part: Carry = namedRecord();
  for (const [source, steps] of Object.entries(carry))
    part[source] = steps.map((a) => {
      const n = a.length / streams;
      return a.slice(group.start * n, group.end * n);
    });
  return part;
}

function joinCarry(parts: Carry[], groups: Shard[]): Carry {
  const streams = groups[groups.length - 1]!.end;
  const whole: Carry = namedRecord();
  for (const [source, steps] of Object.entries(parts[0]!))
    whole[source] = steps.map((first, j) => {
      const n = first.length / (groups[0]!.end - groups[0]!.start);
      const out = new (first.constructor as Float64ArrayConstructor | Int32ArrayConstructor)(streams * n);
      parts.forEach((p, i) => out.set(p[source]![j]!, groups[i]!.start * n));
      return out;
    });
  return whole;
}
