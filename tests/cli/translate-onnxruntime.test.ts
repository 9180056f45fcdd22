/**
 * `rnnc translate --backend onnxruntime`: ONNX Runtime (onnxruntime-node) decodes an
 * encoder-decoder from its ONNX export (the encoder form once, the decoder's step form a step at
 * a time), greedy and by a beam search, and prints what the compiled backend prints, on the
 * shipped translation examples (without and with attention) trained to reverse words. run, eval
 * and sample on ONNX Runtime drive one sequence, and say so of an encoder-decoder.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../runtime/rng.js";
import { rnnc } from "../support/cli.js";
import { onnxruntimeNodeDirectory } from "../support/onnxruntime-node.js";
import { wordSequences } from "../support/reverser.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-translate-onnx-"));
const examples = ["translate", "translate-attention"];
const small = ["--dim", "H=8"];

describe("rnnc translate --backend onnxruntime", () => {
  let previous: string | undefined;
  beforeAll(async () => {
    previous = process.env["RNNC_ONNXRUNTIME_NODE"];
    process.env["RNNC_ONNXRUNTIME_NODE"] = onnxruntimeNodeDirectory;
    const pairs = wordSequences(new Rng(1), 200).map((w) => `${w.join(" ")}\t${[...w].reverse().join(" ")}\n`);
    writeFileSync(join(dir, "pairs.tsv"), pairs.join(""));
    writeFileSync(
      join(dir, "sources.txt"),
      wordSequences(new Rng(9), 30)
        .map((w) => `${w.join(" ")}\n`)
        .join(""),
    );
    for (const name of examples) {
      const trained = await rnnc(
        ...["train", `examples/${name}.rnn`, ...small, "--data", join(dir, "pairs.tsv"), "--tokens", "words"],
        ...["--backend", "interp", "--epochs", "12", "--checkpoint", join(dir, name), "--progress", "none"],
      );
      expect(trained.code, trained.err).toBe(0);
    }
  }, 300_000);
  afterAll(() => {
    if (previous === undefined) delete process.env["RNNC_ONNXRUNTIME_NODE"];
    else process.env["RNNC_ONNXRUNTIME_NODE"] = previous;
  });

  for (const name of examples)
    for (const beam of [[], ["--beam", "3"]])
      it(`${name}.rnn, ${beam.length ? "beam of 3" : "greedy"}: the compiled backend's translations`, async () => {
        const translate = (backend: string) =>
          rnnc(
            ...["translate", `examples/${name}.rnn`, ...small, "--checkpoint", join(dir, name)],
            ...["--input", join(dir, "sources.txt"), "--max-length", "8", "--backend", backend, ...beam],
          );
        const [viaOnnx, compiled] = [await translate("onnxruntime"), await translate("compiled")];
        expect(viaOnnx.code, viaOnnx.err).toBe(0);
        expect(viaOnnx.out).toBe(compiled.out);
        // Translations that differ from line to line: the decoder's choices are exercised, not one repeated output.
        expect(new Set(viaOnnx.out.split("\n")).size).toBeGreaterThan(5);
      });

  it("rnnc run of an encoder-decoder on ONNX Runtime says what it drives, and what decodes it", async () => {
    const r = await rnnc(
      ...["run", "examples/translate.rnn", "--data", "examples/data/translate.json", "--backend", "onnxruntime"],
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "--backend onnxruntime runs, evaluates and samples models of one sequence that run forwards over their inputs, and Translate reads sequences s, t; use --backend interp or compiled, or rnnc translate --backend onnxruntime",
    );
  });
});
