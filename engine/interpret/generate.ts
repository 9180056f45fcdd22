/**
 * Free running: a model that reads its previous target (`y[t-1]`, teacher forcing while
 * training) generates that target instead, reading its own previous choice: the most probable
 * class (greedy) or the hypotheses of a beam search (engine/interpret/choices.ts). The
 * sequences before the generating one run whole (the encoder); the generating one runs a step
 * at a time over the rows the choice keeps (an example's hypotheses), each step carrying its
 * states, its context and the class it chose into the next (engine/interpret/interpret.ts
 * `carryOut`), until every example has produced `stop` (`<eos>`) or `maxLength` steps. Before
 * the first step `y[t-1]` reads no class (the zero vector): that is the start (`<sos>`).
 */
import { applies, type IrLoss, type IrModel, type IrNode } from "../../compiler/ir/ir.js";
import { stepReductions } from "../../compiler/ops/steps.js";
import { sequenceModels } from "../../compiler/ir/sequences.js";
import { PAD_ID } from "../../runtime/kernels/onehot.js";
import { namedRecord } from "../../runtime/records.js";
import type { Batch, TargetData, Weights } from "./batch.js";
import type { Carry, EveryStep } from "./execution.js";
import { runForward } from "./forward.js";
import { beamChoice, greedyChoice } from "./choices.js";
import { carryOut } from "./interpret.js";
import { batchOf, keepForLater } from "./sequences.js";

export interface GenerateOptions {
  /** The most steps generated for an example. */
  maxLength: number;
  /** The class that ends an output (`<eos>`); it is not part of the output. */
  stop?: number;
  /** Hypotheses a beam search keeps for each example; greedy without (1 is greedy too). */
  beam?: number;
  /** Classes are chosen below it (the target vocabulary, when the model has more classes). */
  classes?: number;
}

/** The target a model generates: the class target its equations read at an earlier step. */
export function generatedTarget(ir: IrModel): string | undefined {
  for (const n of ir.nodes) if (n.op === "input" && n.fromTarget) return n.input;
  return undefined;
}

/** The softmax over another sequence's steps, attention's weights (the first, when there are several). */
export function attentionWeights(ir: IrModel): IrNode | undefined {
  return ir.nodes.find((n) => applies(n, stepReductions.softmax));
}

/** How a backend generates: for each example of the batch (its sources), the classes it generates. */
export type Generator = (weights: Weights, batch: Batch, options: GenerateOptions) => Int32Array[];

/** The interpreter's Generator of `ir`. */
export function interpreterGenerator(ir: IrModel): Generator {
  return (weights, batch, options) => generate(ir, weights, batch, options);
}

/** For each example of the batch (its sources; no targets needed), the classes the model generates. */
export function generate(ir: IrModel, weights: Weights, batch: Batch, options: GenerateOptions): Int32Array[] {
  return generateRecording(ir, weights, batch, options, false).outputs;
}

export interface Attending {
  outputs: Int32Array[];
  /**
   * For each example, at each step of its output (the step that chose `stop` included), the
   * attention weights of that very step over every step of the source (the batch's longest;
   * 0 past the example's own length).
   */
  attention: Float64Array[][];
}

/** generate, also recording the attention weights (attentionWeights) of every decoding step. */
export function generateAttending(ir: IrModel, weights: Weights, batch: Batch, options: GenerateOptions): Attending {
  return generateRecording(ir, weights, batch, options, true) as Attending;
}

/**
 * A decoder run a step at a time over rows: at first each example's, then the rows the choice
 * keeps (an example's hypotheses). The interpreter's is below; a generated module's is
 * engine/compiled-decoding.ts.
 */
export interface StepDecoder {
  /** One step over the rows, each reading its class at the step before (-1 at the first: none). Its prediction, row after row. */
  step(previous: Int32Array): ArrayLike<number>;
  /** The rows of the next step: row r goes on from row parents[r] of the step just run. */
  keep(parents: Int32Array): void;
}

/** What generating reads of a model: the target it generates and the loss that scores it, or why it cannot. */
export function generating(ir: IrModel): { target: string; loss: IrLoss } {
  const target = generatedTarget(ir);
  if (target === undefined || ir.targets.find((t) => t.name === target)?.kind !== "class")
    throw new Error(
      `${ir.name} does not read a class target at an earlier step (as y[t-1]), so there is nothing it generates`,
    );
  const loss = ir.losses.find((l) => l.target === target);
  if (!loss) throw new Error(`no loss of ${ir.name} scores ${target}: nothing predicts it`);
  return { target, loss };
}

/**
 * The choices of the one decoding loop, a step at a time: after each step over the rows, what
 * it scored (the prediction, row after row) chooses each example's classes by greedy choice or
 * a beam search, until every example has produced `stop` or `maxLength` steps. `previous` is
 * what the next step reads as y[t-1] (-1 at the first: none); `next` gives the rows of the next
 * step (row r goes on from row parents[r]), or undefined when decoding is over.
 */
export function decodingChoice(ir: IrModel, B: number, options: GenerateOptions) {
  const { loss } = generating(ir);
  const isLog = loss.fusion?.kind === "log_softmax";
  const choice = options.beam === undefined ? greedyChoice(B, options) : beamChoice(B, options.beam, options);
  let previous: Int32Array = new Int32Array(B).fill(-1);
  let step = 0;
  return {
    get previous(): Int32Array {
      return previous;
    },
    get over(): boolean {
      return step >= options.maxLength;
    },
    next(scores: ArrayLike<number>): Int32Array | undefined {
      const logp = new Float64Array(scores.length);
      for (let i = 0; i < logp.length; i++) logp[i] = isLog ? scores[i]! : Math.log(Math.max(scores[i]!, 0));
      const last = step === options.maxLength - 1;
      const { parents, classes } = choice.next(logp, logp.length / previous.length, last);
      step = parents.length === 0 || last ? options.maxLength : step + 1;
      previous = classes;
      return this.over ? undefined : parents;
    },
    /** Each example's output, and each one's row at every step (Choice.paths). */
    result(): { outputs: Int32Array[]; paths: Int32Array[] } {
      return { outputs: choice.outputs(), paths: choice.paths() };
    },
  };
}

/** The one decoding loop (decodingChoice) with `decoder` a step at a time over the B examples' rows. */
export function decodeWith(
  ir: IrModel,
  decoder: StepDecoder,
  B: number,
  options: GenerateOptions,
): { outputs: Int32Array[]; paths: Int32Array[] } {
  const decoding = decodingChoice(ir, B, options);
  while (!decoding.over) {
    const parents = decoding.next(decoder.step(decoding.previous));
    if (parents) decoder.keep(parents);
  }
  return decoding.result();
}

function generateRecording(
  ir: IrModel,
  weights: Weights,
  batch: Batch,
  options: GenerateOptions,
  recordAttention: boolean,
): Partial<Attending> & { outputs: Int32Array[] } {
  const { target } = generating(ir);
  const context = namedRecord<Float64Array>();
  const everyStep: EveryStep = { values: namedRecord(), extents: namedRecord() };
  const parts = sequenceModels(ir);
  const generatingPart = parts.findIndex((p) => generatedTarget(p.ir) !== undefined);
  for (const { sequence, ir: part } of parts.slice(0, generatingPart)) {
    const ex = runForward(part, batchOf(batch, part, sequence), weights, undefined, context, everyStep);
    keepForLater(ex, sequence, context, everyStep);
  }
  const decoder = parts[generatingPart]!;
  if (parts.length > generatingPart + 1)
    throw new Error(
      `${ir.name} reads sequence ${decoder.sequence} in a later sequence: generating it alone is not enough`,
    );
  const model = decoder.ir;
  if (model.inputs.length > 0)
    throw new Error(
      `sequence ${decoder.sequence} of ${ir.name} also reads ${model.inputs.map((i) => i.name).join(", ")}, which generating ${target} does not give`,
    );
  const weightsNode = recordAttention ? attentionWeights(model) : undefined;
  if (recordAttention && !weightsNode)
    throw new Error(`${ir.name} has no softmax over another sequence's steps: there is no attention to record`);
  const stepper = interpreterDecoder(model, weights, batch.B, { context, everyStep }, target, weightsNode?.id);
  const { outputs, paths } = decodeWith(ir, stepper, batch.B, options);
  if (!weightsNode) return { outputs };
  const S = everyStep.extents[weightsNode.over!]!.T;
  const attention = paths.map((path) =>
    Array.from(path, (row, k) => stepper.recorded[k]!.slice(row * S, (row + 1) * S)),
  );
  return { outputs, attention };
}

/** What the decoder reads of the sequences before it: states at their last step, quantities at every step. */
interface Encoded {
  context: Record<string, Float64Array>;
  everyStep: EveryStep;
}

/**
 * The interpreter's decoder: the decoding sequence's model a step at a time over the rows kept,
 * each reading the class chosen for it and what was encoded for its example; the values of node
 * `record` (all its rows) kept for every step run.
 */
function interpreterDecoder(
  model: IrModel,
  weights: Weights,
  B: number,
  encoded: Encoded,
  target: string,
  record: number | undefined,
): StepDecoder & { recorded: Float64Array[] } {
  const recorded: Float64Array[] = [];
  const prediction = generating(model).loss.prediction;
  let rows = B;
  let { context, everyStep } = encoded;
  let carry: Carry | undefined;
  return {
    recorded,
    step(previous) {
      // Before the first step y[t-1] reads no class (the zero vector, the start); then the class chosen for the row.
      if (carry) carry[target]![0] = previous;
      // What a step reads of its own target before it is chosen: nothing (its value is only read later).
      const unknown: TargetData = { kind: "class", ids: new Int32Array(rows).fill(PAD_ID) };
      const chunk: Batch = {
        T: 1,
        B: rows,
        inputs: {},
        targets: { [target]: unknown },
        lengths: new Int32Array(rows).fill(1),
      };
      const ex = runForward(model, chunk, weights, carry, context, everyStep);
      if (record !== undefined) recorded.push(ex.values[ex.graph.at(0, record)]!.slice());
      carry = carryOut(ex);
      return ex.values[ex.graph.at(0, prediction)]!;
    },
    keep(parents) {
      carry = gatherRows(carry!, parents, rows);
      context = gatherRows(context, parents, rows);
      everyStep = {
        values: gatherRows(everyStep.values, parents, rows),
        extents: namedRecord(
          Object.entries(everyStep.extents).map(([s, e]) => [
            s,
            { T: e.T, lengths: gatherRows({ lengths: e.lengths }, parents, rows).lengths },
          ]),
        ),
      };
      rows = parents.length;
    },
  };
}

/** Each array of `rows` rows (of any width) taken again at `parents`, row after row. */
function gatherRows<A extends Float64Array | Int32Array, R extends Record<string, A | A[]>>(
  record: R,
  parents: Int32Array,
  rows: number,
): R {
  const gather = (from: A): A => {
    const width = from.length / rows;
    const out = new (from.constructor as new (n: number) => A)(parents.length * width);
    parents.forEach((p, r) => out.set(from.subarray(p * width, (p + 1) * width), r * width));
    return out;
  };
  return namedRecord(
    Object.entries(record).map(([name, v]) => [name, Array.isArray(v) ? v.map(gather) : gather(v as A)] as const),
  ) as R;
}
