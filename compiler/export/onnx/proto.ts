/**
 * The ONNX file format: the messages of onnx.proto (ModelProto, GraphProto, NodeProto,
 * TensorProto, ...) a model needs, encoded as protocol buffers. Only writing (and telling rnnc's
 * own files by their first bytes), and only the fields rnnc sets; field numbers are onnx.proto's (proto2: repeated numbers unpacked).
 */

/** TensorProto.DataType */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

export interface Tensor {
  name: string;
  dims: readonly number[];
  type: ElemType;
  /** Little-endian bytes of the elements, row-major. */
  raw: Uint8Array;
}

/** A dimension: a number, or a name for one that each run sets (the batch, the sequence length). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  type: ElemType;
  shape: readonly Dim[];
}

export type AttributeValue = number | string | readonly number[] | Graph | { float: number };

export interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
  doc?: string;
}

export interface Graph {
  name: string;
  nodes: readonly Node[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  initializers: readonly Tensor[];
  doc?: string;
}

export interface Model {
  graph: Graph;
  opset: number;
  producer: string;
  producerVersion: string;
  doc: string;
  metadata: Readonly<Record<string, string>>;
}

/** Bytes of a protocol-buffer message, field by field. */
class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
    this.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: Writer) => void): this {
    const inner = new Writer();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The IR version of ONNX files that opsets up to 21 go with. */
const IR_VERSION = 10;

/**
 * Whether a file's first bytes are those of a model rnnc wrote: `ir_version`, then `producer_name`
 * "rnnc" (the order encodeModel writes them in), so that rnnc replaces only its own files.
 */
export function writtenByRnnc(head: Uint8Array): boolean {
  if (head[0] !== 1 << 3) return false;
  let at = 1;
  while (at < head.length && head[at]! & 0x80) at++;
  const producer = new TextEncoder().encode("rnnc");
  const expected = [(2 << 3) | 2, producer.length, ...producer];
  return expected.every((byte, i) => head[at + 1 + i] === byte);
}

export function encodeModel(m: Model): Uint8Array {
  const w = new Writer()
    .int(1, IR_VERSION)
    .string(2, m.producer)
    .string(3, m.producerVersion)
    .string(6, m.doc)
    .message(7, (g) => writeGraph(g, m.graph))
    .message(8, (o) => o.string(1, "").int(2, m.opset));
  for (const [key, value] of Object.entries(m.metadata)) w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}

function writeGraph(w: Writer, g: Graph): void {
  for (const n of g.nodes) w.message(1, (x) => writeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (x) => writeTensor(x, t));
  if (g.doc) w.string(10, g.doc);
  for (const v of g.inputs) w.message(11, (x) => writeValueInfo(x, v));
  for (const v of g.outputs) w.message(12, (x) => writeValueInfo(x, v));
}

function writeNode(w: Writer, n: Node): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
  if (n.doc) w.string(6, n.doc);
}

/** AttributeProto.AttributeType */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, INTS: 7 } as const;

function writeAttribute(w: Writer, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === "number") w.int(3, value).int(20, AttributeType.INT);
  else if (typeof value === "string") w.string(4, value).int(20, AttributeType.STRING);
  else if (Array.isArray(value)) {
    for (const v of value as readonly number[]) w.int(8, v);
    w.int(20, AttributeType.INTS);
  } else if ("float" in value) w.float(2, value.float).int(20, AttributeType.FLOAT);
  else w.message(6, (g) => writeGraph(g, value as Graph)).int(20, AttributeType.GRAPH);
}

function writeTensor(w: Writer, t: Tensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type).string(8, t.name).bytes(9, t.raw);
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, v.type).message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      }),
    ),
  );
}
