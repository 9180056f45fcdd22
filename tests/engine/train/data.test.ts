/** Data: text corpora, JSONL records (errors with line numbers), the normative JSON, batching and splits. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planStream, sequenceBatch, streamChunk, type Example } from "../../../engine/data/dataset.js";
import { parseJsonl } from "../../../engine/data/jsonl.js";
import { targetNeed } from "../../../engine/data/record-targets.js";
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
    expect(targetNeed(records, { name: "y", kind: "class", at: "last", fn: "cross_entropy" })).toEqual({
      kind: "class",
      labels: { kind: "names", names: ["neg", "pos"], count: 2 },
    });
  });

  it("reads a number, a vector or a tag a token as what the sequence is scored against", () => {
    const records = parseJsonl('{"text": "a b", "label": 0.8}\n{"text": "c", "label": 1}');
    expect(records.map((r) => r.label)).toEqual([0.8, 1]);
    expect(parseJsonl('{"tokens": [1, 2], "target": [0.5, -1]}')[0]!.target).toEqual([0.5, -1]);
    expect(parseJsonl('{"tokens": ["the", "dog"], "tags": ["DET", "NOUN"]}')[0]!.tags).toEqual(["DET", "NOUN"]);
    expect(parseJsonl('{"tokens": ["a", "b"], "tags": [[0, 1], [1, 0]]}')[0]!.tags).toEqual([
      [0, 1],
      [1, 0],
    ]);
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
    ['{"text": "a", "label": null}', /f.jsonl:1: "label" must be a string or a number, not null/],
    ['{"text": "a", "label": 0, "tags": [0]}', /f.jsonl:1: give one of "label", "tags", not 2/],
    [
      '{"text": "a", "label": 0}\n{"text": "b", "target": [1]}',
      /f.jsonl:2: the record gives "target" here but "label" on line 1/,
    ],
    ['{"text": "a b", "tags": ["X"]}', /f.jsonl:1: "tags" has 1 entry for 2 tokens; give one tag a token/],
    ['{"text": "a b", "tags": ["X", 1]}', /f.jsonl:1: tags\[1\] is 1; tags are all strings/],
    ['{"text": "a b", "tags": [[1], [1, 2]]}', /f.jsonl:1: tags\[1\] has 2 numbers but tags\[0\] has 1/],
    ['{"text": "a", "target": []}', /f.jsonl:1: "target" must be a non-empty array of numbers/],
    ['{"text": "a", "target": [1, "x"]}', /f.jsonl:1: "target"\[1\] must be a number, not the string "x"/],
    ["\n\n", /f.jsonl: no records/],
  ];
  for (const [text, message] of cases)
    it(`rejects ${JSON.stringify(text).slice(0, 40)}`, () =>
      expect(() => parseJsonl(text, "f.jsonl")).toThrow(message));

  it("builds examples for a classifier, and names unknown tokens and labels with their line", () => {
    const ir = irFromText(classifier, { V: 3 });
    const train = raw('{"text": "a b c", "label": "neg"}\n{"text": "c", "label": "pos"}', "jsonl");
    const { codebook, needs } = dataNeeds(train, ir);
    expect(needs).toMatchObject({
      tokens: 3,
      classes: 2,
      roles: { input: "x", target: { name: "y", kind: "class", at: "last" } },
    });
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

  const probability = classifier
    .replace("target y : class[K]", "target y : [1]")
    .replace("param Vo : [K, H]", "param v : [1, H]")
    .replace("o = softmax(Vo @ h)", "p = sigmoid(v @ h)")
    .replace("loss cross_entropy(o, y) at last", "loss binary_cross_entropy(p, y) at last");
  const tagger = classifier.replace("at last", "at each");
  const examples = (text: string, model: string, path = "d.jsonl") => {
    const ir = irFromText(model);
    const data = raw(text, "jsonl", path);
    const { codebook, needs } = dataNeeds(data, ir);
    const d = buildDataset(data, ir, codebook);
    if (d.kind !== "sequences") throw new Error("expected sequences");
    return { needs, codebook, targets: d.examples.map((e) => Array.from(e.targets["y"]!)) };
  };

  it('gives a real target of size 1 the number in "label", and a vector target the numbers in "target"', () => {
    const one = examples('{"text": "a b", "label": 0.8}\n{"text": "c", "label": 0}', probability);
    expect(one.targets).toEqual([[0.8], [0]]);
    expect(one.needs).toMatchObject({ width: 1, roles: { target: { kind: "real", fn: "binary_cross_entropy" } } });
    expect(one.needs.classes).toBeUndefined();
    expect(one.codebook.labels).toBeUndefined();
    const regression = probability
      .replace("binary_cross_entropy", "mse")
      .replace(/\[1\]/g, "[2]")
      .replace("[1, H]", "[2, H]");
    const two = examples('{"text": "a", "target": [0.5, -2]}\n{"text": "b", "target": [3, 1]}', regression);
    expect(two.targets).toEqual([
      [0.5, -2],
      [3, 1],
    ]);
    expect(two.needs.width).toBe(2);
  });

  it("gives a target scored at each step one tag a token", () => {
    const r = examples('{"tokens": ["a", "b"], "tags": ["N", "V"]}\n{"tokens": ["c"], "tags": ["V"]}', tagger);
    expect(r.targets).toEqual([[0, 1], [1]]);
    expect(r.needs).toMatchObject({ classes: 2, classesWhat: "2 labels (N, V)" });
    expect(r.codebook.labels).toEqual({ kind: "names", names: ["N", "V"], count: 2 });
    const ids = examples('{"tokens": [0, 1], "tags": [2, 0]}', tagger);
    expect(ids.targets).toEqual([[2, 0]]);
    expect(ids.needs).toMatchObject({ classes: 3, classesWhat: "labels up to 2" });
  });

  const misfits: [string, string, RegExp][] = [
    [
      '{"text": "a", "label": 0}\n{"text": "b", "label": "pos"}',
      probability,
      /d.jsonl:2: the label is a string here but a number on line 1/,
    ],
    [
      '{"text": "a", "label": "pos"}',
      probability,
      /d.jsonl:1: the label "pos" is a name, but target y is real; give a number \(e.g. 1 and 0 for two classes\)/,
    ],
    [
      '{"text": "a", "label": 1.5}',
      probability,
      /d.jsonl:1: 1.5 is not a probability; binary_cross_entropy scores target y against values from 0 to 1/,
    ],
    [
      '{"text": "a", "target": [1]}\n{"text": "b", "target": [1, 0]}',
      probability,
      /d.jsonl:2: "target" has 2 numbers here but "target" has 1 number on line 1; target y has one size/,
    ],
    [
      '{"text": "a", "label": 1.5}',
      classifier,
      /d.jsonl:1: "label" must be a string or a whole number ≥ 0 for class target y, not 1.5/,
    ],
    [
      '{"text": "a", "target": [1, 0]}',
      classifier,
      /d.jsonl:1: target y is a class scored at the last step, so a record gives "label" \(a class name or id\); this one gives "target"/,
    ],
    [
      '{"text": "a b", "label": "N"}',
      tagger,
      /d.jsonl:1: target y is a class scored at each step, so a record gives "tags" \(a class name or id for each token\); this one gives "label"/,
    ],
    [
      '{"text": "a b", "tags": ["N", "V"]}',
      probability,
      /d.jsonl:1: target y is real scored at the last step, so a record gives "label" \(a number\) or "target" \(an array of numbers\); this one gives "tags"/,
    ],
  ];
  for (const [text, model, message] of misfits)
    it(`refuses ${JSON.stringify(text).slice(0, 50)} for ${/loss (\w+)/.exec(model)![1]} ${/at (\w+)/.exec(model)![1]}`, () =>
      expect(() => examples(text, model)).toThrow(message));

  it("reads labels of new data with the labels training saw, class ids beyond them left to the model's size", () => {
    const ir = irFromText(tagger);
    const trained = dataNeeds(raw('{"tokens": [0], "tags": [1]}', "jsonl"), ir).codebook;
    expect(dataNeeds(raw('{"tokens": [0, 1], "tags": [0, 3]}', "jsonl"), ir, trained).needs.classes).toBe(4);
    const named = dataNeeds(raw('{"tokens": [0], "tags": ["N"]}', "jsonl"), ir).codebook;
    expect(() => buildDataset(raw('{"tokens": [0], "tags": [0]}', "jsonl", "e.jsonl"), ir, named)).toThrow(
      /e.jsonl:1: label 0 is a class id, but the model was trained with names \(N\)/,
    );
  });

  it("says what a model must have for the data it is given", () => {
    const ir = irFromText(classifier);
    const corpus = join(mkdtempSync(join(tmpdir(), "rnnc-data-")), "c.txt");
    writeFileSync(corpus, "some text");
    expect(() => dataNeeds(readData(corpus), ir)).toThrow(
      /a text corpus trains a language model \(of its characters or words\), which needs one one-hot input and a class target scored at each step.*model C has input x \(onehot\); target y \(class, at last\)/,
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
