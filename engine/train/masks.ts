/**
 * Dropout's masks for a training batch, drawn from rnnc's seeded generator. Each mask of the
 * model (IrModel.masks, in source order) gets, per step, sequence and element, 1/(1 − p) with
 * probability 1 − p and 0 otherwise (inverted dropout, as torch.nn.Dropout): a new draw at
 * every step, or with `per = sequence` one draw per sequence reused at every step (variational
 * dropout, Gal & Ghahramani 2016). The masks are drawn for the whole batch on the training
 * thread, before it is split across threads, so the numbers are the same on one thread or two,
 * and the generator's state is part of a checkpoint, so a resumed run draws what the
 * uninterrupted run would have.
 */
import type { IrMask, IrModel } from "../../compiler/ir/ir.js";
import { namedRecord } from "../../runtime/records.js";
import type { Rng } from "../../runtime/rng.js";
import { stepsOf, type Batch } from "../interpret/batch.js";

/** One mask for T steps of B sequences, [T][B][size]. */
export function drawMask(mask: IrMask, T: number, B: number, rng: Rng): Float64Array {
  const width = B * mask.size;
  const out = new Float64Array(T * width);
  // p = 0 keeps everything: no draw, and exactly the identity.
  if (mask.p === 0) return out.fill(1);
  const kept = 1 / (1 - mask.p);
  const draw = () => (rng.next() < mask.p ? 0 : kept);
  if (mask.per === "sequence") {
    for (let i = 0; i < width; i++) out[i] = draw();
    for (let t = 1; t < T; t++) out.copyWithin(t * width, 0, width);
  } else for (let i = 0; i < out.length; i++) out[i] = draw();
  return out;
}

/**
 * The batch with a fresh mask for each dropout of the model (the batch itself when it has none),
 * each over the steps of its own sequence in a model of several (an encoder's over the source's).
 */
export function withMasks(ir: IrModel, batch: Batch, rng: Rng): Batch {
  if (ir.masks.length === 0) return batch;
  const sequenceOf = (mask: IrMask) => ir.nodes.find((n) => n.op === "mask" && n.mask === mask.name)?.sequence;
  return {
    ...batch,
    masks: namedRecord(ir.masks.map((m) => [m.name, drawMask(m, stepsOf(batch, sequenceOf(m)), batch.B, rng)])),
  };
}
