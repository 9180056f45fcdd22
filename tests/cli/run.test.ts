/**
 * `rnnc run` prints the normative JSON of the brief for every example on its shipped batch
 * (examples/data, written by examples/data/make.mjs): `loss`, `outputs` as [T][B][n],
 * `grads` in each parameter's declared shape; both backends print the same numbers.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { analyze } from "../../compiler/frontend.js";
import { irFromFile } from "../support/models.js";

type Nested = number | Nested[];
const shapeOf = (value: Nested): number[] => (Array.isArray(value) ? [value.length, ...shapeOf(value[0]!)] : []);
const flat = (value: Nested): number[] => (Array.isArray(value) ? value.flatMap(flat) : [value]);

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".rnn"))
  .map((f) => f.replace(/\.rnn$/, ""));

describe("rnnc run on the shipped examples", () => {
  it("has a batch for every example", () => {
    expect(examples.map((name) => readdirSync("examples/data").includes(`${name}.json`))).toEqual(
      examples.map(() => true),
    );
  });

  it.each(examples)(
    "%s: loss, outputs [T][B][n] and grads in each parameter's shape; compiled equals interpreted",
    async (name) => {
      const args = ["run", `examples/${name}.rnn`, "--data", `examples/data/${name}.json`, "--grad"];
      const interpreted = await rnnc(...args);
      expect(interpreted.err).toBe("");
      expect(interpreted.code).toBe(0);
      const json = JSON.parse(interpreted.out) as {
        loss: number;
        outputs: Record<string, Nested>;
        grads: Record<string, Nested>;
      };
      expect(Object.keys(json)).toEqual(["loss", "outputs", "grads"]);
      expect(Number.isFinite(json.loss)).toBe(true);

      const data = JSON.parse(readFileSync(`examples/data/${name}.json`, "utf8")) as { x: Nested; y: Nested };
      const ir = irFromFile(`examples/${name}.rnn`);
      // Outputs run over x's steps; in a model of several sequences, over the source's (x) or the target's (y).
      const extents = [shapeOf(data.x).slice(0, 2), ...(ir.sequences ? [shapeOf(data.y).slice(0, 2)] : [])];
      for (const output of Object.values(json.outputs)) expect(extents).toContainEqual(shapeOf(output).slice(0, 2));
      const model = analyze(readFileSync(`examples/${name}.rnn`, "utf8")).model!;
      expect(Object.keys(json.grads).sort()).toEqual(model.params.map((p) => p.name).sort());
      for (const p of model.params) expect(shapeOf(json.grads[p.name]!), p.name).toEqual(p.shape.map((s) => s.value));

      const compiled = JSON.parse((await rnnc(...args, "--backend", "compiled")).out) as typeof json;
      const difference = (a: Nested, b: Nested) => {
        const [xs, ys] = [flat(a), flat(b)];
        return xs.reduce((worst, x, i) => Math.max(worst, Math.abs(x - ys[i]!) / Math.max(Math.abs(x), 1e-12)), 0);
      };
      expect(Math.abs(compiled.loss - json.loss) / json.loss).toBeLessThan(1e-12);
      for (const p of model.params)
        expect(difference(compiled.grads[p.name]!, json.grads[p.name]!), p.name).toBeLessThan(1e-9);
    },
  );

  it.each(examples)(
    "%s --pretty: the same JSON as without it (one line, the normative form), laid out in at most 100 columns",
    async (name) => {
      const args = ["run", `examples/${name}.rnn`, "--data", `examples/data/${name}.json`, "--grad"];
      const [plain, pretty] = [await rnnc(...args), await rnnc(...args, "--pretty")];
      expect(pretty).toMatchObject({ code: 0, err: "" });
      expect(plain.out.trimEnd().split("\n")).toHaveLength(1);
      expect(JSON.parse(pretty.out)).toEqual(JSON.parse(plain.out));
      const lines = pretty.out.trimEnd().split("\n");
      expect(lines.length).toBeGreaterThan(10);
      expect(lines.filter((line) => line.length > 100)).toEqual([]);
    },
  );

  it("--kernels picks the compiled backend's kernel tier: js, wasm and relaxed agree; an unknown tier is a usage error", async () => {
    const args = ["run", "examples/gru.rnn", "--data", "examples/data/gru.json", "--backend", "compiled"];
    const loss = async (tier: string) =>
      (JSON.parse((await rnnc(...args, "--kernels", tier)).out) as { loss: number }).loss;
    const [js, wasm, relaxed] = [await loss("js"), await loss("wasm"), await loss("relaxed")];
    expect(Math.abs(js - wasm) / js).toBeLessThan(1e-12);
    expect(Math.abs(js - relaxed) / js).toBeLessThan(1e-12);
    const bad = await rnnc(...args, "--kernels", "gpu");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("expected one of js, wasm, relaxed, auto");
  });

  it("an unknown --backend is a usage error, for run and gradcheck alike, naming the backends each takes", async () => {
    const run = await rnnc("run", "examples/elman.rnn", "--data", "examples/data/elman.json", "--backend", "gpu");
    expect(run.code).toBe(2);
    expect(run.err).toContain("argument 'gpu' is invalid. expected one of interp, compiled, onnxruntime");
    const gradcheck = await rnnc("gradcheck", "examples/elman.rnn", "--backend", "onnxruntime");
    expect(gradcheck.code).toBe(2);
    expect(gradcheck.err).toContain("argument 'onnxruntime' is invalid. expected one of interp, compiled");
  });

  it.each(["interp", "compiled"])(
    "--backend %s: inputs without targets print the outputs with loss null; --grad is an error",
    async (backend) => {
      const data = JSON.parse(readFileSync("examples/data/elman.json", "utf8")) as Record<string, unknown>;
      const withTargets = JSON.parse(
        (await rnnc("run", "examples/elman.rnn", "--data", "examples/data/elman.json")).out,
      ) as {
        outputs: unknown;
      };
      delete data["y"];
      const file = join(mkdtempSync(join(tmpdir(), "rnnc-run-")), "inputs.json");
      writeFileSync(file, JSON.stringify(data));

      const r = await rnnc("run", "examples/elman.rnn", "--data", file, "--backend", backend);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as { loss: null; outputs: Record<string, Nested> };
      expect(json.loss).toBeNull();
      expect(Object.keys(json)).toEqual(["loss", "outputs"]);
      const difference = Math.max(
        ...flat(json.outputs["o"]!).map((x, i) => Math.abs(x - flat((withTargets.outputs as { o: Nested }).o)[i]!)),
      );
      expect(difference).toBeLessThan(1e-12);

      const grad = await rnnc("run", "examples/elman.rnn", "--data", file, "--backend", backend, "--grad");
      expect(grad).toEqual({ code: 1, out: "", err: `rnnc: ${file}: missing target 'y', which the loss scores\n` });
    },
  );
});
