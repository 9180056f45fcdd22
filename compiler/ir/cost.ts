/**
 * What one step of a model costs, counted from the IR: the multiply-adds of its matrix
 * products, which dominate a recurrent network's time. A one-hot block costs one column
 * lookup per row, not a product. Used to decide when a batch is worth splitting across
 * threads (an estimate: outputs read only at the last step are counted at every step).
 */
import { nodeKind } from "../ops/registry.js";
import { matvecBlocks, type IrModel } from "./ir.js";

/** Multiply-adds of one step of one sequence, forward only. */
export function multiplyAddsPerStep(ir: IrModel): number {
  let total = 0;
  for (const node of ir.nodes) {
    if (node.op !== "apply" || nodeKind(node) !== "matvec") continue;
    for (const block of matvecBlocks(ir, node)) total += node.size * (ir.nodes[block.x]!.onehot ? 1 : block.width);
  }
  return total;
}

/** Multiply-adds of the forward and backward pass over a batch: the backward pass does two products per forward one. */
export function trainingMultiplyAdds(ir: IrModel, T: number, B: number): number {
  return 3 * T * B * multiplyAddsPerStep(ir);
}
