/**
 * Backpropagation through time: reverse-mode over the unrolled graph, from the last node
 * to the first. Each op's adjoint rule sits in one case below; gradients of shared weights
 * add up over the steps. A padded row of a quantity hands its adjoint to the previous
 * step unchanged, mirroring the forward pass that copied the value.
 */
import { matvecBlocks, type ApplyNode, type IrNode } from "../../compiler/ir/ir.js";
import type { UnrolledNode } from "../../compiler/unroll/unroll.js";
import { ACTIVATIONS } from "../../runtime/kernels/activations.js";
import { addBiasBatchBackward } from "../../runtime/kernels/bias.js";
import {
  accumulate,
  accumulateProduct,
  accumulateQuotient,
  accumulateScaled,
  divBackwardDivisor,
} from "../../runtime/kernels/elementwise.js";
import { matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../../runtime/kernels/matmul.js";
import { scatterColumnsBatch } from "../../runtime/kernels/onehot.js";
import { logSoftmaxRowsBackward, softmaxRowsBackward } from "../../runtime/kernels/softmax.js";
import type { Weights } from "./batch.js";
import { addColumnBlocks, carriedIn, type Execution } from "./execution.js";
import { NumericError } from "./numeric-error.js";
import { namedRecord } from "../../runtime/records.js";
import { scoreLoss } from "./score.js";

/**
 * `observe`, when given, is called once the adjoints are complete (before the gradient
 * check), with each unrolled node's adjoint or undefined: analysis reads ||dL/dh_t|| there.
 */
export function runBackward(
  ex: Execution,
  observe?: (adjointOf: (unrolledId: number) => Float64Array | undefined) => void,
): Weights {
  const { B } = ex.batch;
  const adjoints: (Float64Array | undefined)[] = new Array(ex.graph.nodes.length);
  const adjointOf = (id: number) =>
    (adjoints[id] ??= new Float64Array(ex.values[id]?.length ?? B * ex.ir.nodes[ex.graph.nodes[id]!.template]!.size));
  const grads: Weights = namedRecord(
    ex.ir.params.map((p) => [p.name, new Float64Array(p.shape.reduce((a, b) => a * b, 1))]),
  );
  // Block gradients mirror the block weights: the parameter's own gradient when there is one block.
  const blockGrads = new Map<number, Float64Array[]>();
  for (const [template, parts] of ex.blockWeights) {
    const n = ex.ir.nodes[template] as ApplyNode;
    blockGrads.set(template, parts.length === 1 ? [grads[n.param!]!] : parts.map((p) => new Float64Array(p.length)));
  }

  for (const loss of ex.ir.losses) scoreLoss(ex, loss, adjointOf);

  for (let id = ex.graph.nodes.length - 1; id >= 0; id--) {
    const dy = adjoints[id];
    if (!dy) continue;
    const u = ex.graph.nodes[id]!;
    if (ex.quantityNodes.has(u.template) && u.step > 0) passPaddedRowsBack(ex, u, dy, adjointOf);
    propagate(ex, u, ex.ir.nodes[u.template]!, dy, adjointOf, grads, blockGrads);
  }

  for (const [template, parts] of blockGrads) {
    if (parts.length === 1) continue;
    const n = ex.ir.nodes[template] as ApplyNode;
    const p = ex.ir.params.find((q) => q.name === n.param)!;
    addColumnBlocks(grads[p.name]!, p.shape[0]!, p.shape[1]!, matvecBlocks(ex.ir, n), parts);
  }
  observe?.((id) => adjoints[id]);
  for (const [name, g] of Object.entries(grads)) {
    if (!g.every(Number.isFinite))
      throw new NumericError(
        `the gradient of '${name}' is not finite: backpropagation overflowed`,
        "gradients explode when the recurrent matrix has spectral radius above 1; clip them (--clip-norm) or shorten T",
      );
  }
  return grads;
}

function passPaddedRowsBack(
  ex: Execution,
  u: UnrolledNode,
  dy: Float64Array,
  adjointOf: (id: number) => Float64Array,
): void {
  const { B, lengths } = ex.batch;
  const size = ex.ir.nodes[u.template]!.size;
  let previous: Float64Array | undefined;
  for (let b = 0; b < B; b++) {
    if (u.step < lengths[b]!) continue;
    previous ??= adjointOf(ex.graph.at(u.step - 1, u.template));
    for (let i = b * size; i < (b + 1) * size; i++) {
      previous[i] += dy[i]!;
      dy[i] = 0;
    }
  }
}

function propagate(
  ex: Execution,
  u: UnrolledNode,
  n: IrNode,
  dy: Float64Array,
  adjointOf: (id: number) => Float64Array,
  grads: Weights,
  blockGrads: Map<number, Float64Array[]>,
): void {
  const { B } = ex.batch;
  const len = dy.length;
  switch (n.op) {
    case "input":
    case "const":
      return;
    case "delay": {
      const from = u.delayFrom!;
      if (n.onehot) return;
      if (from.kind === "node") {
        accumulate(len, dy, 0, adjointOf(from.id), 0);
        return;
      }
      // Before the sequence: a learned initial state collects the gradient; carried values are constants (truncation).
      const init = ex.ir.states.find((s) => s.name === from.source)?.init;
      if (init?.kind === "learned" && !carriedIn(ex, from.source))
        addBiasBatchBackward(B, n.size, dy, 0, grads[init.param]!, 0);
      return;
    }
    case "param":
      addBiasBatchBackward(B, n.size, dy, 0, grads[n.param]!, 0);
      return;
    case "apply":
      return propagateApply(ex, u, n, dy, adjointOf, blockGrads);
  }
}

function propagateApply(
  ex: Execution,
  u: UnrolledNode,
  n: ApplyNode,
  dy: Float64Array,
  adjointOf: (id: number) => Float64Array,
  blockGrads: Map<number, Float64Array[]>,
): void {
  const { B } = ex.batch;
  const len = dy.length;
  const value = (id: number) => ex.values[id]!;
  const isScalar = (template: number) => ex.ir.nodes[template]!.scalar;
  const [na, nb] = n.args as [number, number];
  switch (n.fn) {
    case "matvec": {
      // y = Σ_k W_k x_k:  dW_k += dyᵀ x_k,  dx_k += dy W_k  (a one-hot x_k: scatter into the columns it picked)
      const parts = ex.blockWeights.get(n.id)!;
      const dParts = blockGrads.get(n.id)!;
      matvecBlocks(ex.ir, n).forEach((block, k) => {
        const x = u.args[k]!;
        const xNode = ex.ir.nodes[block.x]!;
        if (xNode.onehot) {
          scatterColumnsBatch(B, n.size, xNode.size, dy, 0, ex.ids[x]!, 0, dParts[k]!, 0);
          return;
        }
        matmulBatchBackwardWeight(B, n.size, xNode.size, dy, 0, value(x), 0, dParts[k]!, 0);
        matmulBatchBackwardInput(B, n.size, xNode.size, dy, 0, parts[k]!, 0, adjointOf(x), 0);
      });
      return;
    }
    case "add":
    case "sub": {
      // Scalars are constants: they get no adjoint.
      const [a, b] = u.args as [number, number];
      if (!isScalar(na)) accumulate(len, dy, 0, adjointOf(a), 0);
      if (!isScalar(nb)) accumulateScaled(len, n.fn === "add" ? 1 : -1, dy, 0, adjointOf(b), 0);
      return;
    }
    case "mul": {
      // d(a ⊙ b) = da ⊙ b + a ⊙ db; a scalar factor s contributes s · dy.
      const [a, b] = u.args as [number, number];
      for (const [self, other, otherTemplate, selfTemplate] of [
        [a, b, nb, na],
        [b, a, na, nb],
      ] as const) {
        if (isScalar(selfTemplate)) continue;
        if (isScalar(otherTemplate)) accumulateScaled(len, value(other)[0]!, dy, 0, adjointOf(self), 0);
        else accumulateProduct(len, dy, 0, value(other), 0, adjointOf(self), 0);
      }
      return;
    }
    case "div": {
      // z = a / b:  da += dy / b,  db −= dy · a / b²
      const [a, b] = u.args as [number, number];
      const aScalar = isScalar(na);
      const bScalar = isScalar(nb);
      if (!aScalar) {
        if (bScalar) accumulateScaled(len, 1 / value(b)[0]!, dy, 0, adjointOf(a), 0);
        else accumulateQuotient(len, dy, 0, value(b), 0, adjointOf(a), 0);
      }
      if (!bScalar) {
        if (aScalar) {
          const s = value(a)[0]!;
          const vb = value(b);
          const db = adjointOf(b);
          for (let i = 0; i < len; i++) db[i] -= (dy[i]! * s) / (vb[i]! * vb[i]!);
        } else divBackwardDivisor(len, dy, 0, value(a), 0, value(b), 0, adjointOf(b), 0);
      }
      return;
    }
    case "neg":
      accumulateScaled(len, -1, dy, 0, adjointOf(u.args[0]!), 0);
      return;
    case "sigmoid":
    case "tanh":
    case "relu":
    case "exp":
    case "log":
    case "identity": {
      const activation = ACTIVATIONS[n.fn as keyof typeof ACTIVATIONS];
      const saved = activation.backwardReads === "input" ? value(u.args[0]!) : value(u.id);
      activation.backward(len, dy, 0, saved, 0, adjointOf(u.args[0]!), 0);
      return;
    }
    case "softmax":
      softmaxRowsBackward(B, n.size, dy, 0, value(u.id), 0, adjointOf(u.args[0]!), 0);
      return;
    case "log_softmax":
      logSoftmaxRowsBackward(B, n.size, dy, 0, value(u.id), 0, adjointOf(u.args[0]!), 0);
      return;
    case "concat": {
      let col = 0;
      for (const a of u.args) {
        const width = ex.ir.nodes[ex.graph.nodes[a]!.template]!.size;
        const da = adjointOf(a);
        for (let b = 0; b < B; b++) accumulate(width, dy, b * n.size + col, da, b * width);
        col += width;
      }
      return;
    }
  }
}
