/**
 * Free running: a model that reads its previous target (`y[t-1]`, teacher forcing while
 * training) generates that target instead, reading its own previous prediction, the class
 * its prediction of y gives the highest score (greedy). The sequences before the generating
 * one run whole (the encoder); the generating one runs a step at a time, each step carrying
 * its states and the class it chose into the next (engine/interpret/interpret.ts `carryOut`),
 * until every example has produced `stop` (`<eos>`) or `maxLength` steps. Before the first
 * step `y[t-1]` reads no class (the zero vector): that is the start (`<sos>`).
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { sequenceModels } from "../../compiler/ir/sequences.js";
import { PAD_ID } from "../../runtime/kernels/onehot.js";
import { namedRecord } from "../../runtime/records.js";
import type { Batch, TargetData, Weights } from "./batch.js";
import type { Carry, EveryStep } from "./execution.js";
import { runForward } from "./forward.js";
import { carryOut } from "./interpret.js";
import { batchOf, keepForLater } from "./sequences.js";

export interface GenerateOptions {
  /** The most steps generated for an example. */
  maxLength: number;
  /** The class that ends an output (`<eos>`); it is not part of the output. */
  stop?: number;
}

/** The target a model generates: the class target its equations read at an earlier step. */
export function generatedTarget(ir: IrModel): string | undefined {
  for (const n of ir.nodes) if (n.op === "input" && n.fromTarget) return n.input;
  return undefined;
}

/** For each example of the batch (its sources; no targets needed), the classes the model generates. */
export function generate(ir: IrModel, weights: Weights, batch: Batch, options: GenerateOptions): Int32Array[] {
  const target = generatedTarget(ir);
  if (target === undefined || ir.targets.find((t) => t.name === target)?.kind !== "class")
    throw new Error(
      `${ir.name} does not read a class target at an earlier step (as y[t-1]), so there is nothing it generates`,
    );
  const context = namedRecord<Float64Array>();
  const everyStep: EveryStep = { values: namedRecord(), extents: namedRecord() };
  const parts = sequenceModels(ir);
  const generating = parts.findIndex((p) => generatedTarget(p.ir) !== undefined);
  for (const { sequence, ir: part } of parts.slice(0, generating)) {
    const ex = runForward(part, batchOf(batch, part, sequence), weights, undefined, context, everyStep);
    keepForLater(ex, sequence, context, everyStep);
  }
  const decoder = parts[generating]!;
  if (parts.length > generating + 1)
    throw new Error(
      `${ir.name} reads sequence ${decoder.sequence} in a later sequence: generating it alone is not enough`,
    );
  const model = decoder.ir;
  if (model.inputs.length > 0)
    throw new Error(
      `sequence ${decoder.sequence} of ${ir.name} also reads ${model.inputs.map((i) => i.name).join(", ")}, which generating ${target} does not give`,
    );
  const loss = model.losses.find((l) => l.target === target);
  if (!loss) throw new Error(`no loss of ${ir.name} scores ${target}: nothing predicts it`);
  return greedy(model, weights, batch.B, { context, everyStep }, target, loss.prediction, options);
}

function greedy(
  model: IrModel,
  weights: Weights,
  B: number,
  { context, everyStep }: { context: Record<string, Float64Array>; everyStep: EveryStep },
  target: string,
  prediction: number,
  { maxLength, stop }: GenerateOptions,
): Int32Array[] {
  const outputs: number[][] = Array.from({ length: B }, () => []);
  const done = new Array<boolean>(B).fill(false);
  const size = model.nodes[prediction]!.size;
  // What a step reads of its own target before it is chosen: nothing (its value is only read later).
  const unknown: TargetData = { kind: "class", ids: new Int32Array(B).fill(PAD_ID) };
  let carry: Carry | undefined;
  for (let step = 0; step < maxLength && done.includes(false); step++) {
    const chunk: Batch = { T: 1, B, inputs: {}, targets: { [target]: unknown }, lengths: new Int32Array(B).fill(1) };
    const ex = runForward(model, chunk, weights, carry, context, everyStep);
    const scores = ex.values[ex.graph.at(0, prediction)]!;
    const chosen = Int32Array.from({ length: B }, (_, b) => argmax(scores, b * size, size));
    chosen.forEach((id, b) => {
      if (done[b]) return;
      if (id === stop) done[b] = true;
      else outputs[b]!.push(id);
    });
    carry = carryOut(ex);
    // The step just run read nothing of its own target; the next one reads the class it chose.
    const history = carry[target]!;
    history[0] = chosen;
  }
  return outputs.map((o) => Int32Array.from(o));
}

function argmax(values: Float64Array, offset: number, size: number): number {
  let best = 0;
  for (let k = 1; k < size; k++) if (values[offset + k]! > values[offset + best]!) best = k;
  return best;
}
