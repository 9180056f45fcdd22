/** Data: text corpora, JSONL records (errors with line numbers), the normative JSON, batching and splits. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planStream, sequenceBatch, streamChunk, type Example } from "../../../engine/data/dataset.js";
import { labelSet, parseJsonl } from "../../../engine/data/jsonl.js";
import { buildDataset, dataNeeds, describeDataset, readData, type RawData } from "../../../engine/data/load.js";
import { charVocabulary, decodeChars, encodeChars } from "../../../engine/data/vocabulary.js";
import { splitDataset } from "../../../engine/train/split.js";
import { irFromText } from "../../support/models.js";

const classifier = `model C {
  dim V = 5
  dim H = 4
  dim K = 2
  input x : onehot[V]
  target y : class[K]
  param W : [H, H]
  param U : [H, V]
  param Vo : [K, H]
  state h : [H] = zeros
  h = tanh(W @ h[t-1] + U @ x)
  o = softmax(Vo @ h)
  loss cross_entropy(o, y) at last
}`;
const raw = (text: string, format: "jsonl" | "json", path = "data.jsonl"): RawData => ({
  path,
  format,
  text,
  sha256: "",
});

describe("text corpora", () => {
  it("numbers characters by code point and round-trips", () => {
    const v = charVocabulary("hello, wörld\n");
    expect(v.entries).toEqual(["\n", " ", ",", "d", "e", "h", "l", "o", "r", "w", "ö"]);
    expect(decodeChars(encodeChars("hello", v), v)).toBe("hello");
  });

  it("reports unknown characters with line and column", () => {
    const v = charVocabulary("abc\n");
    expect(() => encodeChars("ab\ncxa\nx", v, "test.txt")).toThrow(
      /test.txt has 1 character outside the model's vocabulary of 4: 'x' \(U\+0078\) \(line 2, column 2, 2 times\)/,
    );
  });

  it("cuts a stream into B parallel streams read in chunks, targets shifted by one", () => {
    const ids = Int32Array.from({ length: 23 }, (_, i) => i);
    const plan = planStream(ids.length, 2, 5);
    expect(plan).toMatchObject({ B: 2, stepsPerStream: 11, chunks: 3, unused: 0 });
    const data = { kind: "stream" as const, ids, input: "x", target: "y" };
    const c0 = streamChunk(data, plan, 0);
    expect(c0.T).toBe(5);
    const x = (c0.inputs["x"] as { ids: Int32Array }).ids;
    const y = (c0.targets["y"] as { ids: Int32Array }).ids;
    expect(Array.from(x)).toEqual([0, 11, 1, 12, 2, 13, 3, 14, 4, 15]);
    expect(Array.from(y)).toEqual([1, 12, 2, 13, 3, 14, 4, 15, 5, 16]);
    const last = streamChunk(data, plan, 2);
    expect(last.T).toBe(1);
    expect(Array.from((last.inputs["x"] as { ids: Int32Array }).ids)).toEqual([10, 21]);
    expect(Array.from((last.targets["y"] as { ids: Int32Array }).ids)).toEqual([11, 22]);
  });
});

describe("JSONL records", () => {
  it("reads text and tokens, with labels by name", () => {
    const records = parseJsonl('{"text": "not  good", "label": "neg"}\n\n{"tokens": ["good"], "label": "pos"}\n');
    expect(records.map((r) => r.tokens)).toEqual([["not", "good"], ["good"]]);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(labelSet(records)).toEqual({ kind: "names", names: ["neg", "pos"], count: 2 });
  });

  const cases: [string, RegExp][] = [
    ['{"text": "a", "label": 0}\n{"text": "b" "label": 1}', /f.jsonl:2: not valid JSON/],
    ['{"text": "a", "label": 0}\n{"label": 1}', /f.jsonl:2: the record needs "text" \(a string\) or "tokens"/],
    ['{"text": "a"}', /f.jsonl:1: the record has no "label"/],
    [
      '{"text": "a", "label": 0}\n\n{"text": "b", "label": "x"}',
      /f.jsonl:3: the label is a string here but a number on line 1/,
    ],
    ['{"text": "   ", "label": 0}', /f.jsonl:1: "text" has no tokens/],
    ['{"tokens": [1, "a"], "label": 0}', /f.jsonl:1: tokens\[1\] is the string "a"/],
    ['{"text": "a", "label": 0, "extra": 1}', /f.jsonl:1: unknown key "extra"/],
    ["[1, 2]", /f.jsonl:1: a record is a JSON object/],
    ['{"text": "a", "label": 1.5}', /f.jsonl:1: "label" must be a string or a whole number/],
    ["\n\n", /f.jsonl: no records/],
  ];
  for (const [text, message] of cases)
    it(`rejects ${JSON.stringify(text).slice(0, 40)}`, () =>
      expect(() => parseJsonl(text, "f.jsonl")).toThrow(message));

  it("builds examples for a classifier, and names unknown tokens and labels with their line", () => {
    const ir = irFromText(classifier, { V: 3 });
    const train = raw('{"text": "a b c", "label": "neg"}\n{"text": "c", "label": "pos"}', "jsonl");
    const { codebook, needs } = dataNeeds(train, ir);
    expect(needs).toMatchObject({ tokens: 3, classes: 2, roles: { input: "x", target: "y" } });
    const d = buildDataset(train, ir, codebook);
    expect(d.kind).toBe("sequences");
    if (d.kind !== "sequences") return;
    expect(d.examples.map((e) => [Array.from(e.inputs["x"]!), Array.from(e.targets["y"]!)])).toEqual([
      [[0, 1, 2], [0]],
      [[2], [1]],
    ]);
    expect(() =>
      buildDataset(
        raw('{"text": "a", "label": "neg"}\n{"text": "a d", "label": "pos"}', "jsonl", "test.jsonl"),
        ir,
        codebook,
      ),
    ).toThrow(/test.jsonl:2: token "d" not in the vocabulary of 3/);
    expect(() => buildDataset(raw('{"text": "a", "label": "meh"}', "jsonl", "test.jsonl"), ir, codebook)).toThrow(
      /test.jsonl:1: label "meh" is not one of the 2 labels/,
    );
  });

  it("200,000 records with integer ids: labels, token count, description, one batch (Math.max(...ids) overflowed the stack)", () => {
    const ir = irFromText(classifier, { V: 3 });
    const lines = Array.from({ length: 200_000 }, (_, i) => `{"tokens": [${i % 3}, 1], "label": ${i % 2}}`);
    const train = raw(lines.join("\n"), "jsonl");
    const { codebook, needs } = dataNeeds(train, ir);
    expect(needs).toMatchObject({ tokens: 3, classes: 2 });
    const d = buildDataset(train, ir, codebook);
    expect(describeDataset(d)).toBe("200,000 sequences of 2 steps");
    if (d.kind !== "sequences") throw new Error("sequences expected");
    expect(sequenceBatch(ir, d.examples, [...d.examples.keys()]).T).toBe(2); // one batch of them all
  });

  it("says what a model must have for the data it is given", () => {
    const ir = irFromText(classifier);
    const corpus = join(mkdtempSync(join(tmpdir(), "rnnc-data-")), "c.txt");
    writeFileSync(corpus, "some text");
    expect(() => dataNeeds(readData(corpus), ir)).toThrow(
      /a text corpus trains a character language model, which needs one one-hot input and a class target scored at each step.*model C has input x \(onehot\); target y \(class, at last\)/,
    );
  });
});

describe("batches of sequences", () => {
  const ir = irFromText(classifier);
  const ex = (ids: number[], label: number): Example => ({
    length: ids.length,
    inputs: { x: Int32Array.from(ids) },
    targets: { y: Int32Array.of(label) },
  });

  it("pads to the longest and sets lengths", () => {
    const b = sequenceBatch(ir, [ex([1, 2, 3], 0), ex([4], 1)], [1, 0]);
    expect(b.T).toBe(3);
    expect(Array.from(b.lengths)).toEqual([1, 3]);
    expect(Array.from((b.inputs["x"] as { ids: Int32Array }).ids)).toEqual([4, 1, 0, 2, 0, 3]);
    expect(Array.from((b.targets["y"] as { ids: Int32Array }).ids)).toEqual([1, 0]);
  });

  it("splits deterministically by seed, never losing or repeating a sequence", () => {
    const data = { kind: "sequences" as const, examples: Array.from({ length: 20 }, (_, i) => ex([i % 5], i % 2)) };
    const a = splitDataset(data, 0.25, 7);
    const b = splitDataset(data, 0.25, 7);
    const c = splitDataset(data, 0.25, 8);
    const ids = (d: typeof a.train) => (d.kind === "sequences" ? d.examples.map((e) => data.examples.indexOf(e)) : []);
    expect(ids(a.val!)).toEqual(ids(b.val!));
    expect(ids(a.val!)).not.toEqual(ids(c.val!));
    expect(ids(a.val!).length).toBe(5);
    expect([...ids(a.train), ...ids(a.val!)].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("holds out the tail of a stream", () => {
    const s = splitDataset(
      { kind: "stream", ids: Int32Array.from({ length: 100 }, (_, i) => i), input: "x", target: "y" },
      0.1,
      1,
    );
    expect(s.train.kind === "stream" && s.train.ids.length).toBe(90);
    expect(s.val!.kind === "stream" && s.val!.ids[0]).toBe(90);
  });
});
