/**
 * `rnnc train --precision f32`: the compiled backend computes each step in float32 (weights,
 * optimiser state and checkpoints stay float64). Its losses follow the float64 run's to float32's
 * rounding; the interpreter refuses it; a checkpoint records it, a resumed run keeps it (or
 * changes it, saying so), and the float64 commands read its weights. That a float32 run resumes
 * bit for bit is tests/cli/train.test.ts's interrupted-run test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { toyCorpus } from "../support/corpus.js";
import { Rng } from "../../runtime/rng.js";

let dir: string;
let corpus: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-precision-"));
  corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, toyCorpus(new Rng(3)));
});

const common = (ck: string) => [
  "train",
  ...["examples/char-lm.rnn", "--dim", "H=16", "--data", corpus, "--epochs", "2", "--batch", "8", "--seq-len", "16"],
  ...["--threads", "1", "--checkpoint", join(dir, ck), "--progress", "none"],
];

interface Logged {
  kind: string;
  loss?: number;
  grad_norm?: number;
  val_loss?: number;
}

const metrics = (ck: string): Logged[] =>
  readFileSync(join(dir, ck, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Logged);

const checkpointConfig = (ck: string) =>
  (JSON.parse(readFileSync(join(dir, ck, "checkpoint.json"), "utf8")) as { config: { precision?: string } }).config;

describe("rnnc train --precision f32", () => {
  beforeAll(async () => {
    const f64 = await rnnc(...common("f64"));
    const f32 = await rnnc(...common("f32"), "--precision", "f32");
    expect(f64.err + f32.err).toBe("");
    expect([f64.code, f32.code]).toEqual([0, 0]);
    expect(f32.out).toMatch(/backend compiled in float32\b/);
    expect(f64.out).not.toMatch(/float32/);
  });

  it("follows the float64 run's losses and gradient norms step by step, to float32's rounding", () => {
    const [a, b] = [metrics("f64"), metrics("f32")];
    const steps = (m: Logged[]) => m.filter((l) => l.kind === "step");
    expect(steps(a).length).toBeGreaterThan(10);
    expect(steps(b).length).toBe(steps(a).length);
    steps(a).forEach((s, i) => {
      const t = steps(b)[i]!;
      expect(Math.abs(t.loss! - s.loss!) / s.loss!, `loss of step ${i + 1}`).toBeLessThan(1e-6);
      expect(Math.abs(t.grad_norm! - s.grad_norm!) / s.grad_norm!, `gradient norm of step ${i + 1}`).toBeLessThan(1e-5);
    });
    // Not the float64 run itself: float32's rounding shows in the gradients.
    expect(steps(b).map((s) => s.grad_norm)).not.toEqual(steps(a).map((s) => s.grad_norm));
    const validation = (m: Logged[]) => m.filter((l) => l.val_loss !== undefined).map((l) => l.val_loss!);
    validation(b).forEach((v, i) => expect(Math.abs(v - validation(a)[i]!) / v).toBeLessThan(1e-6));
  });

  it("records the precision in the checkpoint, which the float64 commands read", async () => {
    expect(checkpointConfig("f32").precision).toBe("f32");
    expect(checkpointConfig("f64").precision).toBe("f64");
    const evaluated = await rnnc("eval", "examples/char-lm.rnn", "--checkpoint", join(dir, "f32"), "--data", corpus);
    expect(evaluated.err).toBe("");
    expect(evaluated.out).toMatch(/loss [\d.]+, accuracy [\d.]+%/);
  });

  it("a resumed run keeps its checkpoint's precision, or changes it when told, with a note", async () => {
    const kept = await rnnc(...common("f32"), "--resume", "--epochs", "3");
    expect(kept.err).toBe("");
    expect(kept.out).toMatch(/backend compiled in float32\b/);
    const changed = await rnnc(...common("f32"), "--resume", "--epochs", "4", "--precision", "f64");
    expect(changed.code).toBe(0);
    expect(changed.err).toBe(
      "note: the checkpoint was trained with --precision f32; continuing in f64 (from here on the results differ at float32's rounding)\n",
    );
    expect(checkpointConfig("f32").precision).toBe("f64");
  });

  it("is refused on the interpreter, which computes in float64 only", async () => {
    const r = await rnnc(...common("interp"), "--backend", "interp", "--precision", "f32");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--precision f32 needs --backend compiled: the interpreter computes in float64/);
    const resumed = await rnnc(
      ...common("f64"),
      "--resume",
      "--epochs",
      "3",
      "--backend",
      "interp",
      "--precision",
      "f32",
    );
    expect(resumed.code).not.toBe(0);
    expect(resumed.err).toMatch(/--precision f32 needs --backend compiled/);
  });

  it("a float32 checkpoint resumed on the interpreter says how to continue it", async () => {
    const first = await rnnc(...common("f32-to-interp"), "--precision", "f32", "--epochs", "1");
    expect(first.code).toBe(0);
    const r = await rnnc(...common("f32-to-interp"), "--resume", "--backend", "interp");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(
      /the checkpoint was trained in float32 \(--precision f32\), which needs --backend compiled: the interpreter computes in float64; give --precision f64 to continue on it in float64/,
    );
  });

  it("is one of f64 and f32", async () => {
    const r = await rnnc(...common("bad"), "--precision", "f16");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--precision <p>' argument 'f16' is invalid\. expected one of f64, f32/);
  });
});
