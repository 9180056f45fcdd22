/**
 * Checked model → IR. Walks each equation (in dependency order) and emits nodes; leaves
 * (inputs, delays, vector parameters, constants) are shared, constant arithmetic is folded,
 * `identity` disappears, and `W @ [a, b]` becomes one matvec over column blocks.
 */
import type * as A from "../../grammar/ast.js";
import type { CheckedModel } from "../check/model.js";
import { printExpr } from "../format/print-expr.js";
import type { ElementwiseActivation, IrLoss, IrModel, IrNode, IrOp, MatvecBlock, NodeId } from "./ir.js";

/** A lowered expression: a node, or a constant not yet given a node. */
type Lowered = { node: NodeId } | { constant: number };

export function lower(model: CheckedModel): IrModel {
  const nodes: IrNode[] = [];
  const quantityNode = new Map<string, NodeId>();
  const leaves = new Map<string, NodeId>();
  const params = new Map(model.params.map((p) => [p.name, p]));
  const inputs = new Map(model.inputs.map((i) => [i.name, i]));
  const states = new Map(model.states.map((s) => [s.name, s]));
  let origin = "";

  const emit = (op: IrOp, size: number, extra: { scalar?: boolean; onehot?: boolean } = {}): NodeId => {
    const id = nodes.length;
    nodes.push({ ...op, id, size, scalar: extra.scalar ?? false, onehot: extra.onehot ?? false, origin } as IrNode);
    return id;
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

  const lowerRef = (name: string): Lowered => {
    const q = quantityNode.get(name);
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
    const steps = -e.offset;
    const name = e.name.text;
    const input = inputs.get(name);
    // A delayed input reads the input node of an earlier step, so that node must exist even if nothing reads x at t.
    if (input) lowerRef(name);
    const size = input ? input.size.value : states.get(name)!.size.value;
    return {
      node: leaf(`delay:${name}:${steps}`, () =>
        emit({ op: "delay", source: name, steps }, size, { onehot: input?.encoding === "onehot" }),
      ),
    };
  };

  /** The blocks of the right operand of `@`: a concatenation is split, nested ones flattened. */
  const matvecBlocks = (e: A.Expr, col: number, out: MatvecBlock[]): number => {
    if (e.kind === "concat") {
      for (const part of e.parts) col = matvecBlocks(part, col, out);
      return col;
    }
    let x = materialize(lowerExpr(e));
    // A block is one vector per sequence; a parameter vector is copied into one.
    if (nodes[x]!.op === "param") x = emit({ op: "activation", fn: "identity", a: x }, sizeOf(x));
    out.push({ x, col });
    return col + sizeOf(x);
  };

  const lowerBinary = (e: A.BinaryExpr): Lowered => {
    if (e.op === "@") {
      const param = params.get((e.left as A.RefExpr).name.text)!;
      const blocks: MatvecBlock[] = [];
      matvecBlocks(e.right, 0, blocks);
      return { node: emit({ op: "matvec", param: param.name, blocks }, param.shape[0]!.value) };
    }
    const a = lowerExpr(e.left);
    const b = lowerExpr(e.right);
    if ("constant" in a && "constant" in b) return { constant: fold(e.op, a.constant, b.constant) };
    const op = ({ "+": "add", "-": "sub", "*": "mul", "/": "div" } as const)[e.op];
    const an = materialize(a);
    const bn = materialize(b);
    return { node: emit({ op, a: an, b: bn }, Math.max(sizeOf(an), sizeOf(bn))) };
  };

  const lowerCall = (e: A.CallExpr): Lowered => {
    const arg = lowerExpr(e.args[0]!.value);
    const fn = e.callee.text;
    if (fn === "identity") return arg;
    if ("constant" in arg && fn !== "softmax" && fn !== "log_softmax")
      return { constant: foldActivation(fn, arg.constant) };
    const a = materialize(arg);
    const size = sizeOf(a);
    if (fn === "softmax" || fn === "log_softmax") return { node: emit({ op: fn, a }, size) };
    return { node: emit({ op: "activation", fn: fn as ElementwiseActivation, a }, size) };
  };

  const lowerExpr = (e: A.Expr): Lowered => {
    switch (e.kind) {
      case "number":
        return { constant: e.value };
      case "ref":
        return lowerRef(e.name.text);
      case "delay":
        return lowerDelay(e);
      case "neg": {
        const a = lowerExpr(e.operand);
        return "constant" in a ? { constant: -a.constant } : { node: emit({ op: "neg", a: a.node }, sizeOf(a.node)) };
      }
      case "binary":
        return lowerBinary(e);
      case "concat": {
        const parts = e.parts.map((p) => materialize(lowerExpr(p)));
        return {
          node: emit(
            { op: "concat", parts },
            parts.reduce((n, p) => n + sizeOf(p), 0),
          ),
        };
      }
      case "call":
        return lowerCall(e);
      case "error":
        throw new Error("internal error: an erroneous expression reached lowering");
    }
  };

  for (const q of model.quantities) {
    origin = `${q.gate ? "gate " : ""}${q.name} = ${printExpr(q.equation.value)}`;
    let node = materialize(lowerExpr(q.equation.value));
    // A quantity owns its value (steps past a sequence's end overwrite it), so one that is
    // just an input, a delay or a parameter gets a copy of it. A state also owns its history
    // (what its delays read before step 0 is its own initial or carried value), so a state
    // that is just another state (`h2 = h1`) gets a copy too.
    const leafValue = ["input", "delay", "param"].includes(nodes[node]!.op);
    const anotherState = states.has(q.name) && [...quantityNode].some(([name, n]) => n === node && states.has(name));
    if (leafValue || anotherState) node = emit({ op: "activation", fn: "identity", a: node }, sizeOf(node));
    quantityNode.set(q.name, node);
  }

  const losses: IrLoss[] = model.losses.map((l) => {
    const prediction = quantityNode.get(l.prediction)!;
    const node = nodes[prediction]!;
    const loss: IrLoss = { fn: l.fn, prediction, target: l.target, at: l.at, reduce: l.reduce };
    if (l.fn === "cross_entropy" && (node.op === "softmax" || node.op === "log_softmax"))
      loss.fusion = { kind: node.op, input: node.a };
    if (l.fn === "binary_cross_entropy" && node.op === "activation" && node.fn === "sigmoid")
      loss.fusion = { kind: "sigmoid", input: node.a };
    return loss;
  });

  return {
    name: model.name,
    dims: Object.fromEntries(model.dims.map((d) => [d.name, d.value])),
    inputs: model.inputs.map((i) => ({ name: i.name, encoding: i.encoding, size: i.size.value })),
    targets: model.targets.map((t) => ({ name: t.name, kind: t.kind, size: t.size.value })),
    params: model.params.map((p) => ({
      name: p.name,
      shape: p.shape.map((s) => s.value),
      init: p.init,
      ...(p.initialStateOf ? { initialStateOf: p.initialStateOf } : {}),
    })),
    states: model.states.map((s) => ({ name: s.name, size: s.size.value, init: s.init, maxDelay: s.maxDelay })),
    nodes,
    quantities: model.quantities.map((q) => ({ name: q.name, node: quantityNode.get(q.name)!, gate: q.gate })),
    losses,
  };
}

function fold(op: "+" | "-" | "*" | "/", a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
  }
}

function foldActivation(fn: string, x: number): number {
  switch (fn) {
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "tanh":
      return Math.tanh(x);
    case "relu":
      return Math.max(0, x);
    case "exp":
      return Math.exp(x);
    case "log":
      return Math.log(x);
  }
  throw new Error(`internal error: cannot fold ${fn}`);
}
