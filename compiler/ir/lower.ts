/**
 * Checked model → IR. Walks each equation (in dependency order) and emits nodes: each
 * operator, call and concatenation applies its op of the registry. Leaves (inputs, delays,
 * vector parameters, constants) are shared, element-wise ops of constants are folded,
 * `identity` disappears, and `W @ [a, b]` becomes one matvec over column blocks.
 */
import type * as A from "../../grammar/ast.js";
import { backwardPhase } from "../check/directions.js";
import type { CheckedModel } from "../check/model.js";
import { printExpr } from "../format/print-expr.js";
import { fold, read } from "../ops/expr.js";
import type { OpSpec } from "../ops/op.js";
import { callOp, lossForm, lossNamed, opNamed, operatorOp } from "../ops/registry.js";
import { stepReductions } from "../ops/steps.js";
import { readSettings } from "../check/settings.js";
import { isLastStep } from "../check/inits.js";
import { applies, type IrLoss, type IrMask, type IrModel, type IrNode, type IrOp, type NodeId } from "./ir.js";

/** A lowered expression: a node, or a constant not yet given a node. */
type Lowered = { node: NodeId } | { constant: number };

export function lower(model: CheckedModel): IrModel {
  const nodes: IrNode[] = [];
  const masks: IrMask[] = [];
  const quantityNode = new Map<string, NodeId>();
  const leaves = new Map<string, NodeId>();
  const params = new Map(model.params.map((p) => [p.name, p]));
  const inputs = new Map(model.inputs.map((i) => [i.name, i]));
  const states = new Map(model.states.map((s) => [s.name, s]));
  const quantities = new Map(model.quantities.map((q) => [q.name, q]));
  const targets = new Map(model.targets.map((t) => [t.name, t]));
  let origin = "";
  let backward = false;
  const multiple = model.sequences.length > 1;
  /** The sequence of the equation being lowered (in a model of several). */
  let sequence = model.sequences[0]!;

  const emit = (op: IrOp, size: number, extra: { scalar?: boolean; onehot?: boolean; over?: string } = {}): NodeId => {
    const id = nodes.length;
    const over = extra.over ?? (op.op === "apply" ? overOf(op) : undefined);
    nodes.push({
      ...op,
      id,
      size,
      scalar: extra.scalar ?? false,
      onehot: extra.onehot ?? false,
      origin,
      // Leaves are read by either phase; what the backward phase computes is marked.
      ...(backward && op.op === "apply" ? { backward } : {}),
      // Parameters and constants are read by every sequence; the rest is computed over one.
      ...(multiple && op.op !== "param" && op.op !== "const" ? { sequence } : {}),
      ...(over !== undefined ? { over } : {}),
    } as IrNode);
    return id;
  };
  /** The other sequence an application has a row at every step of: its steps op's, or its operands'. */
  const overOf = (op: Extract<IrOp, { op: "apply" }>): string | undefined => {
    const spec = opNamed(op.fn);
    if (spec.kind === "steps" && spec.rows !== "same") return spec.rows === "spread" ? op.axis : undefined;
    return op.args.map((a) => nodes[a]!.over).find((o) => o !== undefined);
  };
  /**
   * Operands read at the same step, in rows alike: where one has a row at every step of another
   * sequence (attention), the others are read at every step of it too; a score, one number,
   * beside a vector is repeated into one.
   */
  const alignRows = (args: NodeId[], elementwise: boolean): NodeId[] => {
    const axis = args.map((a) => nodes[a]!.over).find((o) => o !== undefined);
    const width = Math.max(...args.map(sizeOf));
    return args.map((a) => {
      const n = nodes[a]!;
      let id = a;
      if (axis !== undefined && n.over === undefined && !n.scalar)
        id = emit({ op: "apply", fn: "spread_steps", args: [id], axis }, n.size);
      if (elementwise && !n.scalar && n.size === 1 && width > 1)
        id = emit({ op: "apply", fn: "repeat", args: [id] }, width);
      return id;
    });
  };
  const leaf = (key: string, make: () => NodeId): NodeId => {
    const existing = leaves.get(key);
    if (existing !== undefined) return existing;
    const id = make();
    leaves.set(key, id);
    return id;
  };
  const materialize = (v: Lowered): NodeId =>
    "node" in v
      ? v.node
      : leaf(`const:${v.constant}`, () => emit({ op: "const", value: v.constant }, 1, { scalar: true }));
  const sizeOf = (id: NodeId) => nodes[id]!.size;
  /** A copy of a node: what a quantity that is only a leaf, or a per-sequence operand, becomes. */
  const copy = (id: NodeId) => emit({ op: "apply", fn: "identity", args: [id] }, sizeOf(id));

  const lowerRef = (name: string, at?: string): Lowered => {
    const q = quantityNode.get(name);
    const other = at !== undefined && at !== sequence ? quantities.get(name) : undefined;
    // e[s] in an equation of another sequence: e at every step of its own (attention).
    if (other !== undefined && other.sequence === at)
      return {
        node: leaf(`steps:${name}:${sequence}`, () =>
          emit({ op: "steps", source: name }, other.size.value, { over: at }),
        ),
      };
    if (q !== undefined) return { node: q };
    const input = inputs.get(name);
    if (input)
      return {
        node: leaf(`input:${name}`, () =>
          emit({ op: "input", input: name }, input.size.value, { onehot: input.encoding === "onehot" }),
        ),
      };
    const param = params.get(name);
    if (param) return { node: leaf(`param:${name}`, () => emit({ op: "param", param: name }, param.shape[0]!.value)) };
    throw new Error(
      `internal error: '${name}' has no value at lowering (the checker should have ordered or rejected it)`,
    );
  };

  const lowerDelay = (e: A.DelayExpr): Lowered => {
    if (isLastStep(e)) {
      const source = e.name.text;
      const size = states.get(source)!.size.value;
      return { node: leaf(`last:${source}:${sequence}`, () => emit({ op: "last", source }, size)) };
    }
    const steps = Math.abs(e.offset);
    const ahead = e.offset > 0;
    const name = e.name.text;
    const target = targets.get(name);
    // A target read at an earlier step is data, as an input is: the previous target (teacher forcing).
    if (target) {
      const onehot = target.kind === "class";
      const size = target.size.value;
      leaf(`target:${name}`, () => emit({ op: "input", input: name, fromTarget: true }, size, { onehot }));
      return {
        node: leaf(`delay:${name}:${e.offset}`, () => emit({ op: "delay", source: name, steps }, size, { onehot })),
      };
    }
    const input = inputs.get(name);
    // A delayed input reads the input node of an earlier step, so that node must exist even if nothing reads x at t.
    if (input) lowerRef(name);
    const size = input ? input.size.value : states.get(name)!.size.value;
    return {
      node: leaf(`delay:${name}:${e.offset}`, () =>
        emit({ op: "delay", source: name, steps, ...(ahead ? { ahead } : {}) }, size, {
          onehot: input?.encoding === "onehot",
        }),
      ),
    };
  };

  /** The blocks of the right operand of `@`: a concatenation is split, nested ones flattened. */
  const matvecBlocks = (e: A.Expr, out: NodeId[]): void => {
    if (e.kind === "concat") {
      for (const part of e.parts) matvecBlocks(part, out);
      return;
    }
    const x = materialize(lowerExpr(e));
    // A block is one vector per sequence; a parameter vector is copied into one.
    out.push(nodes[x]!.op === "param" ? copy(x) : x);
  };

  /** An op applied to operands: folded when it is element-wise and they are all constants. */
  const lowerApply = (spec: OpSpec, operandExprs: readonly A.Expr[]): Lowered => {
    const lowered = operandExprs.map(lowerExpr);
    if (spec.kind === "elementwise" && lowered.every((v) => "constant" in v)) {
      const constants = lowered.map((v) => (v as { constant: number }).constant);
      const value = fold(spec.expr(...constants.map((_, k) => read(k))), constants);
      if (value !== undefined) return { constant: value };
    }
    // A row-wise kernel reads one vector per sequence: a parameter vector is copied into one.
    const args = alignRows(
      lowered.map(materialize).map((id) => (spec.kind === "rowwise" && nodes[id]!.op === "param" ? copy(id) : id)),
      spec.kind === "elementwise",
    );
    const size =
      spec.kind === "concat"
        ? args.reduce((n, a) => n + sizeOf(a), 0)
        : spec.kind === "rowwise" && spec.rowsOfOperand
          ? 1
          : Math.max(...args.map(sizeOf));
    return { node: emit({ op: "apply", fn: spec.name, args }, size) };
  };

  /** `softmax(a, over = s, mask = x)`, `sum(a, over = s, mask = x)`: over the steps of s, its padding left out. */
  const lowerOverSteps = (call: A.CallExpr, axis: string): Lowered => {
    const operand = materialize(lowerExpr(call.args.find((a) => !a.name)!.value));
    const fn = stepReductions[call.callee.text]!;
    return { node: emit({ op: "apply", fn, args: [operand], axis }, sizeOf(operand)) };
  };

  /** An op with a drawn mask (dropout): its operands and a mask of its own, a new leaf. */
  const lowerMasked = (spec: OpSpec, call: A.CallExpr, operandExprs: readonly A.Expr[]): Lowered => {
    const args = operandExprs.map((x) => materialize(lowerExpr(x)));
    const settings = readSettings(call.callee.text, spec, call, () => {
      throw new Error(`internal error: ${printExpr(call)} reached lowering with wrong settings`);
    })!;
    const size = Math.max(...args.map(sizeOf));
    const mask: IrMask = {
      name: `dropout${masks.length + 1}`,
      size,
      p: settings["p"] as number,
      per: settings["per"] as IrMask["per"],
      origin: `${printExpr(call)} in ${origin}`,
    };
    masks.push(mask);
    const m = emit({ op: "mask", mask: mask.name }, size);
    return { node: emit({ op: "apply", fn: spec.name, args: [...args, m] }, size) };
  };

  const lowerExpr = (e: A.Expr): Lowered => {
    switch (e.kind) {
      case "number":
        return { constant: e.value };
      case "ref":
        return lowerRef(e.name.text, e.at?.text);
      case "delay":
        return lowerDelay(e);
      case "neg":
        return lowerApply(operatorOp("prefix", "-"), [e.operand]);
      case "binary": {
        if (e.op !== "@") return lowerApply(operatorOp("binary", e.op), [e.left, e.right]);
        const param = params.get((e.left as A.RefExpr).name.text)!;
        const blocks: NodeId[] = [];
        matvecBlocks(e.right, blocks);
        return {
          node: emit(
            { op: "apply", fn: operatorOp("binary", "@").name, args: alignRows(blocks, false), param: param.name },
            param.shape[0]!.value,
          ),
        };
      }
      case "concat":
        return lowerApply(operatorOp("brackets"), e.parts);
      case "call": {
        const over = e.args.find((a) => a.name?.text === "over")?.value;
        if (over?.kind === "ref") return lowerOverSteps(e, over.name.text);
        const spec = callOp(e.callee.text)!;
        const positional = e.args.filter((a) => !a.name).map((a) => a.value);
        // The identity is no computation: the argument stands for it (copied below where a quantity needs its own value).
        if (spec.name === "identity") return lowerExpr(positional[0]!);
        if (spec.drawnMask) return lowerMasked(spec, e, positional);
        return lowerApply(spec, positional);
      }
      case "error":
        throw new Error("internal error: an erroneous expression reached lowering");
    }
  };

  // The backward phase first: it never reads the forward one, so the order stays topological.
  const reads = new Map(model.quantities.map((q) => [q.name, q.sameStepReads]));
  const backwardQuantities = backwardPhase(
    new Map(model.states.map((s) => [s.name, s])),
    (name) => reads.get(name) ?? [],
  );
  // Sequence by sequence, in the order they are computed.
  const phased = model.sequences.flatMap((s) => {
    const over = model.quantities.filter((q) => q.sequence === s);
    return [
      ...over.filter((q) => backwardQuantities.has(q.name)),
      ...over.filter((q) => !backwardQuantities.has(q.name)),
    ];
  });
  for (const q of phased) {
    backward = backwardQuantities.has(q.name);
    sequence = q.sequence;
    origin = `${q.gate ? "gate " : ""}${q.name} = ${printExpr(q.equation.value)}`;
    let node = materialize(lowerExpr(q.equation.value));
    // A quantity owns its value (steps past a sequence's end overwrite it), so one that is
    // just an input, a delay or a parameter gets a copy of it. A state also owns its history
    // (what its delays read before step 0 is its own initial or carried value), so a state
    // that is just another state (`h2 = h1`) gets a copy too.
    const leafValue = ["input", "delay", "param", "steps"].includes(nodes[node]!.op);
    const anotherState = states.has(q.name) && [...quantityNode].some(([name, n]) => n === node && states.has(name));
    if (leafValue || anotherState) node = copy(node);
    quantityNode.set(q.name, node);
  }

  const losses: IrLoss[] = model.losses.map((l) => {
    const prediction = quantityNode.get(l.prediction)!;
    const node = nodes[prediction]!;
    const loss: IrLoss = { fn: l.fn, prediction, target: l.target, at: l.at, reduce: l.reduce };
    // A fused form is computed from the operand of the op that defines the prediction.
    const definedBy = node.op === "apply" ? node.fn : undefined;
    const fusedWith = lossForm(lossNamed(l.fn)!, definedBy).fusedWith;
    if (fusedWith !== undefined && applies(node, fusedWith)) loss.fusion = { kind: fusedWith, input: node.args[0]! };
    return loss;
  });

  return {
    name: model.name,
    dims: Object.fromEntries(model.dims.map((d) => [d.name, d.value])),
    inputs: model.inputs.map((i) => ({
      name: i.name,
      encoding: i.encoding,
      size: i.size.value,
      ...(multiple ? { sequence: i.sequence } : {}),
    })),
    targets: model.targets.map((t) => ({
      name: t.name,
      kind: t.kind,
      size: t.size.value,
      ...(multiple ? { sequence: t.sequence } : {}),
    })),
    params: model.params.map((p) => ({
      name: p.name,
      shape: p.shape.map((s) => s.value),
      init: p.init,
      ...(p.initialStateOf ? { initialStateOf: p.initialStateOf } : {}),
    })),
    states: model.states.map((s) => ({
      name: s.name,
      size: s.size.value,
      init: s.init,
      maxDelay: s.maxDelay,
      ...(s.maxAhead > 0 ? { maxAhead: s.maxAhead } : {}),
    })),
    nodes,
    quantities: model.quantities.map((q) => ({ name: q.name, node: quantityNode.get(q.name)!, gate: q.gate })),
    losses,
    masks,
    ...(multiple ? { sequences: model.sequences } : {}),
  };
}
