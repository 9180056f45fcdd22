/**
 * Every command refuses what it cannot allocate, before allocating it, with a message that
 * names the size and the limit (a positioned diagnostic when the size is the model's), and
 * exits 1: parameters larger than memory, sequences too long for a run, ids beyond 32 bits
 * from the data, output longer than a string. RNNC_MEMORY_LIMIT stands in for the memory a
 * machine has, so these hold on any machine.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { rnnc } from "../support/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-limits-"));

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/** A normative JSON batch of one sequence of T steps for a model with a one-hot input x and a class target y. */
function longSequence(name: string, T: number, atEach: boolean): string {
  const ids = Array.from({ length: T }, (_, t) => `[${t % 2}]`).join(",");
  return file(name, `{"x": [${ids}], "y": ${atEach ? `[${ids}]` : "[1]"}}`);
}

afterEach(() => vi.unstubAllEnvs());

describe("parameters larger than the memory left", () => {
  const expectRefused = (r: { code: number; out: string; err: string }) => {
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      /^examples\/elman\.rnn:10:13: error\[E207\]: the parameters, 401,340,002 numbers, need about 3\.2 GB of memory, more than the 1\.1 GB available \(RNNC_MEMORY_LIMIT\); the largest is 'W' \[H, H\] = \[20000, 20000\]\n {3}10 \| {3}param W : \[H, H\]/,
    );
    expect(r.err).toMatch(/\n {6}\| {13}\^~~~~~\n/);
    expect(r.err).toMatch(/rnnc: examples\/elman\.rnn: 1 error\n$/);
  };

  it.each([
    ["run", ["run", "examples/elman.rnn", "--data", "examples/data/elman.json"]],
    ["gradcheck", ["gradcheck", "examples/elman.rnn"]],
    ["train", ["train", "examples/elman.rnn", "--data", "examples/data/elman.json", "--backend", "interp"]],
  ])("%s: refused at the largest parameter's declaration before it is allocated", async (_, args) => {
    vi.stubEnv("RNNC_MEMORY_LIMIT", "1G");
    const checkpoint = join(scratch, "never");
    expectRefused(
      await rnnc(...args, "--dim", "H=20000", ...(args[0] === "train" ? ["--checkpoint", checkpoint] : [])),
    );
    expect(existsSync(checkpoint)).toBe(false);
  });
});

describe("parameters whose dims the data set", () => {
  it("are refused with a hint that names the dims the data set, and from what", async () => {
    vi.stubEnv("RNNC_MEMORY_LIMIT", "1G");
    const records = [0, 1, 0, 9_999_999].map((label) => `{"tokens": ["a", "b"], "label": ${label}}`).join("\n");
    const checkpoint = join(scratch, "never-data");
    const r = await rnnc(
      "train",
      "examples/elman.rnn",
      "--data",
      file("stray-label.jsonl", records + "\n"),
      "--checkpoint",
      checkpoint,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[E207]: the parameters, ");
    expect(r.err).toContain("the largest is 'Vo' [K, H] = [10000000, 32]");
    expect(r.err).toMatch(
      /hint: the data set .*K = 10000000 \(labels up to 9999999 in .*stray-label\.jsonl; the file says 2\): look for a stray label or id in the data/,
    );
    expect(existsSync(checkpoint)).toBe(false);
  });
});

describe("sequences too long for a run", () => {
  it.each(["interp", "compiled"])("rnnc run --backend %s", async (backend) => {
    vi.stubEnv("RNNC_MEMORY_LIMIT", "10M");
    const data = longSequence("long.json", 20_000, false);
    const r = await rnnc("run", "examples/elman.rnn", "--data", data, "--backend", backend);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(
      new RegExp(
        `^rnnc: a batch of 1 sequence of 20,000 steps on the ${backend === "interp" ? "interpreter" : "compiled backend"} needs about [\\d.]+ MB of memory, more than the 10\\.5 MB available \\(RNNC_MEMORY_LIMIT\\); shorten the sequences or batch fewer of them\\n$`,
      ),
    );
  });

  it.each(["interp", "compiled"])(
    "rnnc train --backend %s refuses its largest batch before it starts, leaving no checkpoint",
    async (backend) => {
      vi.stubEnv("RNNC_MEMORY_LIMIT", "20M");
      const tokens = Array.from({ length: 30_000 }, (_, i) => i % 3).join(",");
      const data = file("long.jsonl", `{"tokens": [1, 2], "label": 0}\n{"tokens": [${tokens}], "label": 1}\n`);
      const checkpoint = join(scratch, `long-${backend}`);
      const r = await rnnc(
        "train",
        "examples/elman.rnn",
        "--data",
        data,
        "--val-split",
        "0",
        "--backend",
        backend,
        "--checkpoint",
        checkpoint,
      );
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        new RegExp(
          `^rnnc: training on a batch of 2 sequences of 30,000 steps on the ${backend === "interp" ? "interpreter" : "compiled backend"} needs about [\\d.]+ MB of memory, more than the 21\\.0 MB available \\(RNNC_MEMORY_LIMIT\\); give a smaller --batch, or shorten the longest sequences\\n$`,
        ),
      );
      expect(existsSync(checkpoint)).toBe(false);
    },
  );

  it("rnnc gradcheck refuses --steps it cannot hold before making the batch", async () => {
    const r = await rnnc("gradcheck", "examples/elman.rnn", "--steps", "100000000000", "--batch", "2");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^rnnc: a batch of 2 sequences of 100,000,000,000 steps needs an array of 200,000,000,000 numbers, more than one array can hold \(4,294,967,296\); give fewer --steps or a smaller --batch\n$/,
    );
  });
});

describe("sizes from the data", () => {
  it("a JSONL label of 99999999999 is refused naming the data, not by a crash allocating K = 10^11 classes", async () => {
    const data = file("labels.jsonl", '{"tokens": [1, 2], "label": 0}\n{"tokens": [2], "label": 99999999999}\n');
    const r = await rnnc("train", "examples/elman.rnn", "--data", data, "--checkpoint", join(scratch, "labels"));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `rnnc: the data in ${data} needs K = 100,000,000,000 (labels up to 99999999999), more than 32-bit ids can number (2,147,483,647)\n`,
    });
  });

  it("--dim K=100000000000, the way out the old message suggested, is an error where K sizes an array", async () => {
    const r = await rnnc("check", "--dim", "K=100000000000", "examples/elman.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "examples/elman.rnn:8:14: error[E207]: target 'y' class[K] = [100000000000] has 100,000,000,000 ids, more than 32-bit ids can number (2,147,483,647)",
    );
  });
});

describe("output longer than one string", () => {
  it("rnnc run refuses to print outputs no string can hold, before running", async () => {
    const data = longSequence("printed.json", 30_000, true);
    const r = await rnnc("run", "examples/char-lm.rnn", "--data", data, "--outputs", "h.i,h.f,h.g,h.o,h.c,h,o");
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "rnnc: the output would be 24,990,000 numbers, up to 649,740,000 characters of JSON, more than one string can hold (536,870,888); print fewer quantities (--outputs) or run shorter sequences\n",
    });
  });

  it("rnnc sample refuses a --length no string can hold", async () => {
    const r = await rnnc(
      "sample",
      "examples/char-lm.rnn",
      "--checkpoint",
      join(scratch, "none"),
      "--length",
      "1000000000",
    );
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "rnnc: --length 1000000000 is more characters than one string can hold (at most 268,435,444)\n",
    });
  });
});
