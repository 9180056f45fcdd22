/**
 * The folded and unrolled graphs as `rnnc graph` draws them, by Graphviz compiled to
 * WebAssembly: a file of its own that the model worker loads when a graph is first shown.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { foldedGraph } from "../../compiler/graph/folded.js";
import { unrolledGraph } from "../../compiler/graph/unrolled.js";
import { toDot } from "../../compiler/graph/dot.js";
import { renderSvg } from "../../compiler/graph/render.js";

export async function drawGraphs(ir: IrModel, unroll: number): Promise<{ folded: string; unrolled: string }> {
  return {
    folded: await renderSvg(toDot(foldedGraph(ir, { params: true }))),
    unrolled: await renderSvg(toDot(unrolledGraph(ir, unroll))),
  };
}
