/**
 * The model's pictures and code, off the page's thread: the model checked on every request,
 * and the views the page asks for (those of the tab it shows), each in a file of its own
 * loaded the first time it is asked for: the graphs (graph-view.ts, with Graphviz) and the
 * TypeScript (typescript-view.ts, with Prettier).
 */
import type { ModelReply, ModelRequest } from "./messages.js";
import { checkedIr } from "./model-source.js";

const port = self as unknown as Worker;

port.onmessage = async (event: MessageEvent<ModelRequest>) => {
  const { id, source, unroll, views } = event.data;
  const reply = (r: ModelReply) => port.postMessage(r);
  try {
    const ir = checkedIr(source);
    const graphs = views.includes("graphs")
      ? await (await import("./graph-view.js")).drawGraphs(ir, unroll)
      : undefined;
    const typescript = views.includes("typescript")
      ? await (await import("./typescript-view.js")).compiledTypeScript(ir)
      : undefined;
    reply({ id, kind: "model", ...graphs, ...(typescript === undefined ? {} : { typescript }) });
  } catch (e) {
    reply({ id, kind: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
