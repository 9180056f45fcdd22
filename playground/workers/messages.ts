/** What the page and its workers say to each other (besides the language server's own protocol). */
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";

/** A data set to train on or run: a text (a character language model) or rnnc's JSON batch. */
export interface DataSource {
  name: string;
  format: "text" | "json";
  text: string;
}

export type ModelRequest = { id: number; source: string; unroll: number };
export type ModelReply =
  | { id: number; kind: "model"; folded: string; unrolled: string; typescript: string }
  | { id: number; kind: "error"; message: string };

export interface TrainSettings {
  steps: number;
  lr: number;
  batch: number;
  seqLen: number;
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
      weights?: Uint8Array;
    };

export type TrainReply =
  | { kind: "started"; parameters: number; kernels: string; vocabulary?: number }
  | { kind: "step"; step: number; loss: number }
  | { kind: "sample"; step: number; text: string }
  | { kind: "finished"; steps: number; weights: Uint8Array; status: string }
  | { kind: "ran"; json: string }
  | { kind: "error"; message: string };
