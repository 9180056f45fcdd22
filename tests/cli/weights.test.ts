/**
 * `--weights` files that are damaged say what is wrong with them and name the file: a
 * safetensors file with a header length beyond its end, or cut short in its data, is
 * reported as such (not as "not valid JSON", as a length that did not fit the file was).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { serializeWeights } from "../../engine/io/weights-file.js";
import { initialWeights } from "../../engine/init-weights.js";
import { irFromFile } from "../support/models.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-weights-"));
const ir = irFromFile("examples/elman.rnn");
const whole = serializeWeights(ir, initialWeights(ir, 1), "safetensors-f64");
const run = (weights: string) =>
  rnnc("run", "examples/elman.rnn", "--data", "examples/data/elman.json", "--weights", weights);

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

describe("rnnc run --weights with a damaged file", () => {
  it("a whole safetensors file runs", async () => {
    expect((await run(file("whole.safetensors", whole))).code).toBe(0);
  });

  it("a header length of 2^60 in a file cut to 20 bytes", async () => {
    const damaged = whole.slice(0, 20);
    new DataView(damaged.buffer).setBigUint64(0, 2n ** 60n, true);
    const path = file("damaged.safetensors", damaged);
    expect(await run(path)).toEqual({
      code: 1,
      out: "",
      err: `rnnc: ${path}: not a valid safetensors file: header length 1152921504606846976 runs past the end of the file (12 bytes follow the length): the file is truncated or damaged\n`,
    });
  });

  it("a file cut short in its data", async () => {
    const path = file("cut.safetensors", whole.slice(0, whole.length - 100));
    const r = await run(path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^rnnc: ${path.replace(/[.]/g, "\\.")}: not a valid safetensors file: tensor "\\w+": data_offsets \\[\\d+, \\d+\\] run past the \\d+-byte data section: the file is truncated or damaged\\n$`,
      ),
    );
  });

  it("a file of zeros shorter than the length prefix", async () => {
    const path = file("short.safetensors", new Uint8Array(5));
    expect((await run(path)).err).toBe(
      `rnnc: ${path}: not a valid safetensors file: file is 5 bytes, too short to hold the 8-byte header length\n`,
    );
  });

  it("JSON weights are still told from safetensors by their bytes, and bad JSON is reported as JSON", async () => {
    const path = file("bad.json", '{"W": [1, 2,');
    const r = await run(path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^rnnc: ${path.replace(/[.]/g, "\\.")}: not valid JSON: `));
  });
});
