/**
 * The loops over time an exported model runs, in rnnc's order (engine/interpret is the
 * reference): one sequence after the other (compiler/ir/sequences.ts), and in each, when a
 * state is read ahead, a backward loop from the last step down before the forward loop. Each
 * loop is one method of the PyTorch model's class, named here, and one Scan of an ONNX graph.
 */
import type { IrModel } from "../ir/ir.js";
import { sequenceModels } from "../ir/sequences.js";
import { pyIdentifiers } from "./python.js";

export interface TimeLoop {
  /** The model of the loop's sequence alone (the whole model when it has one sequence). */
  part: IrModel;
  /** Its sequence's step variable, in a model of several. */
  sequence?: string;
  /** The backward phase: every step from the last down, computing what is read ahead. */
  backward: boolean;
  /** The method of the model's class that computes one step of it. */
  method: string;
  /** The model's losses (by index) whose predictions this loop computes. */
  losses: number[];
}

export function timeLoops(ir: IrModel): TimeLoop[] {
  const phases = sequenceModels(ir).flatMap(({ sequence, ir: part }) => {
    const own = ir.sequences ? { sequence } : {};
    const backward = part.nodes.some((n) => n.backward);
    return [...(backward ? [{ part, ...own, backward: true }] : []), { part, ...own, backward: false }];
  });
  const labels = phases.map((l) => [l.sequence, l.backward ? "backward" : undefined].filter(Boolean).join("_"));
  const methods = pyIdentifiers(labels, "step_");
  return phases.map((l, k) => ({
    ...l,
    method: labels[k] === "" ? "step" : methods.get(labels[k]!)!,
    losses: ir.losses.flatMap((loss, i) => {
      const prediction = ir.nodes[loss.prediction]!;
      return (prediction.sequence ?? "t") === (l.sequence ?? "t") && Boolean(prediction.backward) === l.backward
        ? [i]
        : [];
    }),
  }));
}
