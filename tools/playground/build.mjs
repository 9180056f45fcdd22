// @ts-check
/**
 * `npm run build:playground`: the playground as static files in dist/playground (any web
 * server can host them; `rnnc playground` serves them). esbuild bundles the page and its three
 * workers, each with everything it imports, so that nothing is fetched once the page is loaded.
 * Runs after `tsc` and tools/standalone-runtime/build.mjs: the workers bundle the runtime
 * index that script writes, to compile `--standalone` modules (playground/bundled.d.ts).
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "dist", "playground");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

/** examples/*.rnn with the data each trains on and the batch each runs, as the module "rnnc:examples". */
function examplesModule() {
  const dir = join(root, "examples");
  const read = (name) => readFileSync(join(dir, name), "utf8");
  const dataOf = (file, format) => ({ name: `examples/${file}`, format, text: read(file) });
  const examples = readdirSync(dir)
    .filter((f) => f.endsWith(".rnn"))
    .sort()
    .map((file) => {
      const name = file.slice(0, -".rnn".length);
      const json = `data/${name}.json`;
      const hasBatch = readdirSync(join(dir, "data")).includes(`${name}.json`);
      const batch = hasBatch ? dataOf(json, "json") : undefined;
      // The language model trains on a text; the others on their JSON batch.
      const data = name === "char-lm" ? dataOf("data/fables.txt", "text") : batch;
      return { name, source: read(file), ...(data ? { data } : {}), ...(batch ? { batch } : {}) };
    });
  return `export default ${JSON.stringify(examples)};`;
}

/** @type {import("esbuild").Plugin} */
const playgroundModules = {
  name: "rnnc-playground",
  setup(b) {
    b.onResolve({ filter: /^rnnc:examples$/ }, () => ({ path: "examples", namespace: "rnnc" }));
    b.onLoad({ filter: /^examples$/, namespace: "rnnc" }, () => ({ contents: examplesModule(), loader: "js" }));
    b.onResolve({ filter: /^rnnc:runtime-index$/ }, () => ({
      path: join(root, "dist", "compiler", "codegen", "runtime-index.json"),
    }));
    // Node's modules have no place in a page: the three asked about memory and sizes get the
    // browser's answers (playground/platform/); any other is a mistake in what the page imports.
    b.onResolve({ filter: /^node:/ }, (args) => {
      const shim = { "node:os": "os.ts", "node:v8": "v8.ts", "node:buffer": "buffer.ts" }[args.path];
      if (shim) return { path: join(root, "playground", "platform", shim) };
      return { errors: [{ text: `${args.importer} imports ${args.path}, which a browser does not have` }] };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: {
    main: "playground/page/main.ts",
    "lsp-worker": "playground/workers/lsp.ts",
    "model-worker": "playground/workers/model.ts",
    "train-worker": "playground/workers/train.ts",
  },
  absWorkingDir: root,
  outdir: out,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: false,
  define: { RNNC_VERSION: JSON.stringify(version), "process.env": "{}" },
  plugins: [playgroundModules],
  logLevel: "warning",
  metafile: true,
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(root, "playground", file), join(out, file));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`wrote ${out} (${(bytes / 1e6).toFixed(1)} MB of scripts)\n`);
