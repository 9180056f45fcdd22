/**
 * `rnnc ir --grad FILE`: the backward IR of one step as text, in the notation of `rnnc ir`.
 * `%n` is forward node n's value at step t, `d%n` its adjoint, `%bN` a backward node;
 * `d%n[t+k]` is the adjoint a delay received k steps later. Each group of nodes is headed by
 * the equation (or loss) it differentiates.
 */
import { gradRowsOver, type GradId, type GradIr, type GradNode, type GradUpdate } from "./grad-ir.js";

export function printGradIr(grad: GradIr): string {
  const out = ["backward step t, for t = T-1 down to 0 (%n: forward node n's value at step t; d%n: its adjoint):"];
  // Backward nodes are numbered in order among those printed: forward values and constants are written where read.
  const numbers = new Map<GradId, number>();
  for (const n of grad.nodes)
    if (n.op !== "value" && n.op !== "const" && n.op !== "adjoint") numbers.set(n.id, numbers.size);
  const name = (id: GradId) => operandText(grad, id, numbers);
  let origin: string | undefined;
  const over = gradRowsOver(grad);
  for (const n of grad.nodes) {
    if (n.op === "value" || n.op === "const") continue;
    if (n.origin !== origin) {
      origin = n.origin;
      out.push(`  // ${origin}`);
    }
    const type = n.scalar ? "scalar" : `[${n.size}]${over[n.id] !== undefined ? ` at every ${over[n.id]}` : ""}`;
    const note = n.op === "adjoint" && n.masked ? "   padded rows to t-1" : "";
    out.push(`  ${name(n.id).padEnd(5)} = ${describe(grad, n, name).padEnd(44)} : ${type}${note}`);
  }
  if (grad.updates.length > 0) out.push("", "gradients, summed over the batch and the steps:");
  for (const u of grad.updates) out.push(`  ${describeUpdate(grad, u, name)}`);
  return out.join("\n") + "\n";
}

function operandText(grad: GradIr, id: GradId, numbers: ReadonlyMap<GradId, number>): string {
  const n = grad.nodes[id]!;
  switch (n.op) {
    case "value":
      return `%${n.of}`;
    case "const":
      return String(n.value);
    case "adjoint":
      return `d%${n.of}`;
    default:
      return `%b${numbers.get(id)}`;
  }
}

function describe(grad: GradIr, n: GradNode, name: (id: GradId) => string): string {
  const ir = grad.forward;
  switch (n.op) {
    case "target": {
      const target = ir.targets.find((t) => t.name === ir.losses[n.loss]!.target)!;
      return `target ${target.name}${target.kind === "class" ? " (one-hot)" : ""}`;
    }
    case "seed":
      return `seed ${name(n.args[0])} at the positions the loss scores`;
    case "adjoint": {
      const parts = [
        ...n.terms.map((t) => name(t.node)),
        ...n.later.map((d) => `d%${d}[t+${(ir.nodes[d] as { steps: number }).steps}]`),
        // What a later sequence's reads of this state at its last step received.
        ...(n.seeded ? [`d${ir.quantities.find((q) => q.node === n.of)!.name}[last] at t = last`] : []),
      ];
      return `sum ${parts.join(", ")}`;
    }
    case "apply": {
      const args = n.args.map(name).join(", ");
      if (n.param !== undefined) return `${n.fn} ${n.param}[:, ${n.col}:${n.col! + n.size}] @ ${args}`;
      if (n.col !== undefined) return `${n.fn} ${args}[${n.col}:${n.col + n.size}]`;
      return `${n.fn}${n.axis !== undefined ? ` over ${n.axis}` : ""} ${args}`;
    }
    default:
      return name(n.id);
  }
}

function describeUpdate(grad: GradIr, u: GradUpdate, name: (id: GradId) => string): string {
  switch (u.kind) {
    case "rows":
      return `${u.param} += ${name(u.from)}`;
    case "outer": {
      const x = grad.forward.nodes[u.x]!;
      const cols = grad.forward.params.find((p) => p.name === u.param)!.shape[1]!;
      const block = u.col === 0 && u.width === cols ? "" : `[:, ${u.col}:${u.col + u.width}]`;
      return `${u.param}${block} += ${name(u.dy)}ᵀ · ${x.onehot ? `onehot %${u.x}` : `%${u.x}`}`;
    }
    case "initial":
      return `${u.param} += ${name(u.from)} at t < ${u.steps}, unless the state was carried over`;
    case "last":
      return `d${u.source}[last] += ${name(u.from)}${u.steps === undefined ? "" : ` at t < ${u.steps}`}`;
    case "every":
      return `d${u.source} at every step += ${name(u.from)}`;
  }
}
