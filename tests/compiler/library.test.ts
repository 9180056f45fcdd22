/**
 * rnnc as a library (`import ... from "rnnc"`, compiler/index.ts, and "rnnc/engine",
 * engine/index.ts): the passes a program needs to check a model, report its errors and compile
 * it, and the backends that run it, without the CLI.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze, compileModule, endOf, lower, printIr, renderDiagnostics, startOf } from "../../compiler/index.js";
import { createBackend, initialWeights, randomBatch } from "../../engine/index.js";
import { Rng } from "../../runtime/rng.js";

describe("the library entry point", () => {
  const text = readFileSync("examples/elman.rnn", "utf8");

  it("checks a model, lowers it, runs both backends to the same loss, and compiles it", async () => {
    const { model, diagnostics } = analyze(text);
    expect(diagnostics).toEqual([]);
    const ir = lower(model!);
    expect(printIr(ir)).toContain("model ElmanSentiment");
    const weights = initialWeights(ir, 1);
    const batch = randomBatch(ir, new Rng(2), { T: 4, B: 2 });
    const interpreted = (await createBackend(ir, "interp")).lossAndGrad(weights, batch).loss;
    const compiled = (await createBackend(ir, "compiled")).lossAndGrad(weights, batch).loss;
    expect(Math.abs(compiled - interpreted) / interpreted).toBeLessThan(1e-12);
    const module = await compileModule(ir, { emit: "ts", dtype: "f64", standalone: true, sourceName: "elman.rnn" });
    expect(module).toContain("export class Model");
  });

  it("gives errors as data, rendered as the command line renders them", () => {
    const broken = text.replace("W @ h[t-1]", "W @ x");
    const { model, diagnostics } = analyze(broken);
    expect(model).toBeUndefined();
    expect(renderDiagnostics(diagnostics, broken, { fileName: "elman.rnn" })).toMatch(
      /^elman\.rnn:\d+:\d+: error\[E\d+\]: W @ x: /,
    );
  });

  it("places a diagnostic by line and column through startOf and endOf", () => {
    const broken = "model M {\n  dim H = 4\n  state h : [H] = zeros\n  h = tanh(h[t-1] + q)\n}\n";
    const [undefinedName] = analyze(broken).diagnostics;
    expect(undefinedName?.code).toBe("E101");
    expect(startOf(undefinedName!.range)).toEqual({ line: 4, column: 21, offset: broken.indexOf("q") });
    expect(endOf(undefinedName!.range)).toEqual({ line: 4, column: 22, offset: broken.indexOf("q") + 1 });
  });
});
