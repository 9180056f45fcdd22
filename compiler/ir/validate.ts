/**
 * Invariants of the IR, checked between passes (lowering, unrolling, before code
 * generation). A failure is a compiler bug, so it throws with the node at fault.
 */
import { opNamed } from "../ops/registry.js";
import { matvecBlocks, operands, type ApplyNode, type IrModel, type IrParam } from "./ir.js";

export function validateIr(ir: IrModel): void {
  const params = new Map(ir.params.map((p) => [p.name, p]));
  const states = new Map(ir.states.map((s) => [s.name, s]));
  // A target read at an earlier step is read as an input (teacher forcing).
  const inputs = new Map<string, unknown>([...ir.inputs, ...ir.targets].map((i) => [i.name, i]));
  const fail = (id: number, why: string): never => {
    throw new Error(`invalid IR at %${id} (${ir.nodes[id]?.origin ?? "?"}): ${why}`);
  };
  ir.nodes.forEach((n, i) => {
    if (n.id !== i) fail(i, `id ${n.id} out of place`);
    for (const o of operands(n)) if (!(o >= 0 && o < i)) fail(i, `operand %${o} does not come before it`);
    switch (n.op) {
      case "input":
        if (!inputs.has(n.input)) fail(i, `unknown input ${n.input}`);
        break;
      case "delay":
        if (!states.has(n.source) && !inputs.has(n.source))
          fail(i, `delay of ${n.source}, which is neither a state nor an input`);
        if (!(Number.isInteger(n.steps) && n.steps > 0)) fail(i, `delay of ${n.steps} steps`);
        break;
      case "param": {
        const p = params.get(n.param);
        if (!p || p.shape.length !== 1 || p.shape[0] !== n.size)
          fail(i, `vector parameter ${n.param} of the wrong shape`);
        break;
      }
      case "const":
        break;
      case "steps":
        if (n.over === undefined) fail(i, `${n.source} at every step of no other sequence`);
        break;
      case "mask": {
        const mask = ir.masks.find((m) => m.name === n.mask);
        if (!mask || mask.size !== n.size) fail(i, `mask ${n.mask} undeclared or of the wrong size`);
        break;
      }
      case "apply": {
        const why = applicationError(ir, n, params);
        if (why) fail(i, why);
        break;
      }
    }
  });
  for (const q of ir.quantities) if (!ir.nodes[q.node]) throw new Error(`invalid IR: quantity ${q.name} has no node`);
  for (const s of ir.states)
    if (!ir.quantities.some((q) => q.name === s.name)) throw new Error(`invalid IR: state ${s.name} has no quantity`);
  // Each state keeps its own history (initial and carried values), so no two share a node.
  const stateNodes = ir.quantities.filter((q) => states.has(q.name)).map((q) => q.node);
  if (new Set(stateNodes).size !== stateNodes.length) throw new Error("invalid IR: two states share one node");
}

/** What is wrong with an application, by its op's kind, or undefined. */
function applicationError(ir: IrModel, n: ApplyNode, params: Map<string, IrParam>): string | undefined {
  const spec = opNamed(n.fn);
  const args = n.args.map((a) => ir.nodes[a]!);
  if (spec.arity !== "any" && spec.kind !== "matvec" && args.length !== spec.arity)
    return `${n.fn} of ${args.length} operands, not ${spec.arity}`;
  if (spec.kind !== "matvec" && args.some((a) => a.onehot)) return "a one-hot input outside a matvec";
  switch (spec.kind) {
    case "elementwise":
      if (args.some((a) => !a.scalar && a.size !== n.size)) return "element-wise operands of different sizes";
      return undefined;
    case "rowwise":
      if (spec.rowsOfOperand)
        return n.size === 1 && args.every((a) => !a.scalar) ? undefined : `${n.fn} of a vector is one number`;
      if (args.some((a) => a.scalar || (a.size !== n.size && !(spec.name === "repeat" && a.size === 1))))
        return "row-wise operands that are not vectors of its size";
      if (args.some((a) => a.op === "param")) return "a row-wise op reading a parameter in place";
      return undefined;
    case "matvec": {
      const p = params.get(n.param ?? "");
      if (!p || p.shape.length !== 2 || p.shape[0] !== n.size) return `matrix parameter ${n.param} of the wrong shape`;
      const cols = matvecBlocks(ir, n).reduce((c, b) => c + b.width, 0);
      if (cols !== p.shape[1]) return `matvec blocks cover ${cols} columns of ${p.shape[1]}`;
      if (args.some((a) => a.op === "param")) return "a matvec block reading a parameter in place";
      return undefined;
    }
    case "concat":
      if (args.reduce((s, a) => s + a.size, 0) !== n.size) return "concatenation size";
      return undefined;
    case "steps":
      if (n.axis === undefined || args[0]!.size !== n.size) return `${n.fn} over no sequence, or of another size`;
      if ((spec.rows === "spread") === (args[0]!.over !== undefined)) return `${n.fn} of rows it cannot move`;
      return undefined;
    default:
      return `${n.fn} is not an op of the forward IR`;
  }
}
