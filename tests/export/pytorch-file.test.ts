/**
 * The file `rnnc export --to pytorch` writes: readable (each equation under a comment giving
 * it), safe for any name a `.rnn` file can hold, a module whose state_dict holds exactly the
 * .rnn names, and a command that reports bad input in one line, never with a traceback.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { irFromFile } from "../support/models.js";
import { PYTHON_SETUP_MS, python, runExportedJobs, runProcess, type JobResult } from "../support/python.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-export-file-"));

/** Names a Python file would trip over: its words, nn.Module's attributes, quotes, backslashes, other scripts. */
const awkward = `model Awkward {
  dim H = 3
  input x : [H]
  target y : [H]
  param train : [H, H]
  param state_dict : [H]
  param _parameters : [H] = 0.5
  param λ : [H, H]
  state settle : [H] = learned
  cell ns = elman(x, size = H)
  settle = tanh(train @ settle[t-1] + state_dict * x + λ @ ns)
  __init__ = settle * _parameters
  loss mse(__init__, y) at each
}
`;

describe("rnnc export --to pytorch: the file", () => {
  const files: Record<string, string> = {};
  let results: JobResult[] = [];
  const awkwardModel = join(dir, "awkward.rnn");
  writeFileSync(awkwardModel, awkward);
  // A file name that would end a comment line or a string literal, and a quote.
  const oddlyNamed = join(dir, 'line\nbreak "quoted" \\ back.rnn');
  writeFileSync(oddlyNamed, readFileSync("examples/elman.rnn", "utf8"));

  beforeAll(async () => {
    for (const [name, model] of [
      ["lstm-gates", "examples/lstm-gates.rnn"],
      ["stacked", "examples/stacked.rnn"],
      ["awkward", awkwardModel],
      ["oddly-named", oddlyNamed],
      ["translate", "examples/translate.rnn"],
    ]) {
      files[name] = join(dir, `${name}.py`);
      expect((await rnnc("export", model, "--to", "pytorch", "-o", files[name]!)).code).toBe(0);
    }
    results = await runExportedJobs([
      { module: files["stacked"]!, state_dict: true },
      { module: files["awkward"]!, state_dict: true },
      { module: files["oddly-named"]!, argv: ["run", "--data", "examples/data/elman.json"] },
      { module: files["lstm-gates"]!, argv: ["run", "--data", join(dir, "missing.json")] },
      { module: files["lstm-gates"]!, argv: ["run", "--data", "examples/data/elman.json"] },
      { module: files["lstm-gates"]!, argv: ["run", "--data", "examples/data/lstm-gates.json", "--outputs", "o,nope"] },
      {
        module: files["lstm-gates"]!,
        argv: ["run", "--data", "examples/data/lstm-gates.json", "--weights", "examples/data/elman.json"],
      },
      {
        module: files["translate"]!,
        argv: ["train", "--data", "examples/data/fables.txt", "--checkpoint", join(dir, "never")],
      },
    ]);
  }, PYTHON_SETUP_MS);

  it("gives each equation as a comment above the code computing it, in the model's order", () => {
    const text = readFileSync(files["lstm-gates"]!, "utf8");
    const step = text.slice(text.indexOf("def step("), text.indexOf("def loss_terms("));
    const comments = [...step.matchAll(/^ {8}# (.*)$/gm)].map((m) => m[1]);
    expect(comments).toEqual([
      "gate f = sigmoid(Wf @ [h[t-1], x] + bf)",
      "gate i = sigmoid(Wi @ [h[t-1], x] + bi)",
      "Cc = tanh(Wc @ [h[t-1], x] + bc)",
      "C = f * C[t-1] + i * Cc",
      "gate og = sigmoid(Wo @ [h[t-1], x] + bo)",
      "h = og * tanh(C)",
      "o = softmax(Vo @ h + c)",
    ]);
    expect(step).toContain('q_C = settle("C", q_f * past("C", 1) + q_i * q_Cc)');
  });

  it("holds the parameters under the .rnn names, in their declared shapes (cell parameters by dotted name)", () => {
    const ir = irFromFile("examples/stacked.rnn");
    expect(JSON.parse(results[0]!.out)).toEqual(Object.fromEntries(ir.params.map((p) => [p.name, p.shape])));
  });

  it("takes any name: Python's words, nn.Module's own attributes, other scripts", () => {
    const ir = irFromFile(awkwardModel);
    expect(ir.params.map((p) => p.name)).toEqual([
      "train",
      "state_dict",
      "_parameters",
      "λ",
      "ns.W",
      "ns.U",
      "ns.b",
      "settle.init",
    ]);
    expect(JSON.parse(results[1]!.out)).toEqual(Object.fromEntries(ir.params.map((p) => [p.name, p.shape])));
    // Names reach Python only as string literals (ASCII escapes) and in comments.
    const text = readFileSync(files["awkward"]!, "utf8");
    expect(text).toContain('p["\\u03bb"]');
    expect(text).toContain('q___init__ = settle("__init__", ');
  });

  it("takes a model file whose name holds a line break, quotes and a backslash", () => {
    expect(results[2]!.err).toBe("");
    expect(results[2]!.code).toBe(0);
    expect(readFileSync(files["oddly-named"]!, "utf8")).toContain(
      '"file": "' + oddlyNamed.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") + '"',
    );
  });

  it("reports a missing file, data of another model, an unknown output and a text for an encoder-decoder in one line, with status 1", () => {
    const [missing, otherData, unknownOutput, otherWeights, textForPairs] = results.slice(3);
    expect(missing!.err).toMatch(/^lstm-gates\.py: cannot read data file '.*missing\.json'/);
    expect(otherData!.err).toMatch(/^lstm-gates\.py: examples\/data\/elman\.json: /);
    expect(unknownOutput!.err).toContain("--outputs: the model has no quantity 'nope'");
    expect(otherWeights!.err).toContain("examples/data/elman.json: unknown parameters");
    expect(textForPairs!.err).toContain(
      'model Translate reads sequences s, t: it trains on sentence pairs (.tsv, or .jsonl of {"source", "target"}) or the normative JSON batch (.json), not on a text',
    );
    for (const r of [missing, otherData, unknownOutput, otherWeights, textForPairs]) {
      expect(r!.code).toBe(1);
      expect(r!.out).toBe("");
      expect(r!.err).not.toContain("Traceback");
      expect(r!.err.trim().split("\n")).toHaveLength(1);
    }
  });

  it(
    "is a command: python FILE run prints what rnnc run prints",
    async () => {
      const env = await python();
      const args = ["run", "--data", "examples/data/lstm-gates.json", "--seed", "4"];
      const [exported, own] = [
        await runProcess(env.python, [files["lstm-gates"]!, ...args]),
        await rnnc(...args.slice(0, 1), "examples/lstm-gates.rnn", ...args.slice(1)),
      ];
      expect(exported.code).toBe(0);
      const [a, b] = [JSON.parse(exported.out), JSON.parse(own.out)];
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12);
    },
    PYTHON_SETUP_MS,
  );
});

describe("rnnc export: usage", () => {
  it("needs --to, one of the engines it knows", async () => {
    expect((await rnnc("export", "examples/elman.rnn")).err).toContain("required option '--to <engine>'");
    const bad = await rnnc("export", "examples/elman.rnn", "--to", "tensorflow");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("expected one of pytorch");
  });

  it("reports the model's errors with file:line:col and writes nothing", async () => {
    const model = join(dir, "broken.rnn");
    writeFileSync(model, "model Broken {\n  dim H = 2\n  h = tanh(W @ h[t-1])\n}\n");
    const out = join(dir, "broken.py");
    const r = await rnnc("export", model, "--to", "pytorch", "-o", out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.rnn:3:\d+/);
    expect(() => readFileSync(out)).toThrow();
  });

  it("takes the dims from --dim, and from a checkpoint with --checkpoint", async () => {
    const text = (await rnnc("export", "examples/elman.rnn", "--to", "pytorch", "--dim", "H=7")).out;
    expect(text).toContain('"dims": {"V": 64, "H": 7, "K": 2}');
    expect(text).toContain('"overrides": {"H": 7}');
    const missing = await rnnc("export", "examples/elman.rnn", "--to", "pytorch", "--checkpoint", join(dir, "none"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no checkpoint in");
  });
});
