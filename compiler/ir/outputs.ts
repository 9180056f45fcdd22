/** Which quantities a run shows when not told: `rnnc run` prints them, exported models print the same. */
import { operands, type IrModel } from "./ir.js";

/**
 * The predictions the losses score; for a model without a loss, the quantities nothing else
 * reads, or if every one is read (h = W @ h[t-1]), the states.
 */
export function defaultOutputs(ir: IrModel): string[] {
  const scored = ir.losses.map((l) => ir.quantities.find((q) => q.node === l.prediction)!.name);
  if (scored.length > 0) return [...new Set(scored)];
  const read = new Set(ir.nodes.flatMap((n) => (n.op === "delay" ? [n.source] : [])));
  const nodeOfQuantity = new Map(ir.quantities.map((q) => [q.node, q.name]));
  for (const n of ir.nodes) for (const o of operands(n)) if (nodeOfQuantity.has(o)) read.add(nodeOfQuantity.get(o)!);
  const unread = ir.quantities.map((q) => q.name).filter((n) => !read.has(n));
  return unread.length > 0 ? unread : ir.states.map((s) => s.name);
}
