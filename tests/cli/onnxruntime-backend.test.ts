/**
 * `--backend onnxruntime` for run, eval and sample: ONNX Runtime (onnxruntime-node) runs the
 * model as `rnnc export --to onnx` writes it and prints what the other backends print (float64,
 * 1e-12): every example's outputs and loss, a text's evaluation (the step form carrying the
 * state from chunk to chunk), a sample. Without onnxruntime-node, rnnc says how to add it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOnnxRuntime, OnnxRuntimeMissingError } from "../../engine/onnxruntime-backend.js";
import { rnnc } from "../support/cli.js";
import { flatten, maxRelativeError } from "../support/compare.js";
import { irFromFile } from "../support/models.js";
import { onnxruntimeNodeDirectory } from "../support/onnxruntime-node.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-onnxruntime-"));
/** `rnnc run` of elman.rnn on its batch by ONNX Runtime. */
const elmanByOnnx = ["run", "examples/elman.rnn", "--data", "examples/data/elman.json", "--backend", "onnxruntime"];
const examples = ["char-lm", "elman", "elman-jordan", "gru", "jordan", "lstm", "lstm-gates", "regression", "stacked"];

/** Sets RNNC_ONNXRUNTIME_NODE to `where`; returns what puts it back. */
function onnxRuntimeAt(where: string): () => void {
  const previous = process.env["RNNC_ONNXRUNTIME_NODE"];
  process.env["RNNC_ONNXRUNTIME_NODE"] = where;
  return () => {
    if (previous === undefined) delete process.env["RNNC_ONNXRUNTIME_NODE"];
    else process.env["RNNC_ONNXRUNTIME_NODE"] = previous;
  };
}

describe("--backend onnxruntime", () => {
  let restore: () => void;
  beforeAll(() => {
    restore = onnxRuntimeAt(onnxruntimeNodeDirectory);
  });
  afterAll(() => restore());

  it.each(examples)("rnnc run %s: every quantity and the loss as the interpreter's (1e-12)", async (name) => {
    const model = `examples/${name}.rnn`;
    const all = irFromFile(model)
      .quantities.map((q) => q.name)
      .join(",");
    const args = ["run", model, "--data", `examples/data/${name}.json`, "--seed", "2", "--outputs", all];
    const [viaOnnx, interpreted] = [await rnnc(...args, "--backend", "onnxruntime"), await rnnc(...args)];
    expect(viaOnnx.err).toBe("");
    expect(viaOnnx.code).toBe(0);
    const [a, b] = [JSON.parse(viaOnnx.out), JSON.parse(interpreted.out)];
    expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss)).toBeLessThan(1e-12);
    for (const q of Object.keys(b.outputs))
      expect(maxRelativeError(flatten(a.outputs[q]), flatten(b.outputs[q])), q).toBeLessThan(1e-12);
  });

  it("rnnc eval and sample of a character model trained on a text print what the compiled backend prints", async () => {
    const words = "a cat and a dog ran to the sea while the sun set".split(" ");
    const text = Array.from({ length: 300 }, (_, i) => words[(i * 7) % words.length]).join(" ");
    const corpus = join(dir, "corpus.txt");
    writeFileSync(corpus, text);
    const checkpoint = join(dir, "lm");
    const trained = await rnnc(
      ...["train", "examples/char-lm.rnn", "--dim", "H=8", "--data", corpus, "--checkpoint", checkpoint],
      ...["--epochs", "1", "--batch", "4", "--seq-len", "20", "--progress", "none"],
    );
    expect(trained.code, trained.err).toBe(0);
    const evaluate = (backend: string) =>
      rnnc(
        "eval",
        "examples/char-lm.rnn",
        "--checkpoint",
        checkpoint,
        "--data",
        corpus,
        "--format",
        "json",
        "--backend",
        backend,
      );
    const [viaOnnx, compiled] = [await evaluate("onnxruntime"), await evaluate("compiled")];
    expect(viaOnnx.code, viaOnnx.err).toBe(0);
    const [a, b] = [JSON.parse(viaOnnx.out), JSON.parse(compiled.out)];
    expect(a.positions).toBe(b.positions);
    expect(a.accuracy).toBe(b.accuracy);
    expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(1e-12);
    for (const temperature of ["0", "1"]) {
      const sample = (backend: string) =>
        rnnc(
          ...["sample", "examples/char-lm.rnn", "--checkpoint", checkpoint, "--prime", "a cat", "--length", "60"],
          ...["--temperature", temperature, "--seed", "5", "--backend", backend],
        );
      const [s1, s2] = [await sample("onnxruntime"), await sample("compiled")];
      expect(s1.code, s1.err).toBe(0);
      expect(s1.out).toBe(s2.out);
    }
  });

  it("computes the forward pass only: --grad is refused", async () => {
    const r = await rnnc(...elmanByOnnx, "--grad");
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "rnnc: --grad needs --backend interp or compiled: onnxruntime runs the forward pass only\n",
    });
  });

  it("runs the files rnnc export writes, as they are", async () => {
    const file = join(dir, "gru.onnx");
    expect(
      (await rnnc("export", "examples/gru.rnn", "--to", "onnx", "--dtype", "f64", "--seed", "2", "-o", file)).code,
    ).toBe(0);
    const ort = loadOnnxRuntime(onnxruntimeNodeDirectory);
    const session = await ort.InferenceSession.create(readFileSync(file));
    const data = JSON.parse(readFileSync("examples/data/gru.json", "utf8"));
    const out = await session.run({
      x: new ort.Tensor("float64", Float64Array.from(flatten(data.x)), [5, 3, 16]),
      lengths: new ort.Tensor("int64", BigInt64Array.from(data.lengths.map(BigInt)), [3]),
    });
    const expected = JSON.parse(
      (await rnnc("run", "examples/gru.rnn", "--data", "examples/data/gru.json", "--seed", "2")).out,
    );
    expect(maxRelativeError(out["o"]!.data as Float64Array, flatten(expected.outputs.o))).toBeLessThan(1e-12);
  });
});

describe("--backend onnxruntime without onnxruntime-node", () => {
  it("says how to add it, and that rnnc does not install it", async () => {
    expect(() => loadOnnxRuntime("no-such-package-onnxruntime")).toThrow(OnnxRuntimeMissingError);
    const restore = onnxRuntimeAt(join(dir, "nowhere"));
    try {
      const r = await rnnc(...elmanByOnnx);
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toContain("--backend onnxruntime needs onnxruntime-node");
      expect(r.err).toContain("npm install onnxruntime-node");
      expect(r.err).toContain("rnnc does not install it");
      const onEval = await rnnc(
        "eval",
        "examples/elman.rnn",
        "--checkpoint",
        dir,
        "--data",
        "x.json",
        "--backend",
        "gpu",
      );
      expect(onEval.err).toContain("expected one of interp, compiled, onnxruntime");
    } finally {
      restore();
    }
  });
});
