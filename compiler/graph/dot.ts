/**
 * A drawing → Graphviz DOT text. Every piece of text that comes from the model (names,
 * equations) reaches DOT through `htmlText` (inside `<...>` HTML-like labels) or
 * `quoted` (inside "..." strings), so no name can break the DOT or inject into it. Node
 * ids are generated ASCII identifiers.
 */
import type { Drawing, GraphEdge, GraphNode } from "./graph.js";

/**
 * Graphviz in WebAssembly has no fonts: it estimates text widths from built-in metrics, which
 * it has for Helvetica (Arial) and Courier only (any other name gets Times). Courier's metrics
 * fit every monospace font, so equations, the widest text, are set in it and always fit.
 */
const FONT = "Helvetica";
const MONO = "Courier";

/** Colours and shapes: one look per kind of node. */
const NODE_STYLE: Record<string, string> = {
  input: `shape=ellipse, style=filled, fillcolor="#d8f0d2", color="#3f8f3a"`,
  target: `shape=ellipse, style=filled, fillcolor="#fbe0cc", color="#c0622b"`,
  quantity: `shape=box, style="rounded,filled", fillcolor="#dde8f7", color="#3d6aa8"`,
  gate: `shape=box, style="rounded,filled,bold", fillcolor="#fff1c4", color="#b8860b"`,
  delay: `shape=box, style="filled", fillcolor="#ecdff7", color="#7340a8", penwidth=1.6`,
  carry: `shape=point, width=0.09, color="#7340a8", fillcolor="#7340a8"`,
  initial: `shape=box, style="filled,dashed", fillcolor="#f4eefa", color="#7340a8"`,
  params: `shape=note, style=filled, fillcolor="#f2f2f2", color="#aaaaaa", fontcolor="#555555", fontsize=9, margin="0.06,0.03"`,
  loss: `shape=box, style="filled,diagonals", fillcolor="#f7d4d4", color="#b03030", penwidth=1.4`,
};

const EDGE_STYLE: Record<GraphEdge["kind"], string> = {
  data: `color="#555555"`,
  delay: `color="#7340a8", fontcolor="#7340a8", penwidth=1.6`,
  param: `color="#aaaaaa", style=dashed, arrowsize=0.6`,
  loss: `color="#b03030"`,
};

export function toDot(drawing: Drawing): string {
  const out: string[] = [];
  const unrolled = drawing.kind === "unrolled";
  out.push(`digraph rnnc {`);
  out.push(
    `  graph [rankdir=BT, newrank=true, fontname="${FONT}", fontsize=13, labelloc=t, labeljust=l, nodesep=0.25, ranksep=${unrolled ? 0.35 : 0.45}, ` +
      `label=<${[htmlText(drawing.title), ...drawing.subtitle.map((line) => `<FONT POINT-SIZE="10" COLOR="#555555">${htmlText(line)}</FONT>`)].join("<BR/>")}>];`,
  );
  out.push(`  node [fontname="${FONT}", fontsize=11, margin="0.16,0.06"];`);
  out.push(`  edge [fontname="${FONT}", fontsize=9, arrowsize=0.8];`);

  const byCluster = new Map<string | undefined, GraphNode[]>();
  for (const n of drawing.nodes) byCluster.set(n.cluster, [...(byCluster.get(n.cluster) ?? []), n]);
  for (const n of byCluster.get(undefined) ?? []) out.push(`  ${nodeLine(n)}`);
  for (const c of drawing.clusters) {
    out.push(`  subgraph cluster_${c.id} {`);
    out.push(
      `    graph [label=<<B>${htmlText(c.label)}</B>>, style="rounded,filled", fillcolor="#fafafa", color="#bbbbbb", fontsize=12, labeljust=c];`,
    );
    for (const n of byCluster.get(c.id) ?? []) out.push(`    ${nodeLine(n)}`);
    out.push(`  }`);
  }
  for (const group of drawing.sameRank) out.push(`  { rank=same; ${group.join("; ")}; }`);
  out.push(...timeAxis(drawing.leftToRight));
  for (const e of drawing.edges) out.push(`  ${edgeLine(e)}`);
  out.push(`}`);
  return out.join("\n") + "\n";
}

/**
 * Keeps nodes in order left to right, even when they sit in different clusters (Graphviz
 * orders clusters to cut crossings and ignores edges between them for that): an invisible
 * row of points, chained left to right, each with an invisible edge up to its node, makes
 * any other order cost crossings.
 */
function timeAxis(ids: readonly string[]): string[] {
  if (ids.length < 2) return [];
  const axis = ids.map((_, i) => `axis${i}`);
  return [
    ...axis.map((a) => `  ${a} [style=invis, shape=point, width=0, height=0, label=""];`),
    `  { rank=same; ${axis.join("; ")}; }`,
    `  ${axis.join(" -> ")} [style=invis];`,
    ...ids.map((id, i) => `  ${axis[i]} -> ${id} [style=invis];`),
  ];
}

function nodeLine(n: GraphNode): string {
  const style = n.kind === "quantity" && n.gate ? NODE_STYLE["gate"] : NODE_STYLE[n.kind];
  const attrs = [style, n.kind === "carry" ? `label=""` : `label=<${nodeLabel(n)}>`];
  if (n.tooltip) attrs.push(`tooltip=${quoted(n.tooltip)}`);
  if (n.kind === "quantity" && n.state) attrs.push(`peripheries=2`);
  return `${n.id} [${attrs.join(", ")}];`;
}

function nodeLabel(n: GraphNode): string {
  const rows: string[] = [];
  if (n.formula !== undefined)
    rows.push(`<FONT FACE="${MONO}"><B>${htmlText(n.title)}</B>${htmlText(` = ${n.formula}`)}</FONT>`);
  else if (n.title) rows.push(`<B>${htmlText(n.title)}</B>`);
  for (const line of n.lines)
    rows.push(n.kind === "params" ? htmlText(line) : `<FONT FACE="${MONO}" POINT-SIZE="10">${htmlText(line)}</FONT>`);
  if (n.note)
    rows.push(
      `<FONT${n.kind === "delay" || n.kind === "initial" ? ` FACE="${MONO}"` : ""} POINT-SIZE="9" COLOR="#666666">${htmlText(n.note)}</FONT>`,
    );
  return rows.join("<BR/>");
}

function edgeLine(e: GraphEdge): string {
  const attrs = [EDGE_STYLE[e.kind]];
  if (e.label) attrs.push(`label=<${htmlText(e.label)}>`);
  if (e.constraint === false) attrs.push(`constraint=false`);
  return `${e.from} -> ${e.to} [${attrs.join(", ")}];`;
}

/**
 * Model text made safe for any DOT context: any run of white space (a line break in an
 * equation) becomes one space; characters XML cannot carry (controls, lone surrogates,
 * U+FFFE/U+FFFF) become U+FFFD; and a backslash becomes U+29F5 (⧵), because Graphviz gives
 * `\N`, `\G`, `\n`... a meaning in every label and tooltip, HTML-like or not, with no escape
 * that survives both. (`.rnn` names and equations never hold one; hand-made IR might.)
 * Non-ASCII letters stay as they are: the DOT is UTF-8.
 */
function cleanText(text: string): string {
  return (
    text
      .replace(/\s+/gu, " ")
      // eslint-disable-next-line no-control-regex -- control characters are what this replaces
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF\uD800-\uDFFF]/gu, "\uFFFD")
      .replace(/\\/g, "\u29F5")
  );
}

/** Text for an HTML-like label `<...>`: markup characters become entities. */
export function htmlText(text: string): string {
  return cleanText(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * A DOT double-quoted string for a tooltip. Graphviz reads `\"` as a quote; and when it
 * writes the SVG it keeps anything that looks like an XML entity as one, so `&` is written
 * `&amp;` for `&amp;` in a name to show as itself.
 */
export function quoted(text: string): string {
  return `"${cleanText(text).replace(/&/g, "&amp;").replace(/"/g, '\\"')}"`;
}
