// @ts-check
/**
 * What the playground's files are made of and when each is loaded, from esbuild's metafile:
 * the bytes the page loads as it opens (the files it and the workers it starts import), then
 * what each part loaded later adds (a dynamic import, a worker started later), and for every
 * file the packages or folders of rnnc that make up most of it.
 * `node tools/playground/build.mjs --sizes` prints it.
 */
import { basename } from "node:path";

/** The package (node_modules/NAME) or rnnc folder (compiler/graph) an input file belongs to. */
function owner(/** @type {string} */ path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? /** @type {string} */ (m[1]) : path.split("/").slice(0, 2).join("/");
}

const kB = (/** @type {number} */ n) => `${Math.round(n / 1000).toLocaleString("en-US")} kB`.padStart(9);

/**
 * @param {import("esbuild").Metafile} metafile
 * @param {{ startedWithPage: string[], pageFiles: number }} load the entry files (by name) the
 *   page loads as it opens, and the bytes of the files esbuild did not write (index.html,
 *   style.css, service-worker.js), which it loads too
 * @returns {string}
 */
export function describeSizes(metafile, load) {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, o]) => [basename(path), o]));
  /** A file and every file it imports statically, by name. */
  const withImports = (/** @type {string} */ name, seen = new Set()) => {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const i of outputs.get(name)?.imports ?? [])
      if (i.kind === "import-statement") withImports(basename(i.path), seen);
    return seen;
  };
  const bytes = (/** @type {Iterable<string>} */ names) =>
    [...names].reduce((n, f) => n + (outputs.get(f)?.bytes ?? 0), 0);
  const atOpen = new Set(load.startedWithPage.flatMap((name) => [...withImports(name)]));
  const later = [...outputs.keys()].filter(
    (name) =>
      !atOpen.has(name) &&
      (outputs.get(name)?.entryPoint !== undefined ||
        [...outputs.values()].some((o) =>
          o.imports.some((i) => i.kind === "dynamic-import" && basename(i.path) === name),
        )),
  );
  const lines = [
    `${kB(bytes(atOpen) + load.pageFiles)}  as the page opens: index.html, style.css, service-worker.js, ${load.startedWithPage.join(", ")} and ${atOpen.size - load.startedWithPage.length} files they import`,
  ];
  for (const name of later) {
    const adds = [...withImports(name)].filter((f) => !atOpen.has(f));
    lines.push(`${kB(bytes(adds))}  then, when first needed: ${adds.join(", ")}`);
  }
  lines.push(`${kB(bytes(outputs.keys()) + load.pageFiles)}  in all`, "", "each file, and its largest parts:");
  for (const [name, output] of [...outputs].sort((a, b) => b[1].bytes - a[1].bytes)) {
    /** @type {Map<string, number>} */
    const parts = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      parts.set(owner(input), (parts.get(owner(input)) ?? 0) + bytesInOutput);
    lines.push(`${kB(output.bytes)}  ${name}`);
    for (const [part, n] of [...parts].sort((a, b) => b[1] - a[1]).slice(0, 4))
      if (n >= 1000) lines.push(`${kB(n)}      ${part}`);
  }
  return `${lines.join("\n")}\n`;
}
