/**
 * A workload as an ONNX model, written as ModelProto bytes directly: there is no model file and no
 * exporter here (PyTorch's would need the onnx package), and the few messages the graph needs take
 * a small protocol-buffers writer. Field numbers are those of onnx/onnx.proto.
 *
 * The graph: the cell as ONNX's own recurrent operator (`LSTM`; `GRU` with linear_before_reset = 1,
 * PyTorch's variant; `RNN`, tanh by default) over X [T, B, D], its hidden states (Y at every step,
 * or Y_h at the last) reshaped to rows of H, a `Gemm` for the output layer, then
 * `SoftmaxCrossEntropyLoss` (mean over the rows) when the workload has a loss.
 */
import type { Rng } from "../../runtime/rng.js";
import type { Workload } from "../workloads.js";

// ---- Protocol buffers: varint and length-delimited fields (all the graph needs), each field its own byte array.

const wireVarint = 0;
const wireLengthDelimited = 2;

/** A non-negative integer (below 2^53) as a varint: 7 bits a byte, low bits first. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let n = value;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) bytes.push((n % 0x80) | 0x80);
  bytes.push(n);
  return bytes;
}

const tag = (field: number, wire: number) => varint(field * 8 + wire);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

const intField = (field: number, value: number) => Uint8Array.from([...tag(field, wireVarint), ...varint(value)]);
const bytesField = (field: number, payload: Uint8Array) =>
  concat([Uint8Array.from([...tag(field, wireLengthDelimited), ...varint(payload.length)]), payload]);
const stringField = (field: number, text: string) => bytesField(field, new TextEncoder().encode(text));
const messageField = (field: number, parts: readonly Uint8Array[]) => bytesField(field, concat(parts));

// ---- ONNX messages.

/** TensorProto.DataType */
const elementType = { float32: 1, int64: 7 } as const;
/** AttributeProto.AttributeType */
const attributeInt = 2;

type TensorData = { type: "float32"; data: Float32Array } | { type: "int64"; data: BigInt64Array };
export type NamedTensor = TensorData & { name: string; dims: readonly number[] };

/** A TensorProto in raw_data: fixed-width little-endian, the byte order of the typed arrays on every platform onnxruntime-node ships for. */
function tensorProto(t: NamedTensor): Uint8Array {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return concat([
    ...t.dims.map((d) => intField(1, d)),
    intField(2, elementType[t.type]),
    stringField(8, t.name),
    bytesField(9, raw),
  ]);
}

/** ValueInfoProto of a tensor: name, TypeProto.tensor_type { elem_type, shape { dim { dim_value } } }. */
function valueInfo(name: string, type: keyof typeof elementType, dims: readonly number[]): Uint8Array {
  const shape = dims.map((d) => messageField(1, [intField(1, d)]));
  return concat([
    stringField(1, name),
    messageField(2, [messageField(1, [intField(1, elementType[type]), messageField(2, shape)])]),
  ]);
}

interface OnnxNode {
  op: string;
  /** An empty name leaves an optional input or output out. */
  inputs: readonly string[];
  outputs: readonly string[];
  ints?: Record<string, number>;
}

function nodeProto(node: OnnxNode, index: number): Uint8Array {
  const attributes = Object.entries(node.ints ?? {}).map(([name, value]) =>
    messageField(5, [stringField(1, name), intField(3, value), intField(20, attributeInt)]),
  );
  return concat([
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, `${node.op}_${index}`),
    stringField(4, node.op),
    ...attributes,
  ]);
}

interface Graph {
  nodes: readonly OnnxNode[];
  initializers: readonly NamedTensor[];
  inputs: readonly NamedTensor[];
  output: { name: string; dims: readonly number[] };
}

const irVersion = 8;
/** Opset 17: GRU, LSTM and RNN as of opset 14, SoftmaxCrossEntropyLoss as of 13. */
const opsetVersion = 17;

function modelProto(g: Graph): Uint8Array {
  const graph = [
    ...g.nodes.map((n, i) => messageField(1, [nodeProto(n, i)])),
    stringField(2, "workload"),
    ...g.initializers.map((t) => messageField(5, [tensorProto(t)])),
    ...g.inputs.map((t) => messageField(11, [valueInfo(t.name, t.type, t.dims)])),
    messageField(12, [valueInfo(g.output.name, "float32", g.output.dims)]),
  ];
  return concat([
    intField(1, irVersion),
    stringField(2, "rnnc bench"),
    messageField(7, graph),
    messageField(8, [stringField(1, ""), intField(2, opsetVersion)]),
  ]);
}

// ---- The workload's graph.

/** ONNX's recurrent operator for each cell, and its gate count (the rows of W and R are gates × H). */
const cellOp = {
  lstm: { op: "LSTM", gates: 4 },
  gru: { op: "GRU", gates: 3 },
  elman: { op: "RNN", gates: 1 },
} as const;

export interface OnnxWorkload {
  model: Uint8Array;
  /** The graph's inputs with a random batch: X, and the class labels when the workload has a loss. */
  feeds: NamedTensor[];
  /** The graph's one output: the outputs [rows, K], or the loss (a scalar). */
  output: string;
}

function uniform(rng: Rng, dims: readonly number[], bound: number): Float32Array {
  const data = new Float32Array(dims.reduce((n, d) => n * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
  return data;
}

/** X [T, B, D]: standard normal, or one-hot rows of random classes (as PyTorch's F.one_hot feeds its LSTM). */
function inputBatch(w: Workload, rng: Rng): Float32Array {
  const { T, B } = w;
  const D = w.input.size;
  if (w.input.encoding === "dense") return Float32Array.from({ length: T * B * D }, () => rng.normal());
  const x = new Float32Array(T * B * D);
  for (let row = 0; row < T * B; row++) x[row * D + rng.int(D)] = 1;
  return x;
}

/** Small uniform weights (±0.1), so that a loss starts near ln K as the other engines' do. */
const weightBound = 0.1;

export function onnxWorkload(w: Workload, rng: Rng): OnnxWorkload {
  const { T, B, H } = w;
  const [D, K] = [w.input.size, w.output.size];
  const { op, gates } = cellOp[w.cell];
  const float = (name: string, dims: number[]): NamedTensor => ({
    name,
    dims,
    type: "float32",
    data: uniform(rng, dims, weightBound),
  });
  const initializers: NamedTensor[] = [
    float("W", [1, gates * H, D]),
    float("R", [1, gates * H, H]),
    float("B", [1, 2 * gates * H]),
    float("V", [H, K]),
    float("c", [K]),
    { name: "rows_of_H", dims: [2], type: "int64", data: BigInt64Array.from([-1n, BigInt(H)]) },
  ];
  const each = w.output.at === "each";
  const rows = each ? T * B : B;
  const cellAttributes = { hidden_size: H, ...(w.cell === "gru" ? { linear_before_reset: 1 } : {}) };
  const nodes: OnnxNode[] = [
    { op, inputs: ["X", "W", "R", "B"], outputs: each ? ["Y"] : ["", "Y_h"], ints: cellAttributes },
    { op: "Reshape", inputs: [each ? "Y" : "Y_h", "rows_of_H"], outputs: ["h"] },
    { op: "Gemm", inputs: ["h", "V", "c"], outputs: ["o"] },
  ];
  const feeds: NamedTensor[] = [{ name: "X", dims: [T, B, D], type: "float32", data: inputBatch(w, rng) }];
  let output = { name: "o", dims: [rows, K] };
  if (w.output.loss !== "none") {
    nodes.push({ op: "SoftmaxCrossEntropyLoss", inputs: ["o", "labels"], outputs: ["loss"] });
    feeds.push({
      name: "labels",
      dims: [rows],
      type: "int64",
      data: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(K))),
    });
    output = { name: "loss", dims: [] };
  }
  return { model: modelProto({ nodes, initializers, inputs: feeds, output }), feeds, output: output.name };
}
