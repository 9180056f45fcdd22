/**
 * The defaults a newcomer meets: one seed (1) for every command that draws random numbers.
 */
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

describe("the default seed", () => {
  it.each(["run", "train", "sample", "analyze", "gradcheck"])("is 1 for rnnc %s", async (command) => {
    const help = (await rnnc("help", command)).out;
    // The option's entry: its line and the lines its description wraps onto.
    const entry = /^ {2}--seed <n>.*(?:\n {4,}.*)*/m.exec(help)?.[0];
    expect(entry?.replace(/\s+/g, " ")).toMatch(/\(default: 1\)$/);
  });

  it("rnnc run without --seed initialises as --seed 1 does, as rnnc train does", async () => {
    const run = (...seed: string[]) => rnnc("run", "examples/elman.rnn", "--data", "examples/data/elman.json", ...seed);
    const [unseeded, one, zero] = [await run(), await run("--seed", "1"), await run("--seed", "0")];
    expect(unseeded).toMatchObject({ code: 0, err: "" });
    expect(unseeded.out).toBe(one.out);
    expect(unseeded.out).not.toBe(zero.out);
  });

  it("is checked alike everywhere: a whole number below 2^32", async () => {
    for (const command of ["run", "gradcheck"]) {
      const bad = await rnnc(
        command,
        "examples/elman.rnn",
        "--data",
        "examples/data/elman.json",
        "--seed",
        "4294967296",
      );
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("expected a whole number from 0 to 4294967295");
    }
  });
});
