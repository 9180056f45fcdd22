/**
 * `rnnc train` and `eval` on JSONL records for every kind of target: a class at the end, a
 * probability or a real vector at the end (mse / binary_cross_entropy), and a tag at each
 * step (sequence labelling). Sizes come from the data or must agree with it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";

const probability = "examples/experiments/models/sentiment-probability.rnn";
let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** "it was [not] good|bad", with 1 for a positive sentence and 0 for a negative one. */
function sentences(rng: Rng, n: number): { text: string; label: number }[] {
  return Array.from({ length: n }, () => {
    const good = rng.int(2) === 1;
    const negated = rng.int(2) === 1;
    return { text: `it was ${negated ? "not " : ""}${good ? "good" : "bad"}`, label: good !== negated ? 1 : 0 };
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-records-"));
});

describe('a probability at the end (binary_cross_entropy against a number in "label")', () => {
  let data: string;
  let ck: string;
  let trained: { code: number; out: string; err: string };
  beforeAll(async () => {
    data = file("probability.jsonl", jsonl(sentences(new Rng(3), 80)));
    ck = join(dir, "probability");
    trained = await rnnc(
      "train",
      probability,
      "--data",
      data,
      "--dim",
      "H=8",
      "--epochs",
      "20",
      "--batch",
      "8",
      "--checkpoint",
      ck,
      "--progress",
      "none",
    );
  }, 120_000);

  it("trains, with V from the tokens and the accuracy of p ≥ ½ against y ≥ ½", () => {
    expect(trained.err).toBe("");
    expect(trained.code).toBe(0);
    expect(trained.out).toMatch(/from the data: V = 5 \(5 distinct tokens/);
    expect(trained.out).toMatch(/final \(epoch 20\): train loss [\d.]+, val loss [\d.]+, val accuracy [\d.]+%/);
    const meta = JSON.parse(readFileSync(join(ck, "checkpoint.json"), "utf8"));
    expect(meta.data.codebook.labels).toBeUndefined();
  });

  it("eval reports the loss and the accuracy of the probabilities; the negation is learned", async () => {
    const r = await rnnc("eval", probability, "--checkpoint", ck, "--data", data, "--format", "json");
    expect(r.err).toBe("");
    const j = JSON.parse(r.out);
    expect(j.positions).toBe(80);
    expect(j.accuracy).toBe(1);
    expect(j.loss).toBeLessThan(Math.log(2) * 0.75);
    expect(j.perplexity).toBeUndefined();
  });

  it("refuses a label that is not a probability, and a name, at its line", async () => {
    const bad = file(
      "bad.jsonl",
      jsonl([
        { text: "it was good", label: 1 },
        { text: "it was bad", label: 2 },
      ]),
    );
    const r = await rnnc("eval", probability, "--checkpoint", ck, "--data", bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /bad.jsonl:2: 2 is not a probability; binary_cross_entropy scores target y against values from 0 to 1/,
    );
    const named = file("named.jsonl", jsonl([{ text: "it was good", label: "pos" }]));
    const n = await rnnc("train", probability, "--data", named, "--checkpoint", join(dir, "named"));
    expect(n.code).toBe(1);
    expect(n.err).toMatch(/named.jsonl:1: the label "pos" is a name, but target y is real; give a number/);
  });
});

describe('a real vector at the end (mse against "target")', () => {
  const model = (size: string) => `model Mean {
  dim V = 4
  dim H = 8
  ${size === "" ? "dim D = 1\n" : ""}
  input  x : onehot[V]
  target y : [${size || "D"}]
  cell h = elman(x, size = H, act = tanh)
  param Wo : [${size || "D"}, H]
  o = Wo @ h
  loss mse(o, y) at last
}`;

  it("takes a dim of the target's size from the data, and trains", async () => {
    const rng = new Rng(5);
    const records = Array.from({ length: 40 }, () => {
      const tokens = Array.from({ length: 1 + rng.int(4) }, () => rng.int(3));
      return { tokens, target: [tokens.length / 4, tokens.filter((t) => t === 0).length / 4] };
    });
    const data = file("vectors.jsonl", jsonl(records));
    const r = await rnnc(
      "train",
      file("mean.rnn", model("")),
      "--data",
      data,
      "--epochs",
      "5",
      "--batch",
      "8",
      "--checkpoint",
      join(dir, "mean"),
      "--progress",
      "none",
    );
    expect(r.err).toBe("");
    expect(r.out).toMatch(/D = 2 \(target vectors of 2 numbers in .*vectors.jsonl; the file says 1\)/);
    expect(r.out).toMatch(/final \(epoch 5\): train loss [\d.]+, val loss [\d.]+\n/);
  });

  it("refuses vectors of another size than a size written as a number", async () => {
    const data = file("pairs.jsonl", jsonl([{ tokens: [0, 1], target: [0.5, 1] }]));
    const r = await rnnc("train", file("one.rnn", model("1")), "--data", data, "--checkpoint", join(dir, "one"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /target y : \[1\] is 1: the data in .*pairs.jsonl needs exactly 2 \(target vectors of 2 numbers\); declare its size as 2/,
    );
  });
});

describe("a tag at each step (sequence labelling)", () => {
  const tagger = `model Tagger {
  dim V = 8
  dim H = 8
  dim K = 8
  input  x : onehot[V]
  target y : class[K]
  cell h = elman(x, size = H, act = tanh)
  param Wo : [K, H]
  o = softmax(Wo @ h)
  loss cross_entropy(o, y) at each
}`;

  it("trains on one tag a token, with K from the tags, and scores every position", async () => {
    // A word's tag is its class; "can" is a verb after "i" and a noun after "the".
    const rng = new Rng(7);
    const records = Array.from({ length: 60 }, () =>
      rng.int(2) === 0
        ? { tokens: ["i", "can", "fish"], tags: ["PRON", "VERB", "VERB"] }
        : { tokens: ["the", "can", "rusts"], tags: ["DET", "NOUN", "VERB"] },
    );
    const data = file("tags.jsonl", jsonl(records));
    const path = file("tagger.rnn", tagger);
    const ck = join(dir, "tagger");
    const args = ["--data", data, "--epochs", "15", "--batch", "6", "--checkpoint", ck, "--progress", "none"];
    const r = await rnnc("train", path, ...args);
    expect(r.err).toBe("");
    expect(r.out).toMatch(/K = 4 \(4 labels \(DET, NOUN, PRON, VERB\) in/);
    const e = await rnnc("eval", path, "--checkpoint", ck, "--data", data, "--format", "json");
    const j = JSON.parse(e.out);
    expect(j.positions).toBe(180);
    expect(j.accuracy).toBe(1);
  });

  it("refuses tags that do not match the tokens one for one", async () => {
    const data = file("short.jsonl", jsonl([{ tokens: ["i", "can"], tags: ["PRON"] }]));
    const r = await rnnc("train", file("tagger2.rnn", tagger), "--data", data, "--checkpoint", join(dir, "t2"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/short.jsonl:1: "tags" has 1 entry for 2 tokens; give one tag a token/);
  });
});
