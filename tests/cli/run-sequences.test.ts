/**
 * `rnnc run` on a model of two sequences (an encoder–decoder): the batch gives each input and
 * target over its own sequence's steps and `"lengths"` per sequence by its step variable; the
 * printed loss, outputs (over the target's steps) and gradients are PyTorch's, from the fixture
 * tests/fixtures/pytorch/make_seq2seq.py wrote; attention's weights are printed over each decoder
 * step, example and source step. A batch that does not fit says what it must be.
 * `rnnc gradcheck` checks the same model against finite differences.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { flatten, maxRelativeError } from "../support/compare.js";

type Nested = number | Nested[];
const shapeOf = (value: Nested): number[] => (Array.isArray(value) ? [value.length, ...shapeOf(value[0]!)] : []);

interface Fixture {
  model: string;
  weights: Record<string, Nested>;
  data: { x: Nested; y: Nested; lengths: Record<string, number[]> };
  expected: { loss: number; outputs: Record<string, Nested>; grads: Record<string, Nested> };
}

const model = "tests/fixtures/pytorch/gru_seq2seq.rnn";
const fixture = JSON.parse(readFileSync("tests/fixtures/pytorch/gru_seq2seq.json", "utf8")) as Fixture;
let dir: string;

function dataFile(name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-run-sequences-"));
  writeFileSync(join(dir, "weights.json"), JSON.stringify(fixture.weights));
});

describe("rnnc run on a model of two sequences", () => {
  it("prints PyTorch's loss, per-step outputs over the target's steps and every gradient", async () => {
    const run = await rnnc(
      "run",
      model,
      "--weights",
      join(dir, "weights.json"),
      "--data",
      dataFile("batch.json", fixture.data),
      "--grad",
      "--outputs",
      "o,e",
    );
    expect(run).toMatchObject({ code: 0, err: "" });
    const json = JSON.parse(run.out) as {
      loss: number;
      outputs: Record<string, Nested>;
      grads: Record<string, Nested>;
    };
    expect(Math.abs(json.loss - fixture.expected.loss) / fixture.expected.loss).toBeLessThan(1e-9);
    // The decoder's output runs over the target's 4 steps, the encoder's state over the source's 5.
    expect(shapeOf(json.outputs["o"]!).slice(0, 2)).toEqual([4, 4]);
    expect(shapeOf(json.outputs["e"]!).slice(0, 2)).toEqual([5, 4]);
    for (const name of ["o", "e"]) {
      const expected = flatten(fixture.expected.outputs[name]!);
      expect(maxRelativeError(Float64Array.from(flatten(json.outputs[name]!)), expected), name).toBeLessThan(1e-9);
    }
    expect(Object.keys(json.grads).sort()).toEqual(Object.keys(fixture.expected.grads).sort());
    for (const [param, grad] of Object.entries(fixture.expected.grads))
      expect(maxRelativeError(Float64Array.from(flatten(json.grads[param]!)), flatten(grad)), param).toBeLessThan(1e-9);
  });

  it("prints a quantity over the source's steps (attention's weights) as [T][B][S][n]: each step's weights over each example's source", async () => {
    const data = JSON.parse(readFileSync("examples/data/translate-attention.json", "utf8")) as Fixture["data"];
    const run = await rnnc(
      "run",
      "examples/translate-attention.rnn",
      "--data",
      "examples/data/translate-attention.json",
      "--outputs",
      "α",
    );
    expect(run).toMatchObject({ code: 0, err: "" });
    const alpha = (JSON.parse(run.out) as { outputs: { α: number[][][][] } }).outputs.α;
    const [S, T] = [(data.x as Nested[]).length, (data.y as Nested[]).length];
    expect(shapeOf(alpha as Nested)).toEqual([T, 3, S, 1]);
    for (const step of alpha)
      step.forEach((weights, b) => {
        const real = weights.slice(0, data.lengths["s"]![b]).map(([w]) => w!);
        expect(Math.abs(real.reduce((a, w) => a + w, 0) - 1)).toBeLessThan(1e-12);
        expect(weights.slice(real.length).every(([w]) => w === 0)).toBe(true);
      });
  });

  it("rnnc gradcheck checks every gradient against finite differences, on each sequence's own lengths", async () => {
    const run = await rnnc("gradcheck", model);
    expect(run).toMatchObject({ code: 0, err: "" });
    expect(run.out).toMatch(/^e\.W_r +\d+\/\d+ /m);
    expect(run.out).toMatch(
      /ok: every gradient within 0\.00001 \(B = 3; sequence s: 5 steps, lengths [\d ]+; sequence t: /,
    );
  });

  it.each([
    [
      "lengths as one list",
      { ...fixture.data, lengths: [5, 2, 4, 3] },
      `lengths of a model of several sequences is an object of each sequence's lengths, {"s": [B], "t": [B]}`,
    ],
    [
      "lengths of a sequence the model does not have",
      { ...fixture.data, lengths: { u: [1, 1, 1, 1] } },
      "lengths of 'u': the model's sequences are s, t",
    ],
    [
      "a length past its sequence's steps",
      { ...fixture.data, lengths: { s: [5, 2, 4, 6], t: [3, 4, 1, 2] } },
      "lengths.s[3] is 6; a length is a whole number from 1 to 5",
    ],
    [
      "source and target of different batch sizes",
      { x: fixture.data.x, y: [[1, 2]] },
      "'y' has 2 examples, but the other sequences have 4",
    ],
    ["no data over the target's steps", { x: fixture.data.x }, "no data over sequence t: give its inputs or targets"],
  ])("%s is refused with what the batch must be", async (_, data, message) => {
    const run = await rnnc("run", model, "--data", dataFile("bad.json", data));
    expect(run.code).not.toBe(0);
    expect(run.out).toBe("");
    expect(run.err).toContain(message);
    expect(run.err).not.toMatch(/\n\s+at /);
  });
});
