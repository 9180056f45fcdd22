/**
 * `rnnc train` and `eval` on a bidirectional tagger (examples/bidirectional.rnn): it learns a
 * tag that depends on the rest of the sequence, which a forward-only tagger of the same size
 * cannot see; and the commands that continue sequences chunk by chunk (training on a text,
 * sampling) refuse it with a message before they make anything.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { Rng } from "../../runtime/rng.js";

const model = "examples/bidirectional.rnn";
let dir: string;

/** Tokens a–h; a token's tag says whether the same token comes again later in its sequence. */
function laterRecords(rng: Rng, n: number): string {
  const lines = Array.from({ length: n }, () => {
    const tokens = Array.from({ length: 3 + rng.int(8) }, () => "abcdefgh"[rng.int(8)]!);
    const tags = tokens.map((t, k) => (tokens.slice(k + 1).includes(t) ? "later" : "last"));
    return JSON.stringify({ tokens, tags });
  });
  return lines.join("\n") + "\n";
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-bidirectional-"));
  writeFileSync(join(dir, "train.jsonl"), laterRecords(new Rng(1), 600));
  writeFileSync(join(dir, "test.jsonl"), laterRecords(new Rng(2), 200));
  const forward = readFileSync(model, "utf8").replace("direction = both", "direction = forward").replace("2 * H", "H");
  writeFileSync(join(dir, "forward.rnn"), forward);
});

/** Token accuracy on test.jsonl after 15 epochs of training `file`. */
async function accuracyAfterTraining(file: string, name: string): Promise<number> {
  const ck = join(dir, name);
  const train = ["train", file, "--data", join(dir, "train.jsonl"), "--epochs", "15", "--threads", "1"];
  const trained = await rnnc(...train, "--checkpoint", ck, "--progress", "none");
  expect(trained.code, trained.err).toBe(0);
  const evaluated = await rnnc("eval", file, "--checkpoint", join(ck, "best"), "--data", join(dir, "test.jsonl"));
  expect(evaluated.code, evaluated.err).toBe(0);
  return Number(/accuracy\s+([\d.]+)%/.exec(evaluated.out)![1]);
}

describe("a bidirectional tagger", () => {
  it("learns a tag that depends on the later tokens, far better than the same tagger reading forwards only", async () => {
    const both = await accuracyAfterTraining(model, "both");
    const forward = await accuracyAfterTraining(join(dir, "forward.rnn"), "forward");
    expect(both).toBeGreaterThan(85);
    expect(both - forward).toBeGreaterThan(10);
  }, 300_000);

  it("is refused training on a text, and sampling, before anything is made", async () => {
    const ck = join(dir, "text");
    const r = await rnnc("train", model, "--data", "examples/data/fables.txt", "--checkpoint", ck);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "training on a text stream (chunks of one long sequence) needs a model that runs forwards only: BiGruTagger reads h.bwd[t+1]",
    );
    expect(existsSync(ck)).toBe(false);
    const one = join(dir, "one-epoch");
    const trained = await rnnc(
      "train",
      model,
      "--data",
      join(dir, "train.jsonl"),
      "--epochs",
      "1",
      "--checkpoint",
      one,
    );
    expect(trained.code, trained.err).toBe(0);
    const s = await rnnc("sample", model, "--checkpoint", one);
    expect(s.code).toBe(1);
    expect(s.err).toContain(
      "sampling (one step after another, each from the steps before) needs a model that runs forwards only",
    );
  }, 300_000);
});
