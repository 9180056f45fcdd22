/**
 * Backpropagation through time: the backward step the gradient pass derives from the IR
 * (compiler/grad), run at every step from the last to the first over the values the forward
 * pass kept. Each backward node is computed for the whole batch by its op's meaning in the
 * registry (element-wise by its expression, row-wise by its kernel); an adjoint sums its
 * terms and what later steps sent back; the updates add each step's share of the gradients.
 */
import { differentiate } from "../../compiler/grad/differentiate.js";
import { gradRowsOver, secondPassNodes, type GradIr, type GradNode } from "../../compiler/grad/grad-ir.js";
import { isBidirectional, matvecBlocks, type IrModel } from "../../compiler/ir/ir.js";
import { read, type Expr } from "../../compiler/ops/expr.js";
import { opNamed } from "../../compiler/ops/registry.js";
import { addBiasBatchBackward } from "../../runtime/kernels/bias.js";
import { allFinite } from "../../runtime/kernels/reductions.js";
import { matmulBatchBackwardInput, matmulBatchBackwardWeight } from "../../runtime/kernels/matmul.js";
import { scatterColumnsBatch } from "../../runtime/kernels/onehot.js";
import { namedRecord } from "../../runtime/records.js";
import type { Weights } from "./batch.js";
import { evaluateElementwise, type ClassIds, type Stream } from "./elementwise.js";
import { addColumnBlocks, carriedIn, extentOf, splitColumns, type Execution } from "./execution.js";
import { rowKernel, stepsKernel } from "./kernels.js";
import { NumericError } from "./numeric-error.js";
import { scoredPositions } from "./score.js";

const gradients = new WeakMap<IrModel, GradIr>();

/** The backward step of a model, derived once. */
export function backwardStep(ir: IrModel): GradIr {
  let grad = gradients.get(ir);
  if (!grad) gradients.set(ir, (grad = differentiate(ir)));
  return grad;
}

/**
 * `observe`, when given, is called once the adjoints are complete (before the gradient
 * check), with each unrolled state node's adjoint or undefined: analysis reads ||dL/dh_t|| there.
 */
export function runBackward(
  ex: Execution,
  observe?: (adjointOf: (unrolledId: number) => Float64Array | undefined) => void,
  sequences?: SequenceAdjoints,
): Weights {
  const grad = backwardStep(ex.ir);
  const run = new BackwardRun(ex, grad, sequences);
  for (let t = ex.batch.T - 1; t >= 0; t--) run.step(t, false);
  // The backward phase's adjoints, from the first step up, once the forward phase sent them its terms.
  if (isBidirectional(ex.ir)) for (let t = 0; t < ex.batch.T; t++) run.step(t, true);
  const grads = run.gradients();
  observe?.((id) => run.stateAdjoints.get(id));
  for (const [name, g] of Object.entries(grads)) {
    if (!allFinite(g))
      throw new NumericError(
        `the gradient of '${name}' is not finite: backpropagation overflowed`,
        "gradients explode when the recurrent matrix has spectral radius above 1; clip them (--clip-norm) or shorten T",
      );
  }
  return grads;
}

/**
 * In a model of several sequences, what crosses from one to another backwards: the adjoints of
 * the states read at their last step ([B][n] by name). A sequence's backward pass adds what
 * its `e[last]` reads received to `received[e]`; the pass of e's sequence, which runs after
 * it, adds `received[e]` to e's adjoint at each example's last step.
 */
export interface SequenceAdjoints {
  received: Record<string, Float64Array>;
  /** The adjoints of the quantities read at every step (attention), [B][S][n] by name: added at each real step. */
  receivedAtEveryStep: Record<string, Float64Array>;
}

/** A backward value for the whole batch: [B][size] numbers, one number (a constant), or class ids (a class target). */
type Value = { values: Float64Array; scalar: boolean } | { ids: Int32Array };

class BackwardRun {
  private readonly grads: Weights;
  /** Column blocks of the product weights, and of their gradients, by `param:col:width`. */
  private readonly blocks = new Map<
    string,
    { weights: Float64Array; grad: Float64Array; col: number; width: number }
  >();
  /** Each delay's adjoint at the steps already run, for the state it reads (`later`). */
  private readonly delayAdjoints = new Map<number, Float64Array[]>();
  /** The padded rows each quantity's adjoint passed back to the step before (a backward-phase quantity's: on to the next). */
  private readonly passedBack = new Map<number, Float64Array>();
  /** The backward values of every step: the second pass reads the terms the first one computed. */
  private readonly stepValues: Value[][] = [];
  private readonly second: Set<number>;
  /** The adjoints of the states, by unrolled node id, for analysis. */
  readonly stateAdjoints = new Map<number, Float64Array>();
  private readonly stateNodes: Set<number>;
  /** The other sequence each backward value has a row at every step of (attention). */
  private readonly over: (string | undefined)[];

  constructor(
    private readonly ex: Execution,
    private readonly grad: GradIr,
    private readonly sequences?: SequenceAdjoints,
  ) {
    const { ir } = ex;
    this.second = isBidirectional(ir) ? secondPassNodes(grad) : new Set();
    this.over = gradRowsOver(grad);
    this.grads = namedRecord(ir.params.map((p) => [p.name, new Float64Array(p.shape.reduce((a, b) => a * b, 1))]));
    this.stateNodes = new Set(ir.quantities.filter((q) => ir.states.some((s) => s.name === q.name)).map((q) => q.node));
    for (const n of ir.nodes) {
      if (n.op !== "apply" || n.param === undefined) continue;
      const p = ir.params.find((q) => q.name === n.param)!;
      const blocks = matvecBlocks(ir, n);
      const parts = splitColumns(ex.weights[p.name]!, p.shape[0]!, p.shape[1]!, blocks);
      blocks.forEach(({ col, width }, k) => {
        const key = `${p.name}:${col}:${width}`;
        if (this.blocks.has(key)) return;
        // A block spanning the whole matrix is the parameter itself, and its gradient the parameter's.
        const whole = width === p.shape[1];
        const grad = whole ? this.grads[p.name]! : new Float64Array(parts[k]!.length);
        this.blocks.set(key, { weights: parts[k]!, grad, col, width });
      });
    }
  }

  /** The nodes of one pass at step t (`second`: those waiting for the first pass), and their updates. */
  step(t: number, second: boolean): void {
    const values = (this.stepValues[t] ??= new Array<Value>(this.grad.nodes.length));
    for (const n of this.grad.nodes) if (this.second.has(n.id) === second) values[n.id] = this.compute(n, t, values);
    const floats = (id: number) => (values[id] as { values: Float64Array }).values;
    const { B, T } = this.ex.batch;
    for (const u of this.grad.updates) {
      if (this.second.has(u.kind === "outer" ? u.dy : u.from) !== second) continue;
      switch (u.kind) {
        case "rows":
          addBiasBatchBackward(B, this.grad.nodes[u.from]!.size, floats(u.from), 0, this.grads[u.param]!, 0);
          break;
        case "outer": {
          const block = this.blocks.get(`${u.param}:${u.col}:${u.width}`)!;
          const rows = this.grad.nodes[u.dy]!.size;
          const x = this.ex.graph.at(t, u.x);
          const R = this.rows(u.dy);
          if (this.ex.ir.nodes[u.x]!.onehot)
            scatterColumnsBatch(R, rows, u.width, floats(u.dy), 0, this.ex.ids[x]!, 0, block.grad, 0);
          else matmulBatchBackwardWeight(R, rows, u.width, floats(u.dy), 0, this.ex.values[x]!, 0, block.grad, 0);
          break;
        }
        case "initial": {
          // Before the sequence: a learned initial state collects the gradient; carried values are constants (truncation).
          const delay = this.grad.nodes[u.from] as Extract<GradNode, { op: "adjoint" }>;
          const { source, ahead } = this.ex.ir.nodes[delay.of] as { source: string; ahead?: boolean };
          // A read ahead past the last step reads the initial value too.
          const initial = ahead ? t + u.steps >= T : t < u.steps;
          if (initial && !carriedIn(this.ex, source))
            addBiasBatchBackward(B, delay.size, floats(u.from), 0, this.grads[u.param]!, 0);
          break;
        }
        case "last": {
          if (u.steps !== undefined) {
            // An initial state `= e[last]`, read where the delay reads before the sequence (past its end, ahead).
            const delay = this.grad.nodes[u.from] as Extract<GradNode, { op: "adjoint" }>;
            const { ahead } = this.ex.ir.nodes[delay.of] as { ahead?: boolean };
            if (!(ahead ? t + u.steps >= T : t < u.steps)) break;
          }
          this.sendToLastStep(u.source, floats(u.from));
          break;
        }
        case "every":
          this.sendToEveryStep(u.source, floats(u.from));
          break;
      }
    }
  }

  /** Rows of an adjoint for state `source` of a sequence computed before, at its last step. */
  private sendToLastStep(source: string, rows: Float64Array): void {
    const received = this.sequences?.received;
    if (!received) throw new Error(`internal error: '${source}[last]' is differentiated outside a model of sequences`);
    const into = (received[source] ??= new Float64Array(rows.length));
    for (let i = 0; i < rows.length; i++) into[i] += rows[i]!;
  }

  /** Rows of an adjoint for a quantity of a sequence computed before, at its every step (attention). */
  private sendToEveryStep(source: string, rows: Float64Array): void {
    const received = this.sequences?.receivedAtEveryStep;
    if (!received)
      throw new Error(`internal error: '${source}' at every step is differentiated outside a model of sequences`);
    const into = (received[source] ??= new Float64Array(rows.length));
    for (let i = 0; i < rows.length; i++) into[i] += rows[i]!;
  }

  /** The rows of a backward value: one per example, or one per example and step of the other sequence it runs over. */
  private rows(id: number): number {
    const over = this.over[id];
    return over === undefined ? this.ex.batch.B : this.ex.batch.B * extentOf(this.ex, over).T;
  }

  /** The parameters' gradients, once every step has run: the block gradients added into their columns. */
  gradients(): Weights {
    for (const p of this.ex.ir.params) {
      // A block spanning every column accumulated into the gradient itself.
      const parts = [...this.blocks]
        .filter(([key, b]) => key.startsWith(`${p.name}:`) && b.width !== p.shape[1])
        .map(([, b]) => b);
      addColumnBlocks(
        this.grads[p.name]!,
        p.shape[0]!,
        p.shape[1]!,
        parts,
        parts.map((b) => b.grad),
      );
    }
    return this.grads;
  }

  private compute(n: GradNode, t: number, values: Value[]): Value {
    switch (n.op) {
      case "value": {
        const forward = this.ex.ir.nodes[n.of]!;
        return { values: this.ex.values[this.ex.graph.at(t, n.of)]!, scalar: forward.scalar };
      }
      case "const":
        return { values: Float64Array.of(n.value), scalar: true };
      case "target":
        return this.target(n.loss, t, n.size);
      case "seed":
        return { values: this.seed(n, t, values[n.args[0]] as { values: Float64Array }), scalar: false };
      case "adjoint":
        return { values: this.adjoint(n, t, values), scalar: false };
      case "apply":
        return this.apply(n, values, this.rows(n.id));
    }
  }

  /** Loss k's target at step t: class ids, or real vectors (a loss at last: each sequence's one row). */
  private target(k: number, t: number, size: number): Value {
    const { B } = this.ex.batch;
    const loss = this.ex.ir.losses[k]!;
    const data = this.ex.batch.targets[loss.target]!;
    const first = loss.at === "each" ? t * B : 0;
    if (data.kind === "class") return { ids: data.ids.subarray(first, first + B) };
    return { values: data.values.subarray(first * size, (first + B) * size), scalar: false };
  }

  /** scale · value at the rows the loss scores at step t, 0 elsewhere. */
  private seed(n: Extract<GradNode, { op: "seed" }>, t: number, value: { values: Float64Array }): Float64Array {
    const { T, lengths } = this.ex.batch;
    const loss = this.ex.ir.losses[n.loss]!;
    const scale = loss.reduce === "mean" ? 1 / scoredPositions(loss, lengths, T) : 1;
    const out = new Float64Array(value.values.length);
    lengths.forEach((length, b) => {
      const scored = loss.at === "each" ? t < length : t === length - 1;
      if (!scored) return;
      for (let i = b * n.size; i < (b + 1) * n.size; i++) out[i] = scale * value.values[i]!;
    });
    return out;
  }

  /** The sum of the terms and of what later steps sent back; then a quantity's ended rows go back to t − 1. */
  private adjoint(n: Extract<GradNode, { op: "adjoint" }>, t: number, values: Value[]): Float64Array {
    const { B, T, lengths } = this.ex.batch;
    const sum = new Float64Array(this.rows(n.id) * n.size);
    // The numbers of one example: for a quantity over another sequence's steps, all of them.
    const width = sum.length / B;
    const add = (x: Float64Array) => {
      for (let i = 0; i < sum.length; i++) sum[i] += x[i]!;
    };
    for (const term of n.terms) add((values[term.node] as { values: Float64Array }).values);
    if (n.seeded) {
      this.addReceivedAtLastStep(n, t, sum);
      this.addReceivedAtEveryStep(n, t, sum);
    }
    for (const d of n.later) {
      const delay = this.ex.ir.nodes[d] as { steps: number; ahead?: boolean };
      const reader = delay.ahead ? t - delay.steps : t + delay.steps;
      if (reader >= 0 && reader < T) add(this.delayAdjoints.get(d)![reader]!);
    }
    if (n.masked) {
      const back = this.passedBack.get(n.of);
      if (back) add(back);
      this.passedBack.delete(n.of);
      // A padded row's value was a copy of the previous step's (of the next step's, in the backward phase).
      const backward = this.ex.ir.nodes[n.of]!.backward === true;
      if (backward || t > 0) {
        const passed = new Float64Array(sum.length);
        for (let b = 0; b < B; b++) {
          if (t < lengths[b]!) continue;
          for (let i = b * width; i < (b + 1) * width; i++) [passed[i], sum[i]] = [sum[i]!, 0];
        }
        if (backward && t === T - 1) this.addToLearnedInitial(n.of, passed);
        else this.passedBack.set(n.of, passed);
      }
    }
    const forward = this.ex.ir.nodes[n.of]!;
    if (forward.op === "delay") {
      if (!this.delayAdjoints.has(n.of)) this.delayAdjoints.set(n.of, []);
      this.delayAdjoints.get(n.of)![t] = sum;
    }
    if (this.stateNodes.has(n.of)) this.stateAdjoints.set(this.ex.graph.at(t, n.of), sum);
    return sum;
  }

  /** What a later sequence sent to this state's value at its last step, added at each example's last real step. */
  private addReceivedAtLastStep(n: Extract<GradNode, { op: "adjoint" }>, t: number, sum: Float64Array): void {
    const { ir, batch } = this.ex;
    const name = ir.quantities.find((q) => q.node === n.of && ir.readAtLast?.includes(q.name))?.name;
    const received = name === undefined ? undefined : this.sequences?.received[name];
    if (!received) return;
    for (let b = 0; b < batch.B; b++) {
      if (batch.lengths[b]! - 1 !== t) continue;
      for (let i = b * n.size; i < (b + 1) * n.size; i++) sum[i] += received[i]!;
    }
  }

  /** What a later sequence sent to this quantity's value at every step (attention), added at each real step t. */
  private addReceivedAtEveryStep(n: Extract<GradNode, { op: "adjoint" }>, t: number, sum: Float64Array): void {
    const { ir, batch } = this.ex;
    const name = ir.quantities.find((q) => q.node === n.of && ir.readAtEveryStep?.includes(q.name))?.name;
    const received = name === undefined ? undefined : this.sequences?.receivedAtEveryStep[name];
    if (!received) return;
    for (let b = 0; b < batch.B; b++) {
      if (t >= batch.lengths[b]!) continue;
      const from = (b * batch.T + t) * n.size;
      for (let k = 0; k < n.size; k++) sum[b * n.size + k] += received[from + k]!;
    }
  }

  /**
   * What a backward-phase state's padded rows held past the last step was its initial value: a
   * learned one collects their adjoint, one read from another sequence (`= e[last]`) sends it there.
   */
  private addToLearnedInitial(node: number, rows: Float64Array): void {
    const { ir, batch } = this.ex;
    const state = ir.states.find((s) => ir.quantities.some((q) => q.node === node && q.name === s.name));
    if (state?.init.kind === "learned")
      addBiasBatchBackward(batch.B, state.size, rows, 0, this.grads[state.init.param]!, 0);
    else if (state?.init.kind === "last") this.sendToLastStep(state.init.source, rows);
  }

  /** An op of the registry on backward values, by its kind. */
  private apply(n: Extract<GradNode, { op: "apply" }>, values: Value[], B: number): Value {
    const spec = opNamed(n.fn);
    const floats = (k: number) => (values[n.args[k]!] as { values: Float64Array }).values;
    const out = new Float64Array(B * n.size);
    switch (spec.kind) {
      case "elementwise": {
        // A class target is read as its one-hot vector.
        const operands: (Stream | ClassIds)[] = n.args.map((a) => {
          const v = values[a]!;
          return "ids" in v ? { ids: v.ids, width: n.size } : v;
        });
        const reads: Expr[] = operands.map((o, k) => ("ids" in o ? { kind: "indicator", stream: k } : read(k)));
        evaluateElementwise(spec.expr(...reads), operands, out);
        return { values: out, scalar: n.scalar };
      }
      case "rowwise": {
        // The vector–Jacobian kernels add into their output, which starts at zero here.
        const K = spec.rowsOfOperand ? this.grad.nodes[n.args[0]!]!.size : n.size;
        rowKernel(spec.kernel)(B, K, ...n.args.flatMap((_, k) => [floats(k), 0]), out, 0);
        return { values: out, scalar: false };
      }
      case "steps": {
        const { T, lengths } = extentOf(this.ex, n.axis!);
        stepsKernel(spec.kernel)(this.ex.batch.B, T, lengths, n.size, floats(0), 0, out, 0);
        return { values: out, scalar: false };
      }
      case "matvec_t": {
        const block = this.blocks.get(`${n.param}:${n.col}:${n.size}`)!;
        const dy = floats(0);
        matmulBatchBackwardInput(B, dy.length / B, n.size, dy, 0, block.weights, 0, out, 0);
        return { values: out, scalar: false };
      }
      case "slice": {
        const v = floats(0);
        const width = v.length / B;
        for (let b = 0; b < B; b++) out.set(v.subarray(b * width + n.col!, b * width + n.col! + n.size), b * n.size);
        return { values: out, scalar: false };
      }
      default:
        throw new Error(`internal error: ${n.fn} is not an op of the backward IR`);
    }
  }
}
