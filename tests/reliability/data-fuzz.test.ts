/**
 * Mutation fuzzing of the files rnnc reads besides models: the shipped batches
 * (examples/data/*.json), classification records (JSONL) and a text corpus made from them, and
 * weights (JSON and safetensors). Each run mutates one file (bytes flipped, inserted, deleted,
 * cut; a JSON value swapped for an awkward one; a safetensors header bent) and hands it to the
 * command that reads it. Every run must either succeed or exit non-zero with a clean message:
 * no stack trace, no "undefined", no exception escaping the command line, no hang.
 *
 * The budget is fixed for CI (FUZZ_RUNS per kind of file, from one seed, so a run is
 * reproducible); RNNC_FUZZ_RUNS sets more runs and RNNC_FUZZ_SEED another seed
 * (docs/reliability.md). A failure names its seed and run and keeps the mutated file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFailed } from "vitest";
import { rnnc, type CliRun } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";
import { serializeWeights } from "../../engine/io/weights-file.js";
import { initialWeights } from "../../engine/init-weights.js";
import { irFromFile } from "../support/models.js";

const FUZZ_RUNS = 100;
const runs = Number(process.env["RNNC_FUZZ_RUNS"] ?? FUZZ_RUNS);
const baseSeed = Number(process.env["RNNC_FUZZ_SEED"] ?? 13);
const scratch = mkdtempSync(join(tmpdir(), "rnnc-data-fuzz-"));

/** A kind of file: its unmutated seeds, and the command that reads one. */
interface Target {
  name: string;
  seeds: { name: string; bytes: Uint8Array }[];
  command(path: string, seed: string, run: number): string[];
}

const text = (s: string) => new TextEncoder().encode(s);
const json = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")) as { x: number[][]; y: number[]; lengths?: number[] };

/** The shipped examples' batches, each with its model. */
const examples = ["elman", "jordan", "elman-jordan", "gru", "lstm", "lstm-gates", "stacked", "regression", "char-lm"];

/** Classification records and a character corpus made from the shipped batches. */
function recordsFrom(batch: ReturnType<typeof json>, words: boolean): string {
  const B = batch.y.length;
  return Array.from({ length: B }, (_, b) => {
    const ids = batch.x.slice(0, batch.lengths?.[b] ?? batch.x.length).map((step) => step[b]!);
    return JSON.stringify(
      words
        ? { text: ids.map((id) => `w${id}`).join(" "), label: batch.y[b] ? "pos" : "neg" }
        : { tokens: ids, label: batch.y[b] },
    );
  }).join("\n");
}

const elmanBatch = json("examples/data/elman.json");
const corpus = json("examples/data/char-lm.json")
  .x.flat()
  .map((id, i) => (i % 17 === 16 ? "\n" : String.fromCharCode(97 + (id % 26))))
  .join("");
const elman = irFromFile("examples/elman.rnn");
const weights = initialWeights(elman, 3);

const trainArgs = (model: string, data: string, dims: string[], run: number) => [
  "train",
  model,
  "--data",
  data,
  ..."--epochs 1 --batch 2 --seq-len 4 --val-split 0 --backend interp --progress none".split(" "),
  ...dims.flatMap((d) => ["--dim", d]),
  "--checkpoint",
  join(scratch, `run-${run}`),
];

const targets: Target[] = [
  {
    name: "JSON batches (examples/data)",
    seeds: examples.map((name) => ({ name, bytes: readFileSync(`examples/data/${name}.json`) })),
    command: (path, seed, run) => [
      "run",
      `examples/${seed}.rnn`,
      "--data",
      path,
      "--backend",
      run % 2 ? "compiled" : "interp",
      ...(run % 3 === 0 ? ["--grad"] : []),
    ],
  },
  {
    name: "JSONL records",
    seeds: [
      { name: "tokens", bytes: text(recordsFrom(elmanBatch, false)) },
      { name: "text", bytes: text(recordsFrom(elmanBatch, true)) },
    ],
    command: (path, _, run) => trainArgs("examples/elman.rnn", path, ["H=4"], run),
  },
  {
    name: "a text corpus",
    seeds: [{ name: "corpus", bytes: text(corpus) }],
    command: (path, _, run) => trainArgs("examples/char-lm.rnn", path, ["H=4"], run),
  },
  {
    name: "weights",
    seeds: [
      { name: "json", bytes: serializeWeights(elman, weights, "json") },
      { name: "f64", bytes: serializeWeights(elman, weights, "safetensors-f64") },
      { name: "f32", bytes: serializeWeights(elman, weights, "safetensors-f32") },
    ],
    command: (path) => ["run", "examples/elman.rnn", "--weights", path, "--data", "examples/data/elman.json"],
  },
];

/** Values a JSON file is least ready for. */
const awkward: unknown[] = [
  -1,
  0,
  1.5,
  -0.5,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  99999999999,
  2 ** 31,
  2 ** 53 + 1,
  1e-320,
  null,
  true,
  "",
  "x",
  "__proto__",
  [],
  [[]],
  {},
  { __proto__: 1 },
  [1, [2, [3, [4]]]],
];
/** Bytes a parser is least ready for. */
const awkwardBytes = text(`[]{},:"-0e9.\n\t \\u`).reduce<number[]>((a, b) => [...a, b], [0x00, 0xff, 0xc3, 0x80, 0x7f]);

type Mutation = (bytes: Uint8Array, rng: Rng) => { bytes: Uint8Array; what: string };

const splice = (bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>) => {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
};

const mutations: Mutation[] = [
  (b, rng) => {
    const at = rng.int(Math.max(1, b.length));
    const out = b.slice();
    out[at] = out[at]! ^ (1 << rng.int(8));
    return { bytes: out, what: `bit flipped at ${at}` };
  },
  (b, rng) => {
    const at = rng.int(b.length + 1);
    const inserted = Array.from({ length: 1 + rng.int(4) }, () => awkwardBytes[rng.int(awkwardBytes.length)]!);
    return { bytes: splice(b, at, 0, inserted), what: `bytes ${inserted.join(",")} inserted at ${at}` };
  },
  (b, rng) => {
    const at = rng.int(b.length + 1);
    const n = 1 + rng.int(Math.min(16, Math.max(1, b.length - at)));
    return { bytes: splice(b, at, Math.min(n, b.length - at), []), what: `${n} bytes deleted at ${at}` };
  },
  (b, rng) => {
    const at = rng.int(b.length + 1);
    return { bytes: b.slice(0, at), what: `cut to ${at} bytes` };
  },
  (b, rng) => {
    const at = rng.int(b.length + 1);
    const n = rng.int(Math.min(64, b.length - at) + 1);
    return { bytes: splice(b, at, 0, b.subarray(at, at + n)), what: `${n} bytes at ${at} repeated` };
  },
  (b, rng) => {
    // A JSON value (or a JSONL line's value) swapped for an awkward one.
    const lines = new TextDecoder().decode(b).split("\n");
    const line = rng.int(lines.length);
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines[line]!);
    } catch {
      return { bytes: b, what: "no JSON to change" };
    }
    const replacement = awkward[rng.int(awkward.length)];
    const path = replaceRandomValue(parsed, replacement, rng);
    lines[line] = JSON.stringify(path.root);
    return {
      bytes: text(lines.join("\n")),
      what: `${path.where} on line ${line + 1} set to ${JSON.stringify(replacement)}`,
    };
  },
  (b, rng) => {
    // A safetensors header length bent: 2^60, zero, one more or less than the header, or random.
    if (b.length < 8 || b[7] !== 0) return { bytes: b, what: "not safetensors" };
    const view = new DataView(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const length = view.getBigUint64(0, true);
    const bent = [2n ** 60n, 0n, length + 1n, length - 1n, BigInt(rng.nextUint32())][rng.int(5)]!;
    view.setBigUint64(0, BigInt.asUintN(64, bent), true);
    return { bytes: new Uint8Array(view.buffer), what: `header length ${length} set to ${bent}` };
  },
];

/** Replaces a value chosen at random inside `root` (or `root` itself) with `value`. */
function replaceRandomValue(root: unknown, value: unknown, rng: Rng): { root: unknown; where: string } {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number; where: string }[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node))
      node.forEach((child, i) => {
        slots.push({ parent: node, key: i, where: `${where}[${i}]` });
        walk(child, `${where}[${i}]`);
      });
    else if (node !== null && typeof node === "object")
      for (const key of Object.keys(node)) {
        slots.push({ parent: node as Record<string, unknown>, key, where: `${where}.${key}` });
        walk((node as Record<string, unknown>)[key], `${where}.${key}`);
      }
  };
  walk(root, "$");
  if (slots.length === 0) return { root: value, where: "$" };
  const slot = slots[rng.int(slots.length)]!;
  (slot.parent as Record<string | number, unknown>)[slot.key] = value;
  return { root, where: slot.where };
}

/** Why a run's result is not clean, or undefined when it is. */
function uncleanBecause(r: CliRun): string | undefined {
  if (r.code === 0) return undefined;
  if (r.err.trim() === "") return `exit ${r.code} with nothing on stderr`;
  if (/^\s+at .+:\d+:\d+\)?$/m.test(r.err)) return "a stack trace";
  if (/\bundefined\b|\[object Object\]/.test(r.err)) return "'undefined' or '[object Object]' in the message";
  const last = r.err.trimEnd().split("\n").pop()!;
  if (!last.startsWith("rnnc: ")) return "the last line is not an rnnc message";
  return undefined;
}

describe.each(targets)("mutated $name", (target) => {
  it(`${runs} runs each end in a result or a clean message`, { timeout: 60_000 + runs * 3_000 }, async () => {
    let current = "";
    onTestFailed(() => console.error(`data-fuzz: ${current}`));
    for (let run = 0; run < runs; run++) {
      const seed = baseSeed * 1_000_003 + run;
      const rng = new Rng(seed);
      const source = target.seeds[rng.int(target.seeds.length)]!;
      let bytes = source.bytes;
      const applied: string[] = [];
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const m = mutations[rng.int(mutations.length)]!(bytes, rng);
        bytes = m.bytes;
        applied.push(m.what);
      }
      const path = join(scratch, `${target.name.replace(/\W+/g, "-")}-${run}${extension(target, source.name)}`);
      writeFileSync(path, bytes);
      const args = target.command(path, source.name, run);
      current = `RNNC_FUZZ_SEED=${baseSeed}, run ${run} (seed ${seed}): ${source.name} with ${applied.join("; ")}, kept in ${path}: rnnc ${args.join(" ")}`;
      let result: CliRun;
      try {
        result = await rnnc(...args);
      } catch (e) {
        throw new Error(`${current}\nthe command threw: ${(e as Error).stack}`, { cause: e });
      }
      const problem = uncleanBecause(result);
      expect(problem === undefined, `${current}\n${problem}:\n${result.err}`).toBe(true);
    }
  });
});

function extension(target: Target, seed: string): string {
  if (target.name.startsWith("JSONL")) return ".jsonl";
  if (target.name.startsWith("a text")) return ".txt";
  if (target.name === "weights") return seed === "json" ? ".json" : ".safetensors";
  return ".json";
}
