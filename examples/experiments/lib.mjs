/** Shared helpers of the experiment scripts: the built CLI, options, result files. */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A module of the built project (run `npm run build` first). */
export async function loadDist(path) {
  const file = join(root, "dist", path);
  if (!existsSync(file)) {
    process.stderr.write(`${file} is missing: run 'npm run build' first\n`);
    process.exit(1);
  }
  return import(pathToFileURL(file).href);
}

/** `--name value` options with defaults (numbers stay numbers). */
export function options(defaults) {
  const argv = process.argv.slice(2);
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument '${argv[i]}'`);
    const key = m[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option --${m[1]} (options: ${Object.keys(defaults).join(", ")})`);
    const v = argv[++i];
    out[key] = typeof defaults[key] === "number" ? Number(v) : v;
  }
  return out;
}

/**
 * Makes way for a training run into `checkpoint`: an experiment re-run from the start replaces
 * the checkpoint its earlier run left (rnnc train refuses to overwrite one). Only a directory
 * holding an rnnc checkpoint is removed.
 */
export function freshCheckpoint(checkpoint) {
  if (!existsSync(join(checkpoint, "checkpoint.json"))) return checkpoint;
  process.stdout.write(`replacing the earlier run's checkpoint ${checkpoint}\n`);
  rmSync(checkpoint, { recursive: true });
  return checkpoint;
}

/** Runs `rnnc ARGS` from the project root; shows the command and, unless captured, its output. */
export function rnnc(args, { capture = false, allowFailure = false } = {}) {
  process.stdout.write(`$ rnnc ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [join(root, "bin/rnnc.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(r.stdout + r.stderr);
    throw new Error(`rnnc ${args[0]} failed (exit ${r.status})`);
  }
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * `rnnc train MODEL --data DATA` into a fresh `checkpoint` with the options every experiment
 * gives (`o.backend`, `o.epochs`, `o.batch`, `o.seed`) and `extra` ones; quiet but for the
 * start and the end of the run.
 */
export function train(model, data, checkpoint, o, extra = [], runOptions = {}) {
  return rnnc(
    [
      "train",
      "--backend",
      o.backend,
      model,
      "--data",
      data,
      "--epochs",
      String(o.epochs),
      "--batch",
      String(o.batch),
      "--seed",
      String(o.seed),
      "--checkpoint",
      freshCheckpoint(checkpoint),
      "--progress",
      "none",
      ...extra,
    ],
    runOptions,
  );
}

export function evalJson(model, checkpoint, data, backend = "interp") {
  return JSON.parse(
    rnnc(["eval", model, "--checkpoint", checkpoint, "--data", data, "--format", "json", "--backend", backend], {
      capture: true,
    }).stdout,
  );
}

/** rnnc's own mkdir -p: Node's recursive mkdir never returns where a file system refuses an entry (/proc). */
const { makeDirectories } = await loadDist("engine/io/directories.js");

export function ensureDir(dir) {
  makeDirectories(dir);
  return dir;
}

export function write(path, text) {
  ensureDir(dirname(path));
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}

export function markdownTable(header, rows) {
  return (
    [
      `| ${header.join(" | ")} |`,
      `|${header.map(() => "---").join("|")}|`,
      ...rows.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n") + "\n"
  );
}

export const pct = (x) => `${(100 * x).toFixed(1)}%`;
