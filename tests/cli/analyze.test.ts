/**
 * `rnnc analyze`'s tables: no line wider than 100 columns on any shipped model, conjugate
 * eigenvalues as one a±bi, and a long sequence's gradient norms every n-th step, named in English.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ordinal } from "../../compiler/cli/commands/analyze.js";
import { rnnc } from "../support/cli.js";

const models = readdirSync("examples")
  .filter((f) => f.endsWith(".rnn"))
  .map((f) => f.replace(/\.rnn$/, ""));

describe("rnnc analyze", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-analyze-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(models)("fits 100 columns: %s with its data", async (name) => {
    const run = await rnnc("analyze", `examples/${name}.rnn`, "--data", `examples/data/${name}.json`);
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.filter((line) => [...line].length > 100)).toEqual([]);
  });

  it("shows a conjugate pair of eigenvalues once, as a±bi", async () => {
    const run = await rnnc("analyze", "examples/lstm.rnn");
    expect(run.out).toMatch(/-?\d\.\d{3}±\d\.\d{3}i/);
    expect(run.out).not.toMatch(/\d\.\d{3}[-−+]\d\.\d{3}i/);
  });

  it.each([
    [80, "every 2nd step"],
    [120, "every 3rd step"],
  ])("over %i steps shows the gradient norms of the %s", async (T, every) => {
    // Elman's batch, x [T][B] token ids and one class per sequence.
    const data = join(dir, `elman-${T}.json`);
    const x = Array.from({ length: T }, (_, t) => [t % 64, (3 * t) % 64]);
    writeFileSync(data, JSON.stringify({ x, y: [0, 1] }));
    const run = await rnnc("analyze", "examples/elman.rnn", "--data", data);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`on a batch of 2 × ${T} steps; ||dL/dh_t|| over the batch (${every}):`);
  });

  it("an encoder-decoder: ||dL/dh|| of each sequence over its own steps, the encoder's reached through e[last]", async () => {
    const fixture = JSON.parse(readFileSync("tests/fixtures/pytorch/gru_seq2seq.json", "utf8")) as { data: unknown };
    const data = join(dir, "seq2seq.json");
    writeFileSync(data, JSON.stringify(fixture.data));
    const model = "tests/fixtures/pytorch/gru_seq2seq.rnn";
    const text = await rnnc("analyze", model, "--data", data, "--plot", join(dir, "seq2seq.svg"));
    expect(text).toMatchObject({ code: 0 });
    expect(text.out).toContain("on a batch of 4 examples, 5 steps of sequence s, 4 steps of sequence t:");
    expect(text.out).toContain("||dL/dh_s|| over the batch, sequence s:\nstep s  ‖dL/de‖");
    expect(text.out).toContain("||dL/dh_t|| over the batch, sequence t:\nstep t  ‖dL/dd‖");
    const json = JSON.parse((await rnnc("analyze", model, "--data", data, "--format", "json")).out) as {
      steps: Record<string, number>;
      grad_norms: Record<string, number[]>;
    };
    expect(json.steps).toEqual({ s: 5, t: 4 });
    expect(json.grad_norms["e"]).toHaveLength(5);
    expect(json.grad_norms["d"]).toHaveLength(4);
    // The loss reads the encoder only through the decoder's initial state: its gradient is not zero.
    expect(json.grad_norms["e"]!.every((n) => n > 0)).toBe(true);
  });

  it("names ordinals in English", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 1000].map(ordinal)).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "13th",
      "21st",
      "22nd",
      "23rd",
      "101st",
      "111th",
      "112th",
      "1000th",
    ]);
  });
});
