// @ts-check
/**
 * Builds the extension from rnnc's compiled output (`npm run build` in the repository, which
 * `npm ci` runs there):
 *
 * - syntaxes/rnn.tmLanguage.json: the TextMate grammar, made by compiler/lsp/textmate.ts from
 *   the compiler's own word lists;
 * - dist/extension.js: extension.js with vscode-languageclient, bundled by esbuild;
 * - dist/server.js: rnnc's language server (`rnnc lsp --stdio`) with everything it imports,
 *   bundled by esbuild, so the extension needs no rnnc installed;
 * - LICENSE: rnnc's.
 *
 * `npm run package` then makes the .vsix with vsce (see package.json).
 */
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const rnnc = here("../../");
const compiledLsp = `${rnnc}dist/compiler/lsp/`;

if (!existsSync(`${compiledLsp}server.js`)) {
  console.error(`build.mjs: ${compiledLsp}server.js is missing: run \`npm run build\` in ${rnnc} first`);
  process.exit(1);
}

const { textMateGrammar } = await import(`${compiledLsp}textmate.js`);
mkdirSync(here("syntaxes"), { recursive: true });
writeFileSync(here("syntaxes/rnn.tmLanguage.json"), JSON.stringify(textMateGrammar(), null, 2) + "\n");
copyFileSync(`${rnnc}LICENSE`, here("LICENSE"));

/** @type {import("esbuild").BuildOptions} */
const common = {
  bundle: true,
  platform: "node",
  // VS Code 1.90 (the oldest the manifest accepts) runs extensions and their servers in Node 20.
  target: "node20",
  format: "cjs",
  logLevel: "warning",
};
await build({
  ...common,
  entryPoints: [here("extension.js")],
  outfile: here("dist/extension.js"),
  external: ["vscode"],
});
await build({
  ...common,
  stdin: {
    contents: `import { startStdioServer } from "./server.js";\nstartStdioServer();\n`,
    resolveDir: compiledLsp,
    sourcefile: "rnnc-lsp-stdio.js",
  },
  outfile: here("dist/server.js"),
});
