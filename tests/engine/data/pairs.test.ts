/**
 * Sentence pairs for an encoder-decoder: `source<TAB>target` lines and JSONL
 * {"source", "target"} records, cut into characters or words, each side with a vocabulary of
 * its own (the target's with <eos>, appended to every target), batched with each sequence
 * padded on its own; bad lines are errors with file and line.
 */
import { describe, expect, it } from "vitest";
import { sequenceBatch } from "../../../engine/data/dataset.js";
import { pairExamples, pairVocabularies, parsePairs, type PairRoles } from "../../../engine/data/pairs.js";
import { interpret } from "../../../engine/interpret/interpret.js";
import { initialWeights } from "../../../engine/init-weights.js";
import { irFromText } from "../../support/models.js";

const roles: PairRoles = {
  source: { input: "x", sequence: "s" },
  target: { name: "y", sequence: "t", fn: "cross_entropy" },
};

describe("sentence pairs", () => {
  it("reads tab-separated pairs as words, and JSONL pairs as characters", () => {
    const words = parsePairs("the cat\tle chat\r\n\nthe dog\tle chien\n", "pairs.tsv", "tsv", "words");
    expect(words).toEqual([
      { line: 1, source: ["the", "cat"], target: ["le", "chat"] },
      { line: 3, source: ["the", "dog"], target: ["le", "chien"] },
    ]);
    const chars = parsePairs('{"source": "ab", "target": "ba"}\n', "pairs.jsonl", "jsonl", "chars");
    expect(chars).toEqual([{ line: 1, source: ["a", "b"], target: ["b", "a"] }]);
  });

  it("says which line of which file is wrong", () => {
    const tsv = (text: string) => () => parsePairs(text, "corpus.tsv", "tsv", "words");
    expect(tsv("a\tb\nno tab here\n")).toThrow("corpus.tsv:2: no tab: a line is source<TAB>target");
    expect(tsv("a\tb\tc\n")).toThrow("corpus.tsv:1: 2 tabs: a line is source<TAB>target, one tab between them");
    expect(tsv("a\tb\n \tb\n")).toThrow("corpus.tsv:2: the source is empty: a pair needs both sides");
    expect(tsv("a\t\n")).toThrow("corpus.tsv:1: the target is empty: a pair needs both sides");
    expect(tsv("\n\n")).toThrow("corpus.tsv: no pairs (a line is source<TAB>target)");
    const jsonl = (text: string) => () => parsePairs(text, "corpus.jsonl", "jsonl", "chars");
    expect(jsonl('{"source": "a"}\n')).toThrow('corpus.jsonl:1: the pair has no "target"');
    expect(jsonl('{"source": "a", "target": 3}\n')).toThrow('corpus.jsonl:1: "target" must be a string, not 3');
    expect(jsonl('{"source": "a", "target": "b", "label": 1}\n')).toThrow(
      'corpus.jsonl:1: unknown key "label"; a pair has "source" and "target"',
    );
    expect(jsonl('{"source": "a", "target": "b"}\n{"source":\n')).toThrow("corpus.jsonl:2: not valid JSON");
  });

  it("gives each side its vocabulary, the target's ending with <eos>, appended to every target", () => {
    const pairs = parsePairs("the cat\tle chat\nthe dog\tle chien\n", "pairs.tsv", "tsv", "words");
    const v = pairVocabularies(pairs, "words");
    expect(v.source.entries).toEqual(["cat", "dog", "the"]);
    expect(v.target.entries).toEqual(["chat", "chien", "le", "<eos>"]);
    const examples = pairExamples(pairs, v, roles, "pairs.tsv");
    expect([...examples[1]!.inputs["x"]!]).toEqual([2, 1]);
    expect([...examples[1]!.targets["y"]!]).toEqual([2, 1, 3]);
    expect(examples[1]!.lengths).toEqual({ s: 2, t: 3 });
  });

  it("refuses a token outside the vocabulary a model was trained with, at its line", () => {
    const trained = pairVocabularies(parsePairs("ab\tba\n", "train.tsv", "tsv", "chars"), "chars");
    const unseen = parsePairs("ab\tba\nac\tb\n", "test.tsv", "tsv", "chars");
    expect(() => pairExamples(unseen, trained, roles, "test.tsv")).toThrow(
      "test.tsv:2: 'c' (U+0063) is not in the source vocabulary the model was trained with",
    );
  });

  it("batches each sequence padded to its own longest, and a model of two sequences trains on it", () => {
    const pairs = parsePairs("a b c\tx\nb\ty y x\na a\tx y\n", "pairs.tsv", "tsv", "words");
    const v = pairVocabularies(pairs, "words");
    const ir = irFromText(`model Pairs {
      dim V = ${v.source.entries.length}
      dim W = ${v.target.entries.length}
      dim H = 3
      input x[s] : onehot[V]
      target y : class[W]
      param Vo : [W, H]
      cell e = gru(x, size = H)
      cell d = gru(y[t-1], size = H, init = e[last])
      o = softmax(Vo @ d)
      loss cross_entropy(o, y) at each
    }`);
    const batch = sequenceBatch(ir, pairExamples(pairs, v, roles, "pairs.tsv"), [0, 1, 2]);
    expect(batch.sequences!["s"]).toEqual({ T: 3, lengths: Int32Array.of(3, 1, 2) });
    expect(batch.sequences!["t"]).toEqual({ T: 4, lengths: Int32Array.of(2, 4, 3) });
    const eos = v.target.endOfLine!;
    const y = (batch.targets["y"] as { ids: Int32Array }).ids;
    expect([y[1 * 3 + 0], y[3 * 3 + 1], y[2 * 3 + 2]]).toEqual([eos, eos, eos]);
    const result = interpret(ir, initialWeights(ir, 1), batch, { grad: true });
    expect(result.loss).toBeGreaterThan(0);
    expect(Math.abs(result.loss! - Math.log(v.target.entries.length))).toBeLessThan(0.5);
  });
});
