/**
 * Invariants of the IR, checked between passes (lowering, unrolling, before code
 * generation). A failure is a compiler bug, so it throws with the node at fault.
 */
import { operands, type IrModel } from "./ir.js";

export function validateIr(ir: IrModel): void {
  const params = new Map(ir.params.map((p) => [p.name, p]));
  const states = new Map(ir.states.map((s) => [s.name, s]));
  const inputs = new Map(ir.inputs.map((i) => [i.name, i]));
  const fail = (id: number, why: string): never => {
    throw new Error(`invalid IR at %${id} (${ir.nodes[id]?.origin ?? "?"}): ${why}`);
  };
  ir.nodes.forEach((n, i) => {
    if (n.id !== i) fail(i, `id ${n.id} out of place`);
    for (const o of operands(n)) if (!(o >= 0 && o < i)) fail(i, `operand %${o} does not come before it`);
    const size = (id: number) => ir.nodes[id]!.size;
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
      case "matvec": {
        const p = params.get(n.param);
        if (!p || p.shape.length !== 2 || p.shape[0] !== n.size)
          fail(i, `matrix parameter ${n.param} of the wrong shape`);
        let col = 0;
        for (const b of n.blocks) {
          if (b.col !== col) fail(i, "matvec blocks do not tile the columns");
          col += size(b.x);
        }
        if (col !== p!.shape[1]) fail(i, `matvec blocks cover ${col} columns of ${p!.shape[1]}`);
        break;
      }
      case "add":
      case "sub":
      case "mul":
      case "div":
        for (const o of [n.a, n.b])
          if (!ir.nodes[o]!.scalar && size(o) !== n.size) fail(i, "element-wise operands of different sizes");
        if (ir.nodes[n.a]!.onehot || ir.nodes[n.b]!.onehot) fail(i, "a one-hot input outside a matvec");
        break;
      case "concat":
        if (n.parts.reduce((s, p) => s + size(p), 0) !== n.size) fail(i, "concatenation size");
        break;
      default:
        break;
    }
  });
  for (const q of ir.quantities) if (!ir.nodes[q.node]) throw new Error(`invalid IR: quantity ${q.name} has no node`);
  for (const s of ir.states)
    if (!ir.quantities.some((q) => q.name === s.name)) throw new Error(`invalid IR: state ${s.name} has no quantity`);
  // Each state keeps its own history (initial and carried values), so no two share a node.
  const stateNodes = ir.quantities.filter((q) => states.has(q.name)).map((q) => q.node);
  if (new Set(stateNodes).size !== stateNodes.length) throw new Error("invalid IR: two states share one node");
}
