/**
 * How the generated code lays out a model in memory and time: which IR nodes get a buffer,
 * which live only as locals inside a fused element-wise loop, which matrix products share
 * one fused product (the gates of an LSTM), and how many steps of history each buffer keeps.
 *
 * Address of a stored value: buffer[((t + pre) · B + b) · stride + offset + i], where `pre`
 * slots before step 0 hold what delays read before the sequence (initial or carried values).
 */
import { differentiate } from "../grad/differentiate.js";
import type { GradId, GradIr } from "../grad/grad-ir.js";
import { matvecBlocks, operands, type ApplyNode, type IrModel, type IrNode, type NodeId } from "../ir/ir.js";
import { elementwiseOp, nodeKind } from "../ops/registry.js";
import { nameArrays, type ArrayNames, type ModuleNames } from "./array-names.js";
import type { KernelTier } from "./kernel-tier.js";
import type { MatvecGroup, NodePlan } from "./plan-types.js";
import { adjointsStoredFirst } from "./stored-first.js";
import { nameTemporaries } from "./temporaries.js";

export type { MatvecGroup, NodePlan };

export interface ElementwiseRun {
  index: number;
  nodes: NodeId[];
  size: number;
  /** Loops the run is split into by kernel activations (1 without). */
  loops: number;
}

export interface PlanOptions {
  /**
   * Compute sigmoid, tanh and exp with the `activateRows` kernel (vectorised in the
   * WebAssembly tier) instead of calling Math.* per element inside the fused loops.
   */
  kernelActivations: boolean;
  /**
   * Take the product of a narrow block at every step (NARROW_BY_ROWS) as a combination of the rows of its
   * transposed weights, the adjoint kernel's form, instead of dot products: float32 on the WebAssembly tiers.
   */
  narrowStepsByRows?: boolean;
  /**
   * Blocks of up to WIDE_BY_ROWS columns too, in a module that may run on the relaxed SIMD tier: only a Model whose
   * products fuse their multiply–adds takes them by rows (byRowsFma), decided when it is made.
   */
  wideStepsByRows?: boolean;
}

/**
 * A module's plan options: its element type and kernel tier decide them. Vectorised activations pay where the tier
 * has SIMD (the JavaScript tier keeps Math.* inside its fused loops); narrow products by rows too, in float32 only:
 * the sums change order, and float64 results keep their bits.
 */
export function planOptionsFor(options: { dtype: "f64" | "f32"; kernels: KernelTier }): PlanOptions {
  const onKernelObject = options.kernels !== "js";
  const narrow = onKernelObject && options.dtype === "f32";
  return {
    kernelActivations: onKernelObject,
    narrowStepsByRows: narrow,
    wideStepsByRows: narrow && options.kernels !== "wasm",
  };
}

/**
 * The widest block whose product at every step is taken by rows (PlanOptions.narrowStepsByRows). A dot product over
 * so few columns spends much of its time reducing its vector accumulators; the combination of rows has no reduction.
 * Measured (B = 32, 4·width rows, relaxed tier, f32): 3.0 against 3.7 µs at width 16, 5.6 against 8.6 at 32, 22.7
 * against 30.2 at 64; at 128 it depends on the tier, and at 256 the transposed weights no longer stay in cache.
 */
export const NARROW_BY_ROWS = 64;

/**
 * The fewest rows of a call (B · T) for which a module takes its narrow products by rows: their weights are
 * transposed once a call, which a call of few rows does not earn back. W3 (GRU H = 32, B = 1, T = 20, f32): by rows
 * 0.0296–0.0303 ms a sequence against 0.0247–0.0253 with dot products (`node dist/bench/run.js --only w3`, quiet
 * machine); a step at a time (T = 1) would transpose at every step.
 */
export const BY_ROWS_MIN_ROWS = 64;

/**
 * The widest block taken by rows on the relaxed SIMD tier (PlanOptions.wideStepsByRows), where the fused multiply–adds
 * make the combination of rows the faster form at 128 columns: B = 32, 512 × 128 (an LSTM of 128), f32, CPU time a
 * call, 91–92 µs by rows against 104–111 with dot products; on the SIMD tier 131–186 against 126–167, slower.
 */
export const WIDE_BY_ROWS = 128;

/**
 * The fewest rows of a call (B · T) for which a module takes a wide block by rows: its transposed weights cost about
 * 1.8 ns an element to copy (117 µs for 512 × 128), which the 0.4–0.6 µs a row that the form saves there earns back
 * from about 200–300 rows.
 */
export const WIDE_BY_ROWS_MIN_ROWS = 512;

/** The local of a pass that says whether block `width` wide, transposed, is taken by rows in this call. */
export function byRowsLocal(width: number): "byRows" | "byRowsFma" {
  return width > NARROW_BY_ROWS ? "byRowsFma" : "byRows";
}

export interface CodePlan {
  ir: IrModel;
  /** The arrays of the parameters, gradients and targets, and the module's identifiers. */
  names: ArrayNames;
  /** The backward step the gradient pass derives from the IR, for a model with a loss. */
  grad: GradIr | undefined;
  nodes: NodePlan[];
  groups: MatvecGroup[];
  /** Group of each matvec node. */
  groupOf: Map<NodeId, number>;
  runs: ElementwiseRun[];
  quantityNodes: Set<NodeId>;
  /** The quantity node of each state, and the input node of each input. */
  sourceNode: Map<string, NodeId>;
  /** Nodes whose forward value is read by the backward IR or the loss. */
  neededBackward: Set<NodeId>;
  /**
   * Nodes the time loop must compute step by step: the states read through delays and
   * everything they depend on. The rest (outputs, scores) read only values of their own
   * step, so a second loop computes them after the first, its products over all steps at once.
   * The backward phase (IrNode.backward) has a loop of its own, from the last step down, before both.
   */
  recurrent: Set<NodeId>;
  /** Activations, and the exponentials of a softmax, by the `activateRows` kernel (PlanOptions). */
  kernelActivations: boolean;
  /**
   * In a model of several sequences, the arrays through which the sequences meet, by the state
   * read at its last step (`e[last]`): its value there [B][n] and the adjoint the readers send back.
   */
  links: ReadonlyMap<string, LinkArrays>;
  /** Attention: what the sequences read of one another at every step (sequence-plans.ts names it). */
  attention: AttentionLinks;
  /**
   * The arrays of the backward values that a derivative rule computes by a kernel (a steps op, `sum`, `repeat`) or
   * that a kernel reads, by backward node: one step's rows of each (emit-terms.ts computes them).
   */
  temporaries: ReadonlyMap<GradId, string>;
  /** The adjoints whose one term a backward step stores instead of adding to zeros (stored-first.ts). */
  storedFirst: ReadonlySet<NodeId>;
}

/** The arrays of a state read at its last step by a later sequence (sequence-plans.ts names them). */
export interface LinkArrays {
  value: string;
  adjoint: string;
  size: number;
}

/**
 * Attention, in a module of several sequences: each quantity a later sequence reads at every step (`e[s]`), with the
 * arrays of its values there, [B][S][n] example by example, and of the adjoint its readers send back; and for each
 * sequence read so, the locals of a reading pass that hold its steps S and its lengths.
 */
export interface AttentionLinks {
  values: ReadonlyMap<string, LinkArrays>;
  axes: ReadonlyMap<string, { steps: string; lengths: string }>;
}

export const noAttention: AttentionLinks = { values: new Map(), axes: new Map() };

export function isElementwise(n: IrNode): n is ApplyNode {
  return nodeKind(n) === "elementwise";
}

/** Whether a node is a leaf: read in place, never computed. */
function isLeaf(n: IrNode): boolean {
  return n.op !== "apply";
}

/**
 * The plan of a model of one sequence: a whole model, or one sequence of several (sequence-plans.ts),
 * whose arrays are named in the module's table (`shared`) and which meets the others through `links`.
 */
export function makePlan(
  ir: IrModel,
  options: PlanOptions = { kernelActivations: false },
  shared?: ModuleNames,
  links: ReadonlyMap<string, LinkArrays> = new Map(),
  attention: AttentionLinks = noAttention,
): CodePlan {
  if (ir.sequences)
    throw new Error(`internal error: ${ir.name} reads several sequences; plan each (sequence-plans.ts)`);
  const consumers = new Map<NodeId, NodeId[]>();
  for (const n of ir.nodes) for (const o of operands(n)) consumers.set(o, [...(consumers.get(o) ?? []), n.id]);
  const quantityNodes = new Set(ir.quantities.map((q) => q.node));
  const sourceNode = new Map<string, NodeId>();
  for (const s of ir.states) sourceNode.set(s.name, ir.quantities.find((q) => q.name === s.name)!.node);
  for (const n of ir.nodes) if (n.op === "input") sourceNode.set(n.input, n.id);
  const pre = new Map<NodeId, number>();
  const post = new Map<NodeId, number>();
  for (const n of ir.nodes) {
    if (n.op !== "delay") continue;
    const source = sourceNode.get(n.source)!;
    const slots = n.ahead ? post : pre;
    slots.set(source, Math.max(slots.get(source) ?? 0, n.steps));
  }
  for (const q of quantityNodes) if (ir.nodes[q]!.backward) post.set(q, Math.max(post.get(q) ?? 0, 1));

  // A sequence without a loss of its own is differentiated when a later one reads its states at their last step,
  // or its quantities at every step.
  const read = (ir.readAtLast?.length ?? 0) + (ir.readAtEveryStep?.length ?? 0);
  const grad = ir.losses.length > 0 || read > 0 ? differentiate(ir) : undefined;
  const neededBackward = valuesNeededBackward(ir, grad);
  const hasAdjoint = (id: NodeId) => grad?.adjoints.has(id) ?? false;
  const groups = groupMatvecs(ir, consumers, quantityNodes);
  const groupOf = new Map<NodeId, number>();
  for (const g of groups) for (const m of g.members) groupOf.set(m, g.index);
  const runs = elementwiseRuns(ir, groups);
  const runOf = new Map<NodeId, number>();
  for (const r of runs) for (const id of r.nodes) runOf.set(id, r.index);
  const scored = new Set(ir.losses.flatMap((l) => [l.prediction, ...(l.fusion ? [l.fusion.input] : [])]));
  const split = splitRuns(ir, runs, runOf, options);
  const recurrent = recurrentNodes(ir, runOf, groupOf, sourceNode);
  const loopOf = (id: NodeId) => timeLoopOf(ir, recurrent, id);

  const nodes = ir.nodes.map((n): NodePlan => {
    const run = runOf.get(n.id) ?? -1;
    const readOutsideRun =
      scored.has(n.id) ||
      pre.has(n.id) ||
      post.has(n.id) ||
      (consumers.get(n.id) ?? []).some((c) => run < 0 || runOf.get(c) !== run);
    // A state of another sequence at its last step (`last`), or a quantity at its every step, is read in place from its link.
    const stored =
      n.op !== "param" &&
      n.op !== "const" &&
      n.op !== "delay" &&
      n.op !== "last" &&
      n.op !== "steps" &&
      (run < 0 || readOutsideRun || quantityNodes.has(n.id) || neededBackward.has(n.id) || split.inMemory.has(n.id));
    // A value at every step of another sequence (B · S rows a step) that only its own step reads keeps that step alone
    // (in an array of its own: a shared product group's is laid out over every step).
    const shared = groupOf.has(n.id) && groups[groupOf.get(n.id)!]!.shared;
    const invariant = invariantSpread(ir, n);
    const oneStep =
      invariant ||
      (n.over !== undefined &&
        !shared &&
        !quantityNodes.has(n.id) &&
        !neededBackward.has(n.id) &&
        (consumers.get(n.id) ?? []).every((c) => loopOf(c) === loopOf(n.id)));
    const group = groupOf.get(n.id);
    const g = group === undefined ? undefined : groups[group]!;
    const inGroup = g !== undefined && g.shared;
    // The members of a product group share one adjoint buffer: all have one when any has.
    const differentiated = hasAdjoint(n.id) || (g !== undefined && g.members.some(hasAdjoint));
    let adjoint: NodePlan["adjoint"] = "none";
    // A product keeps its adjoint of every step: its weight gradient is one product over all steps, after the loop.
    // So does the backward phase: the forward phase sends it terms at every step before it runs.
    if (n.op === "apply" && differentiated)
      adjoint =
        quantityNodes.has(n.id) || pre.has(n.id) || post.has(n.id) || group !== undefined || n.backward
          ? "steps"
          : run >= 0 && !readOutsideRun
            ? "local"
            : "step";
    return {
      node: n,
      stored,
      // Named with every array of the module, once all are known (array-names.ts).
      buffer: "",
      inSharedGroup: inGroup,
      stride: inGroup ? g.rows : n.onehot ? 1 : n.size,
      offset: inGroup ? g.offsets[g.members.indexOf(n.id)]! : 0,
      pre: pre.get(n.id) ?? 0,
      post: post.get(n.id) ?? 0,
      run,
      adjoint,
      adjointBuffer: "",
      readOutsideRun,
      oneStep,
      invariant,
      receivesAdjoint: hasAdjoint(n.id),
      loop: split.loop.get(n.id) ?? -1,
      byKernel: split.byKernel.has(n.id),
    };
  });
  for (const g of groups) {
    g.once = !g.shared && nodes[g.members[0]!]!.oneStep && g.blocks.every((b) => ir.nodes[b.x]!.op === "steps");
    if (g.once && nodes[g.members[0]!]!.adjoint === "steps") nodes[g.members[0]!]!.adjoint = "summed";
  }
  const byRows = (g: MatvecGroup, b: MatvecGroup["blocks"][number]) =>
    options.narrowStepsByRows === true &&
    !ir.nodes[b.x]!.onehot &&
    b.width <= (options.wideStepsByRows === true ? WIDE_BY_ROWS : NARROW_BY_ROWS) &&
    productPhase(ir, recurrent, g, b) === "step";
  for (const p of nodes)
    if (p.node.over !== undefined && (p.pre > 0 || p.post > 0))
      throw new Error(`internal error: %${p.node.id}, at every step of ${p.node.over}, is read through a delay`);
  const names = nameArrays(ir, nodes, groups, byRows, shared);
  const storedFirst = grad ? adjointsStoredFirst(grad, nodes, quantityNodes) : new Set<NodeId>();
  return {
    ir,
    names,
    grad,
    nodes,
    groups,
    groupOf,
    runs,
    quantityNodes,
    sourceNode,
    neededBackward,
    recurrent,
    kernelActivations: options.kernelActivations,
    links,
    attention,
    temporaries: grad ? nameTemporaries(grad, runOf, names.identifiers, storedFirst) : new Map(),
    storedFirst,
  };
}

/**
 * The nodes the recurrence needs, by whole units (a run, a product group or a node is
 * computed in one place): the units of the states read through delays, then those of every
 * operand of a unit already in, until nothing changes.
 */
function recurrentNodes(
  ir: IrModel,
  runOf: Map<NodeId, number>,
  groupOf: Map<NodeId, number>,
  sourceNode: Map<string, NodeId>,
): Set<NodeId> {
  const unitOf = (id: NodeId) =>
    runOf.has(id) ? `run ${runOf.get(id)}` : groupOf.has(id) ? `group ${groupOf.get(id)}` : `node ${id}`;
  const members = new Map<string, NodeId[]>();
  for (const n of ir.nodes) members.set(unitOf(n.id), [...(members.get(unitOf(n.id)) ?? []), n.id]);
  const computed = (id: NodeId) => !isLeaf(ir.nodes[id]!);
  const units = new Set<string>();
  const queue: string[] = [];
  const add = (id: NodeId) => {
    const unit = unitOf(id);
    if (!computed(id) || units.has(unit)) return;
    units.add(unit);
    queue.push(unit);
  };
  for (const n of ir.nodes) if (n.op === "delay") add(sourceNode.get(n.source)!);
  while (queue.length > 0) for (const id of members.get(queue.pop()!)!) for (const o of operands(ir.nodes[id]!)) add(o);
  return new Set(ir.nodes.filter((n) => units.has(unitOf(n.id)) && !n.backward).map((n) => n.id));
}

/** The forward values the backward IR reads (and the product blocks its weight gradients read), and what the losses score. */
function valuesNeededBackward(ir: IrModel, grad: GradIr | undefined): Set<NodeId> {
  const needed = new Set<NodeId>();
  for (const n of grad?.nodes ?? []) if (n.op === "value") needed.add(n.of);
  for (const u of grad?.updates ?? []) if (u.kind === "outer") needed.add(u.x);
  for (const l of ir.losses) needed.add(l.fusion ? l.fusion.input : l.prediction);
  return needed;
}

/**
 * Products with the same blocks (the gates of an LSTM or GRU all read [h[t-1], x]) become
 * one product with the weights stacked. A product that is a quantity, or that another
 * product reads, keeps its own contiguous buffer.
 */
function groupMatvecs(ir: IrModel, consumers: Map<NodeId, NodeId[]>, quantityNodes: Set<NodeId>): MatvecGroup[] {
  const groups: MatvecGroup[] = [];
  const byKey = new Map<string, MatvecGroup>();
  for (const n of ir.nodes) {
    if (n.op !== "apply" || nodeKind(n) !== "matvec") continue;
    const blocks = matvecBlocks(ir, n);
    // A grouped product lives in a slice of the group's rows: only element-wise code reads it there.
    const groupable = !quantityNodes.has(n.id) && (consumers.get(n.id) ?? []).every((c) => isElementwise(ir.nodes[c]!));
    const key = groupable ? JSON.stringify([n.backward === true, blocks]) : `single:${n.id}`;
    const existing = byKey.get(key);
    if (existing) {
      existing.offsets.push(existing.rows);
      existing.members.push(n.id);
      existing.rows += n.size;
      existing.direct = false;
      existing.shared = true;
      continue;
    }
    const direct = blocks.length === 1 && !ir.nodes[blocks[0]!.x]!.onehot;
    const group: MatvecGroup = {
      index: groups.length,
      members: [n.id],
      offsets: [0],
      rows: n.size,
      blocks,
      direct,
      shared: false,
      once: false,
      buffer: "",
      adjointBuffer: "",
      stacked: [],
      stackedGrads: [],
      transposed: [],
    };
    groups.push(group);
    byKey.set(key, group);
  }
  return groups;
}

/**
 * When a block's product is computed: before the time loops when its operand is an input
 * (no recurrence to wait for), between them for a readout product whose operand the
 * recurrence computed, else at every step of its loop. A whole-batch product over T·B rows
 * streams the weights once instead of once per step.
 */
export type ProductPhase = "before" | "between" | "step";

export function productPhase(
  ir: IrModel,
  recurrent: ReadonlySet<NodeId>,
  group: MatvecGroup,
  block: MatvecGroup["blocks"][number],
): ProductPhase {
  const x = ir.nodes[block.x]!;
  if (x.op === "input") return "before";
  // A product of another sequence's quantity at its every step is the same at every step: computed once, before.
  if (group.once) return "before";
  // Another value at every step of another sequence may keep one step only (NodePlan.oneStep).
  if (x.over !== undefined) return "step";
  const readout = timeLoopOf(ir, recurrent, group.members[0]!) === "readout";
  return readout && (x.op === "delay" || timeLoopOf(ir, recurrent, x.id) !== "readout") ? "between" : "step";
}

/** Which loop over time computes a node: the backward phase (from the last step down), the recurrence, or the readout after it. */
export type TimeLoop = "backward" | "recurrence" | "readout";

export function timeLoopOf(ir: IrModel, recurrent: ReadonlySet<NodeId>, id: NodeId): TimeLoop {
  return ir.nodes[id]!.backward ? "backward" : recurrent.has(id) ? "recurrence" : "readout";
}

/** A parameter spread over every step of another sequence (`spread_steps` of a bias or of `va`): the same at every step. */
function invariantSpread(ir: IrModel, n: IrNode): boolean {
  return n.op === "apply" && n.fn === "spread_steps" && ir.nodes[n.args[0]!]!.op === "param";
}

/**
 * Maximal stretches of consecutive element-wise nodes of one size: each becomes one fused
 * loop. Leaves are read in place and later members of a product group were computed with
 * its first, so neither interrupts a stretch (all four LSTM gates fuse into one loop).
 */
function elementwiseRuns(ir: IrModel, groups: MatvecGroup[]): ElementwiseRun[] {
  const computedEarlier = new Set(groups.flatMap((g) => g.members.slice(1)));
  const runs: ElementwiseRun[] = [];
  let current: ElementwiseRun | undefined;
  for (const n of ir.nodes) {
    // A parameter spread over the steps of another sequence is computed before the loops over time: read in place too.
    if (
      n.op === "param" ||
      n.op === "const" ||
      n.op === "delay" ||
      n.op === "mask" ||
      computedEarlier.has(n.id) ||
      invariantSpread(ir, n)
    )
      continue;
    if (!isElementwise(n)) {
      current = undefined;
      continue;
    }
    // A run is computed in one loop over time: the phases' loops run in opposite directions.
    // A run's rows are one per example, or one per example and step of the sequence its nodes are over.
    const first = current && ir.nodes[current.nodes[0]!]!;
    if (!current || current.size !== n.size || first!.backward !== n.backward || first!.over !== n.over) {
      current = { index: runs.length, nodes: [], size: n.size, loops: 1 };
      runs.push(current);
    }
    current.nodes.push(n.id);
  }
  return runs;
}

/**
 * With kernel activations, each sigmoid, tanh or exp of a run is applied by one kernel call
 * over the whole step, so the run becomes loops with kernel calls between them: an
 * activation is applied after the loop computing its operand (before the first loop when
 * the operand comes from outside the run), and a node is computed in the first loop after
 * all its operands exist. Values crossing from one loop or kernel to another are kept in
 * memory (`inMemory`): the kernel reads and writes buffers, and locals end with their loop.
 */
function splitRuns(ir: IrModel, runs: ElementwiseRun[], runOf: Map<NodeId, number>, options: PlanOptions) {
  const loop = new Map<NodeId, number>();
  const byKernel = new Set<NodeId>();
  const inMemory = new Set<NodeId>();
  for (const run of runs) {
    const inRun = (id: NodeId) => runOf.get(id) === run.index;
    for (const id of run.nodes) {
      const n = ir.nodes[id]!;
      const inputs = operands(n).filter(inRun);
      const operand = ir.nodes[operands(n)[0]!]!;
      const kernel =
        options.kernelActivations &&
        isElementwise(n) &&
        elementwiseOp(n.fn).rowKernel !== undefined &&
        !operand.scalar &&
        operand.op !== "param";
      if (kernel) {
        byKernel.add(id);
        inMemory.add(id);
        // After the loop computing the operand; a kernel operand was applied earlier in the same gap.
        const source = inputs[0];
        loop.set(id, source === undefined ? 0 : byKernel.has(source) ? loop.get(source)! : loop.get(source)! + 1);
        if (source !== undefined) inMemory.add(source);
      } else {
        loop.set(id, Math.max(0, ...inputs.map((o) => loop.get(o)!)));
      }
      for (const o of inputs) if (loop.get(o)! < loop.get(id)!) inMemory.add(o);
    }
    run.loops = 1 + Math.max(0, ...run.nodes.map((id) => loop.get(id)!));
  }
  return { loop, byKernel, inMemory };
}
