// @ts-check
/**
 * `npm run build:playground`: the playground as static files in dist/playground (any web
 * server can host them; `rnnc playground` serves them). esbuild bundles the page and its three
 * workers, the parts only some views need as files of their own loaded when first needed, and
 * a service worker that keeps them all so that the page works offline once it has loaded.
 * `--sizes` also prints what each file is made of (from esbuild's metafile).
 * Runs after `tsc` and tools/standalone-runtime/build.mjs: the workers bundle the runtime
 * index that script writes, to compile `--standalone` modules (playground/bundled.d.ts).
 */
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describeSizes } from "./sizes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "dist", "playground");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

/**
 * examples/*.rnn with the data each trains on and the batch each runs, and the texts of
 * examples/data (any of which a language model may train on), as the module "rnnc:examples".
 */
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
  const texts = readdirSync(join(dir, "data"))
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => dataOf(`data/${f}`, "text"));
  return `export default ${JSON.stringify(examples)};\nexport const texts = ${JSON.stringify(texts)};`;
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

/** What the page, its workers and the service worker share in the bundler's settings. */
const common = {
  absWorkingDir: root,
  bundle: true,
  format: /** @type {const} */ ("esm"),
  platform: /** @type {const} */ ("browser"),
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: /** @type {const} */ ("warning"),
  write: false,
};

// The page and its workers, each with what it imports; what a worker imports with import()
// (Graphviz, Prettier) is a file of its own, loaded when first needed, and what two of them
// share is a file both load.
const result = await build({
  ...common,
  entryPoints: {
    main: "playground/page/main.ts",
    "lsp-worker": "playground/workers/lsp.ts",
    "model-worker": "playground/workers/model.ts",
    "train-worker": "playground/workers/train.ts",
  },
  outdir: out,
  splitting: true,
  chunkNames: "[name]-[hash]",
  metafile: true,
  define: { RNNC_VERSION: JSON.stringify(version), "process.env": "{}" },
  plugins: [playgroundModules],
});

const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
for (const page of ["index.html", "style.css"])
  files.set(join(out, page), readFileSync(join(root, "playground", page)));

// The service worker that keeps all of them for offline use: their names, and a hash of their
// contents that makes each build's worker (and cache) a new one.
const names = [...files.keys()].map((path) => relative(out, path)).sort();
const hash = createHash("sha256");
for (const name of names) hash.update(name).update(files.get(join(out, name)) ?? "");
const serviceWorker = await build({
  ...common,
  entryPoints: ["playground/service-worker.ts"],
  outfile: join(out, "service-worker.js"),
  define: {
    RNNC_PRECACHE: JSON.stringify(["./", ...names]),
    RNNC_BUILD: JSON.stringify(hash.digest("hex").slice(0, 16)),
  },
});
for (const f of serviceWorker.outputFiles) files.set(f.path, f.contents);

// Each file written under a temporary name and renamed, and files of an earlier build removed
// after: a page served from here while it is rebuilt loads whole files, old or new.
mkdirSync(out, { recursive: true });
for (const [path, contents] of files) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}
for (const name of readdirSync(out)) if (!files.has(join(out, name))) rmSync(join(out, name), { recursive: true });
const bytes = [...files.values()].reduce((n, c) => n + c.length, 0);
process.stdout.write(`wrote dist/playground (${(bytes / 1e6).toFixed(1)} MB)\n`);
if (process.argv.includes("--sizes"))
  process.stdout.write(
    describeSizes(result.metafile, {
      // The training worker is started by the first training or run (playground/page/training.ts).
      startedWithPage: ["main.js", "lsp-worker.js", "model-worker.js"],
      pageFiles: ["index.html", "style.css", "service-worker.js"].reduce(
        (n, f) => n + (files.get(join(out, f))?.length ?? 0),
        0,
      ),
    }),
  );
