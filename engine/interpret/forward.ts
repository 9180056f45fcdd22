/**
 * The forward pass: every unrolled node in order, each op as a batched kernel call.
 * Steps past a sequence's length are still computed for the whole batch (that keeps every
 * kernel call batched), then each quantity's padded rows are overwritten with the previous
 * step's value, so the state used at the last real step is never changed. A quantity of the
 * backward phase takes the next step's value instead (past the last step: a state's initial
 * value, any other quantity's zero), so a state read ahead starts from its initial value at
 * each sequence's own last real step.
 */
import { matvecBlocks, type ApplyNode, type IrModel, type IrNode } from "../../compiler/ir/ir.js";
import { read } from "../../compiler/ops/expr.js";
import { opNamed } from "../../compiler/ops/registry.js";
import { unroll, type UnrolledNode } from "../../compiler/unroll/unroll.js";
import { matmulBatch } from "../../runtime/kernels/matmul.js";
import { gatherColumnsBatch, PAD_ID } from "../../runtime/kernels/onehot.js";
import type { Batch, InputData, Weights } from "./batch.js";
import { evaluateElementwise } from "./elementwise.js";
import { carriedIn, extentOf, rowsOf, splitColumns, type Carry, type EveryStep, type Execution } from "./execution.js";
import { rowKernel, stepsKernel } from "./kernels.js";
import { NumericError } from "./numeric-error.js";

/** `context`: in a model of several sequences, the states of those computed before at their last step (`e[last]`). */
export function runForward(
  ir: IrModel,
  batch: Batch,
  weights: Weights,
  carryIn?: Carry,
  context?: Record<string, Float64Array>,
  everyStep?: EveryStep,
): Execution {
  const graph = unroll(ir, batch.T);
  const ex: Execution = {
    ir,
    graph,
    batch,
    weights,
    ...(carryIn ? { carryIn } : {}),
    ...(context ? { context } : {}),
    ...(everyStep ? { everyStep } : {}),
    values: new Array(graph.nodes.length),
    ids: new Array(graph.nodes.length),
    blockWeights: new Map(),
    quantityNodes: new Set(ir.quantities.map((q) => q.node)),
  };
  for (const n of ir.nodes) {
    if (n.op !== "apply" || n.param === undefined) continue;
    const p = ir.params.find((q) => q.name === n.param)!;
    ex.blockWeights.set(n.id, splitColumns(weights[p.name]!, p.shape[0]!, p.shape[1]!, matvecBlocks(ir, n)));
  }
  for (const id of graph.order) {
    const u = graph.nodes[id]!;
    const n = ir.nodes[u.template]!;
    compute(ex, u, n);
    if (ex.quantityNodes.has(u.template)) {
      if (n.backward) holdPaddedRowsBackward(ex, u);
      else if (u.step > 0) freezePaddedRows(ex, u);
      checkFinite(ex, u);
    }
  }
  return ex;
}

function compute(ex: Execution, u: UnrolledNode, n: IrNode): void {
  const { B } = ex.batch;
  const len = rowsOf(ex, n) * n.size;
  switch (n.op) {
    case "input": {
      const data = n.fromTarget ? previousTargets(ex, n.input) : ex.batch.inputs[n.input]!;
      if (data.kind === "onehot") ex.ids[u.id] = data.ids.slice(u.step * B, (u.step + 1) * B);
      else ex.values[u.id] = data.values.slice(u.step * len, (u.step + 1) * len);
      return;
    }
    case "delay":
      return computeDelay(ex, u, n);
    case "param": {
      const y = (ex.values[u.id] = new Float64Array(len));
      const p = ex.weights[n.param]!;
      for (let b = 0; b < B; b++) y.set(p, b * n.size);
      return;
    }
    case "const":
      ex.values[u.id] = Float64Array.of(n.value);
      return;
    case "last":
      ex.values[u.id] = lastOf(ex, n.source).slice();
      return;
    case "steps": {
      const value = ex.everyStep?.values[n.source];
      if (!value) throw new Error(`internal error: '${n.source}[${n.over}]' is read before its sequence was computed`);
      ex.values[u.id] = value.slice();
      return;
    }
    case "mask": {
      const drawn = ex.batch.masks?.[n.mask];
      ex.values[u.id] = drawn ? drawn.slice(u.step * len, (u.step + 1) * len) : new Float64Array(len).fill(1);
      return;
    }
    case "apply":
      ex.values[u.id] = new Float64Array(len);
      return apply(ex, u, n);
  }
}

/** An op of the registry, by its kind: element-wise by its expression, row-wise by its kernel. */
function apply(ex: Execution, u: UnrolledNode, n: ApplyNode): void {
  const B = rowsOf(ex, n);
  const y = ex.values[u.id]!;
  const spec = opNamed(n.fn);
  const operand = (k: number) => ex.values[u.args[k]!]!;
  switch (spec.kind) {
    case "elementwise": {
      const streams = n.args.map((a, k) => ({ values: operand(k), scalar: ex.ir.nodes[a]!.scalar }));
      evaluateElementwise(spec.expr(...n.args.map((_, k) => read(k))), streams, y);
      return;
    }
    case "rowwise": {
      const K = spec.rowsOfOperand ? ex.ir.nodes[n.args[0]!]!.size : n.size;
      rowKernel(spec.kernel)(B, K, ...n.args.flatMap((_, k) => [operand(k), 0]), y, 0);
      return;
    }
    case "steps": {
      const { T, lengths } = extentOf(ex, n.axis!);
      stepsKernel(spec.kernel)(ex.batch.B, T, lengths, n.size, operand(0), 0, y, 0);
      return;
    }
    case "matvec": {
      const parts = ex.blockWeights.get(n.id)!;
      matvecBlocks(ex.ir, n).forEach((block, k) => {
        const x = u.args[k]!;
        if (ex.ir.nodes[block.x]!.onehot)
          gatherColumnsBatch(B, n.size, block.width, ex.ids[x]!, 0, parts[k]!, 0, y, 0, true);
        else matmulBatch(B, n.size, block.width, ex.values[x]!, 0, parts[k]!, 0, y, 0, true);
      });
      return;
    }
    case "concat": {
      let col = 0;
      for (const [k, a] of n.args.entries()) {
        const width = ex.ir.nodes[a]!.size;
        const x = operand(k);
        for (let b = 0; b < B; b++) y.set(x.subarray(b * width, (b + 1) * width), b * n.size + col);
        col += width;
      }
      return;
    }
    default:
      throw new Error(`internal error: ${n.fn} is not an op of the forward IR`);
  }
}

function computeDelay(ex: Execution, u: UnrolledNode, n: Extract<IrNode, { op: "delay" }>): void {
  const from = u.delayFrom!;
  if (from.kind === "node") {
    if (n.onehot) ex.ids[u.id] = ex.ids[from.id]!.slice();
    else ex.values[u.id] = ex.values[from.id]!.slice();
    return;
  }
  if (from.kind === "after") {
    ex.values[u.id] = initialValue(ex, from.source, n.size);
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
  return initialValue(ex, source, size);
}

/** A state's initial value for every sequence; zeros for an input or a quantity that is not a state. */
function initialValue(ex: Execution, source: string, size: number): Float64Array {
  const { B } = ex.batch;
  const y = new Float64Array(B * size);
  const state = ex.ir.states.find((s) => s.name === source);
  if (state?.init.kind === "constant") y.fill(state.init.value);
  else if (state?.init.kind === "learned") {
    const h0 = ex.weights[state.init.param]!;
    for (let b = 0; b < B; b++) y.set(h0, b * size);
  } else if (state?.init.kind === "last") y.set(lastOf(ex, state.init.source));
  return y;
}

/** A target read at an earlier step (`y[t-1]`) as input data: the targets of the batch. */
function previousTargets(ex: Execution, target: string): InputData {
  const data = ex.batch.targets[target];
  if (!data)
    throw new Error(
      `${ex.ir.name} reads ${target}[t-1], the previous target: give the batch its targets, or let the model generate them`,
    );
  return data.kind === "class" ? { kind: "onehot", ids: data.ids } : { kind: "dense", values: data.values };
}

/** A state of a sequence computed before, at each example's last real step of it. */
function lastOf(ex: Execution, source: string): Float64Array {
  const value = ex.context?.[source];
  if (!value) throw new Error(`internal error: '${source}[last]' is read before its sequence was computed`);
  return value;
}

/** Rows whose sequence has ended keep the quantity's previous value. */
function freezePaddedRows(ex: Execution, u: UnrolledNode): void {
  const { B, lengths } = ex.batch;
  const size = exampleWidth(ex, ex.ir.nodes[u.template]!);
  const previous = ex.values[ex.graph.at(u.step - 1, u.template)]!;
  const y = ex.values[u.id]!;
  for (let b = 0; b < B; b++) {
    if (u.step >= lengths[b]!) y.set(previous.subarray(b * size, (b + 1) * size), b * size);
  }
}

/** Rows whose sequence has ended hold the backward quantity's value of the next step (past the last: its value after the sequence). */
function holdPaddedRowsBackward(ex: Execution, u: UnrolledNode): void {
  const { B, T, lengths } = ex.batch;
  const size = exampleWidth(ex, ex.ir.nodes[u.template]!);
  const next = u.step + 1 < T ? ex.values[ex.graph.at(u.step + 1, u.template)]! : valueAfter(ex, u.template, size);
  const y = ex.values[u.id]!;
  for (let b = 0; b < B; b++) {
    if (u.step >= lengths[b]!) y.set(next.subarray(b * size, (b + 1) * size), b * size);
  }
}

/** A backward quantity's value after the sequence: its state's initial value, or zero (the node's state, if one of its names is). */
function valueAfter(ex: Execution, template: number, size: number): Float64Array {
  const state = ex.ir.quantities.find((q) => q.node === template && ex.ir.states.some((s) => s.name === q.name));
  return initialValue(ex, state?.name ?? "", size);
}

/** The numbers of one example in a node's value: its size, times the other sequence's steps for a node over them. */
function exampleWidth(ex: Execution, n: IrNode): number {
  return (rowsOf(ex, n) / ex.batch.B) * n.size;
}

function quantityName(ex: Execution, u: UnrolledNode): string {
  return ex.ir.quantities.find((q) => q.node === u.template)!.name;
}

/** Overflow is reported where it starts, not as a NaN loss many steps later. */
function checkFinite(ex: Execution, u: UnrolledNode): void {
  const y = ex.values[u.id];
  if (!y) return;
  for (let i = 0; i < y.length; i++) {
    if (Number.isFinite(y[i])) continue;
    const size = exampleWidth(ex, ex.ir.nodes[u.template]!);
    const quantity = quantityName(ex, u);
    throw new NumericError(
      `'${quantity}' is ${y[i]} at step ${u.step + 1} of sequence ${Math.floor(i / size) + 1}: the forward pass overflowed`,
      "a recurrent matrix with spectral radius above 1 and a non-saturating activation make values grow every step; use smaller weights, tanh/sigmoid, or a shorter T",
    );
  }
}
