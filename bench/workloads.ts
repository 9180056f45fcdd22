/**
 * The benchmark workloads: W1–W4 of the project's spec (workloads.md), W5, issue 16's GRU
 * encoder–decoder, and W6, issue 17's W5 with additive attention: shapes, what is measured, and the multiply-adds a batch needs, counted the
 * same way for every engine.
 */
import { fileURLToPath } from "node:url";

export type WorkloadId = "w1" | "w2" | "w3" | "w4" | "w5" | "w6";
export type Mode = "fwd" | "fwdbwd";
export type CellKind = "lstm" | "gru" | "elman";

export interface Workload {
  /** A listed workload's id, or a variant's (`w4@H=256,T=100`: workload). */
  id: string;
  title: string;
  /** The model as a .rnn file under bench/workloads/. */
  file: string;
  cell: CellKind;
  input: { encoding: "onehot" | "dense"; size: number };
  H: number;
  /** Steps of the sequence the output is read over (the target's, in an encoder–decoder). */
  T: number;
  B: number;
  /**
   * An encoder–decoder: the source, of `steps` steps over `x[s]`, read by a cell of the same kind
   * and size whose last state starts the decoder; the decoder reads the previous target, one-hot.
   */
  source?: { steps: number };
  /**
   * Additive attention in the encoder–decoder: at every target step a score of each source step,
   * va · tanh(Wa d[t-1] + Ua e_j + ba), and the context Σ α_j e_j read by the decoder beside an
   * H-wide embedding of the previous target (so the decoder's input is 2H wide, not one-hot).
   */
  attention?: "additive";
  /** The output layer: K units at every step or at the last, softmax + cross-entropy or a plain dense output. */
  output: { size: number; at: "each" | "last"; loss: "cross_entropy" | "none" };
  measured: Mode;
  /** Dims of the model file a variant sets otherwise (its H). */
  dims?: Record<string, number>;
}

/** The benchmarks run compiled, from dist/bench/; the models stay in bench/workloads/. */
const workloadDir = new URL("../../bench/workloads/", import.meta.url);

export const workloads: readonly Workload[] = [
  {
    id: "w1",
    title: "W1 char-LSTM",
    file: "w1-char-lstm.rnn",
    cell: "lstm",
    input: { encoding: "onehot", size: 65 },
    H: 128,
    T: 50,
    B: 32,
    output: { size: 65, at: "each", loss: "cross_entropy" },
    measured: "fwdbwd",
  },
  {
    id: "w2",
    title: "W2 elman-classify",
    file: "w2-elman-classify.rnn",
    cell: "elman",
    input: { encoding: "dense", size: 32 },
    H: 64,
    T: 100,
    B: 16,
    output: { size: 2, at: "last", loss: "cross_entropy" },
    measured: "fwdbwd",
  },
  {
    id: "w3",
    title: "W3 gru-latency",
    file: "w3-gru-latency.rnn",
    cell: "gru",
    input: { encoding: "dense", size: 16 },
    H: 32,
    T: 20,
    B: 1,
    output: { size: 4, at: "each", loss: "none" },
    measured: "fwd",
  },
  {
    id: "w4",
    title: "W4 lstm-large",
    file: "w4-lstm-large.rnn",
    cell: "lstm",
    input: { encoding: "dense", size: 256 },
    H: 512,
    T: 50,
    B: 64,
    output: { size: 10, at: "last", loss: "cross_entropy" },
    measured: "fwdbwd",
  },
  {
    id: "w5",
    title: "W5 gru-seq2seq",
    file: "w5-gru-seq2seq.rnn",
    cell: "gru",
    input: { encoding: "onehot", size: 64 },
    H: 128,
    T: 12,
    B: 32,
    source: { steps: 30 },
    output: { size: 64, at: "each", loss: "cross_entropy" },
    measured: "fwdbwd",
  },
  {
    id: "w6",
    title: "W6 gru-attention",
    file: "w6-gru-attention.rnn",
    cell: "gru",
    input: { encoding: "onehot", size: 64 },
    H: 128,
    T: 12,
    B: 32,
    source: { steps: 30 },
    attention: "additive",
    output: { size: 64, at: "each", loss: "cross_entropy" },
    measured: "fwdbwd",
  },
];

/**
 * A listed workload, or a variant of one at another width or length: `w4@H=256,T=100` is W4 with
 * H = 256 and 100 steps (the scaling section's; bench/pytorch_bench.py reads the same ids).
 */
export function workload(id: string): Workload {
  const [listed, sizes] = id.split("@");
  const w = workloads.find((x) => x.id === listed);
  if (!w) throw new Error(`no workload '${listed}' (have ${workloads.map((x) => x.id).join(", ")})`);
  if (sizes === undefined) return w;
  const variant: Workload = { ...w, id, dims: { ...w.dims } };
  for (const part of sizes.split(",")) {
    const [, name, value] = /^([HT])=([1-9]\d*)$/.exec(part) ?? [];
    if (!name) throw new Error(`a variant of a workload sets H=N or T=N, not '${part}' (in ${id})`);
    if (name === "H") variant.H = variant.dims!.H = Number(value);
    else variant.T = Number(value);
  }
  variant.title = `${w.title} at H = ${variant.H}, T = ${variant.T}`;
  return variant;
}

export function workloadPath(w: Workload): string {
  return fileURLToPath(new URL(w.file, workloadDir));
}

const gateCount: Record<CellKind, number> = { lstm: 4, gru: 3, elman: 1 };

/**
 * Multiply-adds of one batch. Forward: the cell's recurrent and input products at every
 * step (a one-hot input is a column lookup, no multiply-adds) and the output layer where it
 * is read. Backward: the recurrent and output products twice more (gradient of the input
 * vector and of the weights), the input product once more (weights only: inputs need no
 * gradient). Attention adds the keys Ua e_j (once per source step), the query Wa d[t-1] and
 * the decoder's dense 2H-wide input product at every target step, and per target and source
 * step the score's va· and the context's α_j e_j (H each), all twice more backward (the encoder
 * and the decoder's input need their gradients). Element-wise work (activations, gates, softmax) is not counted.
 */
export function multiplyAdds(w: Workload, mode: Mode): number {
  const gates = gateCount[w.cell] * w.H;
  // An encoder–decoder's two cells: the source's steps and the target's (both read one-hot ids).
  const source = w.source?.steps ?? 0;
  const recurrent = (w.T + source) * w.B * gates * w.H;
  const input = w.input.encoding === "onehot" ? 0 : w.T * w.B * gates * w.input.size;
  const output = (w.output.at === "each" ? w.T : 1) * w.B * w.output.size * w.H;
  const attention = w.attention
    ? source * w.B * w.H * w.H + w.T * w.B * (w.H * w.H + gates * 2 * w.H + 2 * source * w.H)
    : 0;
  const forward = recurrent + input + output + attention;
  return mode === "fwd" ? forward : forward + 2 * (recurrent + output + attention) + input;
}

/** Achieved rate, counting a multiply-add as two floating-point operations. */
export function gflops(w: Workload, mode: Mode, ms: number): number {
  return (2 * multiplyAdds(w, mode)) / (ms * 1e6);
}
