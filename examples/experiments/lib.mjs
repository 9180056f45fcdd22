/** Shared helpers of the experiment scripts: the built CLI, options, result files. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** Every rnnc command this script ran, shown or not, for writeCommands. */
const commandsRun = [];

/** Writes `dir/commands.sh`: the rnnc commands the script ran, in order, to repeat any step by hand from the directory it ran in. */
export function writeCommands(dir) {
  const word = (arg) => (/^[\w./=:,@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
  write(join(dir, "commands.sh"), commandsRun.map((args) => `npx rnnc ${args.map(word).join(" ")}\n`).join(""));
}

/** Runs `rnnc ARGS` in the directory the script runs in (where its relative paths point), as commands.sh would; shows the command and, unless captured, its output. */
export function rnnc(args, { capture = false, allowFailure = false, quiet = false } = {}) {
  commandsRun.push(args);
  if (!quiet) process.stdout.write(`$ rnnc ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [join(root, "bin/rnnc.js"), ...args], {
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(r.stdout + r.stderr);
    throw new Error(`rnnc ${args[0]} failed (exit ${r.status})`);
  }
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** The arguments of `rnnc train MODEL --data DATA` into `checkpoint` with the options every experiment gives. */
function trainArgs(model, data, checkpoint, o, extra) {
  return [
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
  ];
}

/**
 * `rnnc train MODEL --data DATA` into a fresh `checkpoint` with the options every experiment
 * gives (`o.backend`, `o.epochs`, `o.batch`, `o.seed`) and `extra` ones; shows the command and
 * rnnc's own start and end lines.
 */
export function train(model, data, checkpoint, o, extra = [], runOptions = {}) {
  return rnnc(trainArgs(model, data, checkpoint, o, extra), runOptions);
}

/**
 * The same run shown as one progress bar labelled `label`, drawn from the steps and validations
 * rnnc logs to the checkpoint's metrics.jsonl: redrawn in place on a terminal, only its last state
 * elsewhere (a log, CI). rnnc's own output is kept for a failure: shown, with the command, before the script
 * exits with rnnc's status.
 */
export async function trainWithBar(label, model, data, checkpoint, o, extra = []) {
  const args = trainArgs(model, data, checkpoint, o, extra);
  commandsRun.push(args);
  await runWithBar(
    label,
    process.execPath,
    [join(root, "bin/rnnc.js"), ...args],
    join(checkpoint, "metrics.jsonl"),
    o.epochs,
    `$ rnnc ${args.join(" ")}`,
  );
}

/**
 * Runs `command args`, a training that logs its steps and validations to `metrics` as rnnc
 * train logs them to metrics.jsonl, shown as one progress bar labelled `label` (trainWithBar);
 * on a failure its output is shown after `shown` and the script exits with its status.
 */
export async function runWithBar(label, command, args, metrics, epochs, shown) {
  const started = Date.now();
  const live = Boolean(process.stdout.isTTY);
  const redraw = () => process.stdout.write(`\r\x1b[2K${barLine(label, readRecords(metrics), epochs, started)}`);
  const timer = live ? setInterval(redraw, 200) : undefined;
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const status = await new Promise((done) => child.on("close", done));
  clearInterval(timer);
  if (live) process.stdout.write("\r\x1b[2K");
  if (status !== 0) {
    process.stdout.write(`${shown}\n${output}`);
    process.exit(status ?? 1);
  }
  process.stdout.write(barLine(label, readRecords(metrics), epochs, started) + "\n");
}

/** The complete lines of a metrics.jsonl being written (none before the first step). */
function readRecords(file) {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

const barWidth = 24;

/** `label [████····]  45%  epoch 14/30  loss 0.3100  12 s`, and the validation accuracy once there is one. */
function barLine(label, records, epochs, started) {
  const steps = records.filter((r) => r.kind === "step");
  const validations = records.filter((r) => r.kind === "eval" && r.epoch_end);
  const last = steps.at(-1);
  // Steps per epoch are known once the first epoch ends; until then the bar counts epochs begun.
  const perEpoch = validations[0]?.step;
  const done = last ? (perEpoch ? last.step / (perEpoch * epochs) : (last.epoch - 1) / epochs) : 0;
  const filled = Math.round(Math.min(1, done) * barWidth);
  const parts = [
    `${label} [${"█".repeat(filled)}${"·".repeat(barWidth - filled)}] ${String(Math.round(100 * Math.min(1, done))).padStart(3)}%`,
    last ? `epoch ${last.epoch}/${epochs}` : "starting",
    ...(last ? [`loss ${last.loss.toFixed(4)}`] : []),
    ...(validations.at(-1)?.val_accuracy !== undefined ? [`val accuracy ${pct(validations.at(-1).val_accuracy)}`] : []),
    `${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  return parts.join("  ");
}

export function evalJson(model, checkpoint, data, backend = "interp", { quiet = false } = {}) {
  return JSON.parse(
    rnnc(["eval", model, "--checkpoint", checkpoint, "--data", data, "--format", "json", "--backend", backend], {
      capture: true,
      quiet,
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
