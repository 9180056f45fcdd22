/**
 * DOT → SVG in-process, with Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`,
 * which carries its wasm inside the JavaScript: nothing is downloaded and nothing needs to
 * be installed on the system). The module is loaded once, on first use.
 */
import { Graphviz } from "@hpcc-js/wasm-graphviz";

let graphviz: Promise<Graphviz> | undefined;

function load(): Promise<Graphviz> {
  graphviz ??= Graphviz.load();
  return graphviz;
}

/** Lays out DOT with `dot` and returns the SVG document. */
export async function renderSvg(dot: string): Promise<string> {
  return layout(dot, "svg");
}

/** Lays out DOT and returns Graphviz's output in a format it knows (`svg`, `json`, `dot`...). */
export async function layout(dot: string, format: "svg" | "json" | "dot"): Promise<string> {
  const g = await load();
  try {
    return g.layout(dot, format, "dot");
  } catch (e) {
    throw new Error(
      `internal error: Graphviz could not lay out the graph: ${e instanceof Error ? e.message.trim() : String(e)}`,
      { cause: e },
    );
  }
}

/** The version of Graphviz that renders, for `--version`-like reports and the docs. */
export async function graphvizVersion(): Promise<string> {
  return (await load()).version();
}
