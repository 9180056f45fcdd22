// @ts-check
/**
 * `npm run build:playground`: the playground as static files in dist/playground (any web
 * server can host them; `rnnc playground` serves them). esbuild bundles the page and its three
 * workers, each with everything it imports, so that nothing is fetched once the page is loaded.
 * Runs after `tsc` and tools/standalone-runtime/build.mjs: the workers bundle the runtime
 * index that script writes, to compile `--standalone` modules (playground/bundled.d.ts).
 */
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
  write: false,
});

// Each file written under a temporary name and renamed, and files of an earlier build removed
// after: a page served from here while it is rebuilt loads whole files, old or new.
const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
for (const page of ["index.html", "style.css"])
  files.set(join(out, page), readFileSync(join(root, "playground", page)));
mkdirSync(out, { recursive: true });
for (const [path, contents] of files) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}
for (const name of readdirSync(out)) if (!files.has(join(out, name))) rmSync(join(out, name), { recursive: true });
const bytes = [...files.values()].reduce((n, c) => n + c.length, 0);
process.stdout.write(`wrote dist/playground (${(bytes / 1e6).toFixed(1)} MB)\n`);
