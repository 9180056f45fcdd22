/**
 * Building an ONNX graph: nodes with fresh value names, and the tensors it holds (the model's
 * weights, in the chosen precision, and constants). A Scan's body is a graph of its own that
 * reads the values of the graph around it by name (the weights among them).
 */
import type { OnnxNodes } from "../../ops/export.js";
import {
  DataType,
  type AttributeValue,
  type ElemType,
  type Graph,
  type Node,
  type Tensor,
  type ValueInfo,
} from "./proto.js";

export type FloatType = "f32" | "f64";

/** The weights an exported graph holds: by parameter name, flat row-major, with their shapes. */
export interface GraphWeights {
  values: Readonly<Record<string, Float64Array>>;
  shapes: Readonly<Record<string, readonly number[]>>;
}

/** Tensors shared by a graph and its subgraphs: the weights and the constants, each made once. */
export class TensorTable {
  readonly tensors: Tensor[] = [];
  private readonly made = new Map<string, string>();

  constructor(
    readonly dtype: FloatType,
    private readonly weights: GraphWeights,
  ) {}

  get floatType(): ElemType {
    return this.dtype === "f32" ? DataType.FLOAT : DataType.DOUBLE;
  }

  /** A tensor by a name that says what it is (each is added once). */
  private once(name: string, make: () => Tensor): string {
    if (!this.made.has(name)) {
      this.tensors.push(make());
      this.made.set(name, name);
    }
    return name;
  }

  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    return this.once(name, () => ({ name, dims, type: this.floatType, raw: floatBytes(values, this.dtype) }));
  }

  /** An int64 scalar. */
  int(value: number): string {
    const name = `int64(${value})`;
    return this.once(name, () => ({ name, dims: [], type: DataType.INT64, raw: int64Bytes([value]) }));
  }

  ints(values: readonly number[]): string {
    const name = `int64[${values.join(",")}]`;
    return this.once(name, () => ({ name, dims: [values.length], type: DataType.INT64, raw: int64Bytes(values) }));
  }

  scalar(value: number): string {
    return this.floats(`scalar(${value})`, [], [value]);
  }

  /** A parameter as declared. */
  param(name: string): string {
    return this.floats(name, this.weights.shapes[name]!, this.weights.values[name]!);
  }

  columnsTransposed(param: string, col: number, width: number): string {
    const [rows, cols] = this.weights.shapes[param] as [number, number];
    const w = this.weights.values[param]!;
    const out = new Float64Array(width * rows);
    for (let j = 0; j < width; j++) for (let i = 0; i < rows; i++) out[j * rows + i] = w[i * cols + col + j]!;
    return this.floats(`${param}^T[${col}:${col + width}]`, [width, rows], out);
  }
}

/** The nodes of one graph (the main one or a Scan's body), with names made from a prefix that keeps them apart. */
export class GraphBuilder implements OnnxNodes {
  readonly nodes: Node[] = [];
  private count = 0;

  constructor(
    readonly table: TensorTable,
    private readonly prefix: string,
  ) {}

  /** A fresh value name. */
  fresh(what = ""): string {
    return `${this.prefix}%${this.count++}${what ? `:${what}` : ""}`;
  }

  op(
    op: string,
    inputs: readonly string[],
    attributes?: Readonly<Record<string, AttributeValue>>,
    output?: string,
  ): string {
    const name = output ?? this.fresh();
    this.nodes.push({ op, inputs, outputs: [name], ...(attributes ? { attributes } : {}) });
    return name;
  }

  /** A node with several outputs (a Scan). */
  multi(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Readonly<Record<string, AttributeValue>>,
  ): void {
    this.nodes.push({ op, inputs, outputs, attributes });
  }

  scalar(value: number): string {
    return this.table.scalar(value);
  }

  ints(values: readonly number[]): string {
    return this.table.ints(values);
  }

  columnsTransposed(param: string, col: number, width: number): string {
    return this.table.columnsTransposed(param, col, width);
  }

  graph(
    name: string,
    inputs: readonly ValueInfo[],
    outputs: readonly ValueInfo[],
    initializers: readonly Tensor[] = [],
  ): Graph {
    return { name, nodes: this.nodes, inputs, outputs, initializers };
  }
}

function floatBytes(values: ArrayLike<number>, dtype: FloatType): Uint8Array {
  const size = dtype === "f32" ? 4 : 8;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++)
    if (dtype === "f32") view.setFloat32(i * 4, values[i]!, true);
    else view.setFloat64(i * 8, values[i]!, true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}
