/**
 * The model's pictures and code, off the page's thread: the folded and unrolled graphs as
 * `rnnc graph` draws them (Graphviz compiled to WebAssembly), and the TypeScript module as
 * `rnnc compile` writes it (formatted by Prettier, as the command does).
 */
import * as prettier from "prettier/standalone";
import * as estree from "prettier/plugins/estree";
import * as typescript from "prettier/plugins/typescript";
import { foldedGraph } from "../../compiler/graph/folded.js";
import { unrolledGraph } from "../../compiler/graph/unrolled.js";
import { toDot } from "../../compiler/graph/dot.js";
import { renderSvg } from "../../compiler/graph/render.js";
import { emitModule } from "../../compiler/codegen/emit-module.js";
import { defaultKernelTier } from "../../compiler/codegen/kernel-tier.js";
import type { ModelReply, ModelRequest } from "./messages.js";
import { checkedIr, rnncVersion } from "./model-source.js";

const port = self as unknown as Worker;

port.onmessage = async (event: MessageEvent<ModelRequest>) => {
  const { id, source, unroll } = event.data;
  const reply = (r: ModelReply) => port.postMessage(r);
  try {
    const ir = checkedIr(source);
    const module = emitModule(ir, {
      dtype: "f64",
      kernels: defaultKernelTier,
      runtime: { kind: "import", from: "rnnc/runtime" },
      sourceName: "model.rnn",
      version: rnncVersion,
    });
    reply({
      id,
      kind: "model",
      folded: await renderSvg(toDot(foldedGraph(ir, { params: true }))),
      unrolled: await renderSvg(toDot(unrolledGraph(ir, unroll))),
      typescript: await prettier.format(module, {
        parser: "typescript",
        plugins: [estree, typescript],
        printWidth: 120,
      }),
    });
  } catch (e) {
    reply({ id, kind: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
