/** What the page and its workers say to each other (besides the language server's own protocol). */
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";
import type { OptimizerKind } from "../../engine/train/optimizers.js";

/** A data set to train on or run: a text (a character language model) or rnnc's JSON batch. */
export interface DataSource {
  name: string;
  format: "text" | "json";
  text: string;
}

/** The views of a model that take a while to draw: the page asks for those of the tab it shows. */
export type ModelView = "graphs" | "typescript";

export type ModelRequest = { id: number; source: string; unroll: number; views: ModelView[] };
/** The model checks: the views asked for (the folded and unrolled graphs as SVG, the TypeScript); or the first error. */
export type ModelReply =
  | { id: number; kind: "model"; folded?: string; unrolled?: string; typescript?: string }
  | { id: number; kind: "error"; message: string };

/** `rnnc train`'s settings that the page offers; each absent one is what `rnnc train` does without its option. */
export interface TrainSettings {
  epochs: number;
  /** Stop after this many steps even when epochs remain (absent: run every epoch). */
  maxSteps?: number;
  batch: number;
  seqLen: number;
  optimizer: OptimizerKind;
  /** Absent: the optimiser's own rate. */
  lr?: number;
  /** Absent: no clipping. */
  clipNorm?: number;
  /** The share of the data held out to validate on at each epoch's end. */
  valSplit: number;
  seed: number;
  kernels: KernelTier;
  /** Characters per sample (text data only). */
  sampleLength: number;
  /** A sample every this many steps (text data only). */
  sampleEvery: number;
}

export type TrainRequest =
  | { kind: "train"; source: string; data: DataSource; settings: TrainSettings }
  | { kind: "stop" }
  | {
      /** One forward pass as `rnnc run MODEL --weights W --data D` prints it: the trained weights, else seeded ones. */
      kind: "run";
      source: string;
      data: DataSource;
      kernels: KernelTier;
      seed: number;
      /** The dims the trained weights were trained with (set from their data). */
      dims: Record<string, number>;
      weights?: Uint8Array;
    };

export type TrainReply =
  | {
      kind: "started";
      parameters: number;
      kernels: string;
      /** Dims the data set, as `rnnc train` sets them, and what each note says of it. */
      dims: Record<string, number>;
      notes: string[];
    }
  | { kind: "step"; step: number; loss: number }
  | { kind: "validated"; step: number; loss: number }
  | { kind: "sample"; step: number; text: string }
  | { kind: "finished"; steps: number; weights: Uint8Array; status: string }
  | { kind: "ran"; json: string }
  /** What went wrong with a training or a run: the model's first error (model.rnn:line:col: ...), or the data's. */
  | { kind: "error"; during: "train" | "run"; message: string };
