/**
 * Training data in memory, whatever file it came from: a list of sequences (classification
 * records, the normative JSON), or one long id stream (a text corpus for a language model,
 * trained by truncated BPTT with the state carried from chunk to chunk).
 */
import type { Batch, InputData, SequenceExtent, TargetData } from "../interpret/batch.js";
import { lengthsOf } from "../interpret/batch.js";
import { DataError } from "../io/data-error.js";
import { namedRecord } from "../../runtime/records.js";
import type { CharIds } from "./vocabulary.js";

/** One sequence: per input its ids [L] or values [L][D]; per target [1] / [K] (scored at last) or [L] / [L][K] (at each). */
export interface Example {
  length: number;
  /** In a model of several sequences, each one's length by its step variable (`length` is the last's). */
  lengths?: Record<string, number>;
  inputs: Record<string, Int32Array | Float64Array>;
  targets: Record<string, Int32Array | Float64Array>;
}

export interface SequenceDataset {
  kind: "sequences";
  examples: Example[];
}

/** A text as ids; the model reads ids[t] and predicts ids[t + 1]. */
export interface StreamDataset {
  kind: "stream";
  ids: CharIds;
  input: string;
  target: string;
  /** What an id is, for messages: a character (the default), or a token of a word corpus (a word or a line end). */
  unit?: "characters" | "tokens";
  /** Characters or words outside the vocabulary, read as `<unk>`. */
  unknown?: number;
}

export type Dataset = SequenceDataset | StreamDataset;

/** What the batching needs to know about the model's inputs, targets and losses (the IR has it). */
export interface ModelShape {
  inputs: readonly { name: string; encoding: "onehot" | "dense"; size: number; sequence?: string }[];
  targets: readonly { name: string; kind: "class" | "real"; size: number; sequence?: string }[];
  losses: readonly { target: string; at: "last" | "each" }[];
  /** A model of several sequences: their step variables, in the order they are computed. */
  sequences?: readonly string[];
}

export function scoredAtEach(model: ModelShape, target: string): boolean {
  return model.losses.some((l) => l.target === target && l.at === "each");
}

/** Pads the chosen sequences to the longest of them; `lengths` masks the padding. */
export function sequenceBatch(model: ModelShape, examples: readonly Example[], indices: readonly number[]): Batch {
  const B = indices.length;
  if (B === 0) throw new Error("a batch needs at least one sequence");
  const chosen = indices.map((i) => examples[i]!);
  // Each sequence padded to its longest (a model of one sequence has one, `t`).
  const names = model.sequences ?? ["t"];
  const lengthOf = (e: Example, sequence: string | undefined) =>
    model.sequences ? e.lengths![sequence ?? "t"]! : e.length;
  const sequences = namedRecord<SequenceExtent>(
    names.map((s) => {
      const lengths = Int32Array.from(chosen, (e) => lengthOf(e, s));
      return [s, { T: lengths.reduce((m, n) => Math.max(m, n), 0), lengths }];
    }),
  );
  const { T, lengths } = sequences[names.at(-1)!]!;
  const stepsOf = (sequence: string | undefined) => sequences[model.sequences ? sequence! : "t"]!.T;
  const inputs = namedRecord<InputData>();
  for (const input of model.inputs) {
    const T = stepsOf(input.sequence);
    // Plain loops, each sequence's length read once: this runs for every training step.
    if (input.encoding === "onehot") {
      const ids = new Int32Array(T * B);
      for (let b = 0; b < B; b++) {
        const e = chosen[b]!;
        const src = e.inputs[input.name] as Int32Array;
        const L = lengthOf(e, input.sequence);
        for (let t = 0; t < L; t++) ids[t * B + b] = src[t]!;
      }
      inputs[input.name] = { kind: "onehot", ids };
    } else {
      const D = input.size;
      const values = new Float64Array(T * B * D);
      for (let b = 0; b < B; b++) {
        const e = chosen[b]!;
        const src = e.inputs[input.name] as Float64Array;
        const L = lengthOf(e, input.sequence);
        for (let t = 0, from = 0, to = b * D; t < L; t++, to += B * D)
          for (let d = 0; d < D; d++) values[to + d] = src[from++]!;
      }
      inputs[input.name] = { kind: "dense", values };
    }
  }
  const targets = namedRecord<TargetData>();
  for (const target of model.targets) {
    if (!chosen.every((e) => e.targets[target.name])) continue;
    const each = scoredAtEach(model, target.name);
    const T = stepsOf(target.sequence);
    const K = target.kind === "class" ? 1 : target.size;
    const out = target.kind === "class" ? new Int32Array((each ? T : 1) * B) : new Float64Array((each ? T : 1) * B * K);
    chosen.forEach((e, b) => {
      const src = e.targets[target.name]!;
      if (!each) for (let k = 0; k < K; k++) out[b * K + k] = src[k]!;
      else
        for (let t = 0; t < lengthOf(e, target.sequence); t++)
          for (let k = 0; k < K; k++) out[(t * B + b) * K + k] = src[t * K + k]!;
    });
    targets[target.name] =
      target.kind === "class"
        ? { kind: "class", ids: out as Int32Array }
        : { kind: "real", values: out as Float64Array };
  }
  return { T, B, inputs, targets, lengths, ...(model.sequences ? { sequences } : {}) };
}

/** The sequences of a batch (the normative JSON), each cut to its real length. */
export function examplesFromBatch(model: ModelShape, batch: Batch): Example[] {
  const { B } = batch;
  return Array.from({ length: B }, (_, b) => {
    const lengthOf = (sequence: string | undefined) => lengthsOf(batch, sequence)[b]!;
    const inputs: Example["inputs"] = namedRecord();
    for (const input of model.inputs) {
      const L = lengthOf(input.sequence);
      const data = batch.inputs[input.name]!;
      if (data.kind === "onehot") inputs[input.name] = Int32Array.from({ length: L }, (_, t) => data.ids[t * B + b]!);
      else {
        const D = input.size;
        const v = new Float64Array(L * D);
        for (let t = 0; t < L; t++) v.set(data.values.subarray((t * B + b) * D, (t * B + b + 1) * D), t * D);
        inputs[input.name] = v;
      }
    }
    const targets: Example["targets"] = namedRecord();
    for (const target of model.targets) {
      const data = batch.targets[target.name];
      if (!data) continue;
      const K = data.kind === "class" ? 1 : target.size;
      const src = data.kind === "class" ? data.ids : data.values;
      const each = scoredAtEach(model, target.name);
      const L = lengthOf(target.sequence);
      const out = data.kind === "class" ? new Int32Array((each ? L : 1) * K) : new Float64Array((each ? L : 1) * K);
      if (!each) for (let k = 0; k < K; k++) out[k] = src[b * K + k]!;
      else for (let t = 0; t < L; t++) for (let k = 0; k < K; k++) out[t * K + k] = src[(t * B + b) * K + k]!;
      targets[target.name] = out;
    }
    const lengths = batch.sequences
      ? { lengths: Object.fromEntries(Object.entries(batch.sequences).map(([s, e]) => [s, e.lengths[b]!])) }
      : {};
    return { length: batch.lengths[b]!, ...lengths, inputs, targets };
  });
}

/**
 * A stream cut for truncated BPTT: B parallel streams of `stepsPerStream` steps each (stream b
 * starts at b·stepsPerStream), read in chunks of `seqLen` steps. The state carried from chunk
 * k to chunk k + 1 of the same stream is what makes this equal to one long unrolling, cut only
 * for the gradient.
 */
export interface StreamPlan {
  B: number;
  seqLen: number;
  stepsPerStream: number;
  chunks: number;
  /** Positions scored in one pass over the plan. */
  positions: number;
  /** Characters at the end that do not fill a stream. */
  unused: number;
}

export function planStream(length: number, B: number, seqLen: number, unit = "characters"): StreamPlan {
  const usable = length - 1;
  if (usable < 1)
    throw new DataError(
      `the text has ${length} ${length === 1 ? unit.slice(0, -1) : unit}; a language model needs at least 2 (one to read, one to predict)`,
    );
  const streams = Math.max(1, Math.min(B, usable));
  const stepsPerStream = Math.floor(usable / streams);
  const chunks = Math.ceil(stepsPerStream / seqLen);
  return {
    B: streams,
    seqLen,
    stepsPerStream,
    chunks,
    positions: streams * stepsPerStream,
    unused: usable - streams * stepsPerStream,
  };
}

export function streamChunk(data: StreamDataset, plan: StreamPlan, chunk: number): Batch {
  const { B, seqLen, stepsPerStream } = plan;
  const start = chunk * seqLen;
  const T = Math.min(seqLen, stepsPerStream - start);
  const x = new Int32Array(T * B);
  const y = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const base = b * stepsPerStream + start;
    for (let t = 0; t < T; t++) {
      x[t * B + b] = data.ids[base + t]!;
      y[t * B + b] = data.ids[base + t + 1]!;
    }
  }
  return {
    T,
    B,
    inputs: { [data.input]: { kind: "onehot", ids: x } },
    targets: { [data.target]: { kind: "class", ids: y } },
    lengths: new Int32Array(B).fill(T),
  };
}
