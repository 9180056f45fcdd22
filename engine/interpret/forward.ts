/**
 * The forward pass: every unrolled node in order, each op as a batched kernel call.
 * Steps past a sequence's length are still computed for the whole batch (that keeps every
 * kernel call batched), then each quantity's padded rows are overwritten with the previous
 * step's value, so the state used at the last real step is never changed.
 */
import type { IrNode } from "../../compiler/ir/ir.js";
import { unroll, type UnrolledNode } from "../../compiler/unroll/unroll.js";
import type { IrModel } from "../../compiler/ir/ir.js";
import { ACTIVATIONS } from "../../runtime/kernels/activations.js";
import {
  add,
  addScalar,
  div,
  divScalar,
  mul,
  mulScalar,
  negate,
  scalarSub,
  sub,
  subScalar,
} from "../../runtime/kernels/elementwise.js";
import { matmulBatch } from "../../runtime/kernels/matmul.js";
import { gatherColumnsBatch, PAD_ID } from "../../runtime/kernels/onehot.js";
import { logSoftmaxRows, softmaxRows } from "../../runtime/kernels/softmax.js";
import type { Batch, Weights } from "./batch.js";
import { carriedIn, splitColumns, type Carry, type Execution } from "./execution.js";
import { NumericError } from "./numeric-error.js";

export function runForward(ir: IrModel, batch: Batch, weights: Weights, carryIn?: Carry): Execution {
  const graph = unroll(ir, batch.T);
  const ex: Execution = {
    ir,
    graph,
    batch,
    weights,
    ...(carryIn ? { carryIn } : {}),
    values: new Array(graph.nodes.length),
    ids: new Array(graph.nodes.length),
    blockWeights: new Map(),
    quantityNodes: new Set(ir.quantities.map((q) => q.node)),
  };
  for (const n of ir.nodes) {
    if (n.op !== "matvec") continue;
    const p = ir.params.find((q) => q.name === n.param)!;
    ex.blockWeights.set(n.id, splitColumns(weights[n.param]!, p.shape[0]!, p.shape[1]!, matvecBlocks(ir, n)));
  }
  for (const u of graph.nodes) {
    compute(ex, u, ir.nodes[u.template]!);
    if (ex.quantityNodes.has(u.template)) {
      if (u.step > 0) freezePaddedRows(ex, u);
      checkFinite(ex, u);
    }
  }
  return ex;
}

/** The column blocks of a matvec's parameter, with their widths. */
export function matvecBlocks(ir: IrModel, n: Extract<IrNode, { op: "matvec" }>): { col: number; width: number }[] {
  return n.blocks.map((b) => ({ col: b.col, width: ir.nodes[b.x]!.size }));
}

function compute(ex: Execution, u: UnrolledNode, n: IrNode): void {
  const { B } = ex.batch;
  const size = n.size;
  const len = B * size;
  const v = (id: number) => ex.values[id]!;
  const out = () => (ex.values[u.id] = new Float64Array(len));
  switch (n.op) {
    case "input": {
      const data = ex.batch.inputs[n.input]!;
      if (data.kind === "onehot") ex.ids[u.id] = data.ids.slice(u.step * B, (u.step + 1) * B);
      else ex.values[u.id] = data.values.slice(u.step * len, (u.step + 1) * len);
      return;
    }
    case "delay":
      return computeDelay(ex, u, n);
    case "param": {
      const y = out();
      const p = ex.weights[n.param]!;
      for (let b = 0; b < B; b++) y.set(p, b * size);
      return;
    }
    case "const":
      ex.values[u.id] = Float64Array.of(n.value);
      return;
    case "matvec": {
      const y = out();
      const parts = ex.blockWeights.get(n.id)!;
      n.blocks.forEach((block, k) => {
        const x = u.args[k]!;
        const width = ex.ir.nodes[block.x]!.size;
        if (ex.ir.nodes[block.x]!.onehot) gatherColumnsBatch(B, size, width, ex.ids[x]!, 0, parts[k]!, 0, y, 0, true);
        else matmulBatch(B, size, width, v(x), 0, parts[k]!, 0, y, 0, true);
      });
      return;
    }
    case "add":
    case "sub":
    case "mul":
    case "div":
      return computeElementwise(ex, u, n, len);
    case "neg":
      negate(len, v(u.args[0]!), 0, out(), 0);
      return;
    case "activation":
      ACTIVATIONS[n.fn].forward(len, v(u.args[0]!), 0, out(), 0);
      return;
    case "softmax":
      softmaxRows(B, size, v(u.args[0]!), 0, out(), 0);
      return;
    case "log_softmax":
      logSoftmaxRows(B, size, v(u.args[0]!), 0, out(), 0);
      return;
    case "concat": {
      const y = out();
      let col = 0;
      for (const a of u.args) {
        const width = ex.ir.nodes[ex.graph.nodes[a]!.template]!.size;
        const x = v(a);
        for (let b = 0; b < B; b++) y.set(x.subarray(b * width, (b + 1) * width), b * size + col);
        col += width;
      }
      return;
    }
  }
}

function computeElementwise(
  ex: Execution,
  u: UnrolledNode,
  n: Extract<IrNode, { op: "add" | "sub" | "mul" | "div" }>,
  len: number,
): void {
  const [ia, ib] = u.args as [number, number];
  const a = ex.values[ia]!;
  const b = ex.values[ib]!;
  const aScalar = ex.ir.nodes[n.a]!.scalar;
  const bScalar = ex.ir.nodes[n.b]!.scalar;
  const y = (ex.values[u.id] = new Float64Array(len));
  if (!aScalar && !bScalar) {
    ({ add, sub, mul, div })[n.op](len, a, 0, b, 0, y, 0);
  } else if (bScalar) {
    ({ add: addScalar, sub: subScalar, mul: mulScalar, div: divScalar })[n.op](len, a, 0, b[0]!, y, 0);
  } else {
    const s = a[0]!;
    if (n.op === "add") addScalar(len, b, 0, s, y, 0);
    else if (n.op === "sub") scalarSub(len, s, b, 0, y, 0);
    else if (n.op === "mul") mulScalar(len, b, 0, s, y, 0);
    else for (let i = 0; i < len; i++) y[i] = s / b[i]!;
  }
}

function computeDelay(ex: Execution, u: UnrolledNode, n: Extract<IrNode, { op: "delay" }>): void {
  const from = u.delayFrom!;
  if (from.kind === "node") {
    if (n.onehot) ex.ids[u.id] = ex.ids[from.id]!.slice();
    else ex.values[u.id] = ex.values[from.id]!.slice();
    return;
  }
  const before = valueBefore(ex, from.source, from.back, n.size, n.onehot);
  if (n.onehot) ex.ids[u.id] = before as Int32Array;
  else ex.values[u.id] = before as Float64Array;
}

/**
 * The value of a state or input `back` steps before the batch's first step: carried over
 * from a previous chunk when given, else the state's initial value or an input's zero.
 */
export function valueBefore(
  ex: Execution,
  source: string,
  back: number,
  size: number,
  onehot: boolean,
): Float64Array | Int32Array {
  const { B } = ex.batch;
  const carried = carriedIn(ex, source)?.[back - 1];
  if (carried) return carried.slice();
  if (onehot) return new Int32Array(B).fill(PAD_ID);
  const y = new Float64Array(B * size);
  const state = ex.ir.states.find((s) => s.name === source);
  if (state?.init.kind === "constant") y.fill(state.init.value);
  else if (state?.init.kind === "learned") {
    const h0 = ex.weights[state.init.param]!;
    for (let b = 0; b < B; b++) y.set(h0, b * size);
  }
  return y;
}

/** Rows whose sequence has ended keep the quantity's previous value. */
function freezePaddedRows(ex: Execution, u: UnrolledNode): void {
  const { B, lengths } = ex.batch;
  const size = ex.ir.nodes[u.template]!.size;
  const previous = ex.values[ex.graph.at(u.step - 1, u.template)]!;
  const y = ex.values[u.id]!;
  for (let b = 0; b < B; b++) {
    if (u.step >= lengths[b]!) y.set(previous.subarray(b * size, (b + 1) * size), b * size);
  }
}

/** Overflow is reported where it starts, not as a NaN loss many steps later. */
function checkFinite(ex: Execution, u: UnrolledNode): void {
  const y = ex.values[u.id];
  if (!y) return;
  for (let i = 0; i < y.length; i++) {
    if (Number.isFinite(y[i])) continue;
    const size = ex.ir.nodes[u.template]!.size;
    const quantity = ex.ir.quantities.find((q) => q.node === u.template)!.name;
    throw new NumericError(
      `'${quantity}' is ${y[i]} at step ${u.step + 1} of sequence ${Math.floor(i / size) + 1}: the forward pass overflowed`,
      "a recurrent matrix with spectral radius above 1 and a non-saturating activation make values grow every step; use smaller weights, tanh/sigmoid, or a shorter T",
    );
  }
}
