/**
 * Railroad syntax diagrams of the grammar, as a self-contained HTML page: Chevrotain's
 * `createSyntaxDiagramsCode` over the parser's serialized productions, with the scripts and
 * stylesheet it would load from a CDN put inline, so `docs/syntax.html` opens offline.
 *
 *   npm run build && node dist/grammar/diagrams.js [OUT]      (OUT defaults to docs/syntax.html)
 *
 * `tests/grammar/diagrams.test.ts` fails when the committed page is out of date with the grammar.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createSyntaxDiagramsCode } from "chevrotain";
import { rnnParser } from "./parser.js";

/** The chevrotain package directory, where its `diagrams/` resources are. */
function chevrotainRoot(): string {
  // Resolves to <root>/lib/src/api.js (the package only exports its entry point).
  return resolve(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "..");
}

export function syntaxDiagramsHtml(): string {
  const base = "https://chevrotain.io/diagrams/"; // never fetched: every resource under it is inlined below
  let html = createSyntaxDiagramsCode(rnnParser.getSerializedGastProductions(), {
    resourceBase: base,
    css: `${base}diagrams.css`,
  });
  const root = chevrotainRoot();
  const resource = (path: string) =>
    readFileSync(join(root, "diagrams", path), "utf8").replace(/<\/script/gi, "<\\/script");
  const inline = (pattern: RegExp, replace: (path: string) => string) => {
    const before = html;
    html = html.replace(pattern, (_match, path: string) => replace(path));
    if (html === before) throw new Error(`createSyntaxDiagramsCode's output changed: no match for ${pattern}`);
  };
  const escaped = base.replace(/[.]/g, "\\.");
  inline(
    new RegExp(`<link rel='stylesheet' href='${escaped}([^']+)'>`, "g"),
    (path) => `<style>\n${resource(path)}\n</style>`,
  );
  inline(
    new RegExp(`<script src='${escaped}([^']+)'></script>`, "g"),
    (path) => `<script>\n${resource(path)}\n</script>`,
  );
  if (html.includes(base)) throw new Error("a diagrams resource was left to load from the network");
  const heading = [
    "<title>.rnn syntax diagrams</title>",
    '<h1 style="font-family: sans-serif; text-align: center">The <code>.rnn</code> grammar</h1>',
    '<p style="font-family: sans-serif; text-align: center">Generated from <code>grammar/parser.ts</code> by <code>grammar/diagrams.ts</code>; the meaning of each construct is in <a href="language.md">language.md</a>.</p>',
  ].join("\n");
  return html.replace('<div id="diagrams"', `${heading}\n<div id="diagrams"`);
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? "docs/syntax.html";
  writeAtomically(out, syntaxDiagramsHtml());
  process.stdout.write(`wrote ${out}\n`);
}
