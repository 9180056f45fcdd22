/**
 * The defaults a newcomer meets: one seed (1) for every command that draws random numbers;
 * `sample`, `eval` and `analyze` read the checkpoint `train` keeps by default.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { Rng } from "../../runtime/rng.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the default seed", () => {
  it.each(["run", "train", "sample", "analyze", "gradcheck"])("is 1 for rnnc %s", async (command) => {
    const help = (await rnnc("help", command)).out;
    // The option's entry: its line and the lines its description wraps onto.
    const entry = /^ {2}--seed <n>.*(?:\n {4,}.*)*/m.exec(help)?.[0];
    expect(entry?.replace(/\s+/g, " ")).toMatch(/\(default: 1\)$/);
  });

  it("rnnc run without --seed initialises as --seed 1 does, as rnnc train does", async () => {
    const run = (...seed: string[]) => rnnc("run", "examples/elman.rnn", "--data", "examples/data/elman.json", ...seed);
    const [unseeded, one, zero] = [await run(), await run("--seed", "1"), await run("--seed", "0")];
    expect(unseeded).toMatchObject({ code: 0, err: "" });
    expect(unseeded.out).toBe(one.out);
    expect(unseeded.out).not.toBe(zero.out);
  });

  it("is checked alike everywhere: a whole number below 2^32", async () => {
    for (const command of ["run", "gradcheck"]) {
      const bad = await rnnc(
        command,
        "examples/elman.rnn",
        "--data",
        "examples/data/elman.json",
        "--seed",
        "4294967296",
      );
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("expected a whole number from 0 to 4294967295");
    }
  });
});

/** The built CLI, run in `cwd` (the default run directory, runs/<model file name>, is relative to it). */
function rnncIn(cwd: string, ...argv: string[]) {
  const run = spawnSync(process.execPath, [join(root, "bin/rnnc.js"), ...argv], { cwd, encoding: "utf8" });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("the checkpoint rnnc train keeps by default (runs/<model file name>)", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-defaults-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "lm.rnn"), readFileSync(join(root, "examples/char-lm.rnn"), "utf8"));
  writeFileSync(join(dir, "text.txt"), toyCorpus(new Rng(1)));
  const small = ["--dim", "H=8", "--backend", "interp"];

  it("is missing before training: sample and eval say where they looked; analyze takes the initial weights", () => {
    const missing =
      "rnnc: no checkpoint in runs/lm, where rnnc train lm.rnn keeps its run: train the model first, or give --checkpoint DIR\n";
    expect(rnncIn(dir, "sample", "lm.rnn", ...small)).toEqual({ code: 1, out: "", err: missing });
    expect(rnncIn(dir, "eval", "lm.rnn", "--data", "text.txt", ...small)).toEqual({ code: 1, out: "", err: missing });
    const analyzed = rnncIn(dir, "analyze", "lm.rnn", "--dim", "H=8", "--dim", "V=20");
    expect(analyzed.code).toBe(0);
    expect(analyzed.out.split("\n")[0]).toBe("CharLM, initial weights from seed 1 (no checkpoint in runs/lm)");
  });

  it("is what sample, eval and analyze read once train has written it", () => {
    const trained = rnncIn(dir, "train", "lm.rnn", "--data", "text.txt", "--epochs", "1", "--seq-len", "16", ...small);
    expect(trained.code).toBe(0);
    expect(existsSync(join(dir, "runs/lm/checkpoint.json"))).toBe(true);

    const sampled = rnncIn(dir, "sample", "lm.rnn", "--length", "30", ...small);
    expect(sampled.code).toBe(0);
    expect(sampled.out).toBe(
      rnncIn(dir, "sample", "lm.rnn", "--length", "30", "--checkpoint", "runs/lm", ...small).out,
    );

    const evaluated = rnncIn(dir, "eval", "lm.rnn", "--data", "text.txt", "--format", "json", ...small);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.out)).toMatchObject({ model: "CharLM", checkpoint: "runs/lm" });
    expect(rnncIn(dir, "eval", "lm.rnn", "--data", "text.txt", ...small).out).toMatch(
      /^CharLM at step \d+ \(runs\/lm\) on /,
    );

    const analyzed = rnncIn(dir, "analyze", "lm.rnn");
    expect(analyzed.code).toBe(0);
    expect(analyzed.out.split("\n")[0]).toMatch(/^CharLM, checkpoint runs\/lm \(step \d+\)$/);
    expect(existsSync(join(dir, "runs/lm/analyze.svg"))).toBe(true);
    // A seed asks for initial weights, checkpoint or not.
    expect(rnncIn(dir, "analyze", "lm.rnn", "--seed", "1", "--dim", "V=20", ...small.slice(0, 2)).out).toMatch(
      /^CharLM, initial weights from seed 1\n/,
    );
  });
});

describe("every command that writes a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-wrote-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => join(dir, name);

  const cases: [string, string[], string, string][] = [
    [
      "compile -o x.ts",
      ["compile", "examples/elman.rnn", "-o", at("elman.ts")],
      at("elman.ts"),
      "TypeScript module of ElmanSentiment",
    ],
    [
      "compile --standalone -o x.js",
      ["compile", "examples/elman.rnn", "--standalone", "-o", at("elman.js")],
      at("elman.js"),
      "JavaScript module of ElmanSentiment, standalone",
    ],
    ["graph -o x.svg", ["graph", "examples/elman.rnn", "-o", at("elman.svg")], at("elman.svg"), "folded graph"],
    [
      "analyze --plot x.svg",
      ["analyze", "examples/elman.rnn", "--plot", at("a.svg")],
      at("a.svg"),
      "plot of the eigenvalues",
    ],
    [
      "analyze --format json --data D --plot x.svg (stdout stays JSON)",
      [
        "analyze",
        "examples/elman.rnn",
        "--data",
        "examples/data/elman.json",
        "--format",
        "json",
        "--plot",
        at("b.svg"),
      ],
      at("b.svg"),
      "plot of the eigenvalues and of ||dL/dh_t||",
    ],
  ];
  it.each(cases)("says what it wrote, on stderr: rnnc %s", async (_, argv, path, what) => {
    const run = await rnnc(...argv);
    expect(run.code).toBe(0);
    expect(run.err).toBe(`wrote ${path} (${what})\n`);
    expect(existsSync(path)).toBe(true);
    if (argv.includes("json")) expect(() => JSON.parse(run.out) as unknown).not.toThrow();
  });

  it("fmt --write names each file it rewrote, and only those", async () => {
    const messy = at("messy.rnn");
    const tidy = at("tidy.rnn");
    writeFileSync(messy, "model M {\n  dim H = 2\n  input   x : [H]\n  o = tanh(x)\n}\n");
    writeFileSync(tidy, "model M {\n  dim H = 2\n  input x : [H]\n  o = tanh(x)\n}\n");
    const run = await rnnc("fmt", "--write", messy, tidy);
    expect(run).toEqual({ code: 0, out: "", err: `wrote ${messy} (formatted)\n` });
    expect(readFileSync(messy, "utf8")).toBe(readFileSync(tidy, "utf8"));
  });
});
