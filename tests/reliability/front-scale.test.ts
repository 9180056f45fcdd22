/**
 * Inputs whose cost grew faster than their size, or whose depth exhausted the stack, kept as
 * probes of the front end at scale. Depth is checked directly (20,000 of a thing); growth
 * as the CPU time of 16n over that of n, each the least of five runs, which must stay below
 * `belowQuadratic`: linear work gives about 16, but the collector, whose old-generation passes
 * grow with the heap that 16n's syntax tree fills, has made the formatting's 26 to 75 on a busy
 * machine (and once 64.4 in a full run of the suite); the quadratic work these inputs once took
 * gave 60 and more at 8n, so 240 and more at 16n (bench/RESULTS.md has the times before and after). Three other quadratic costs fixed at the
 * same time (an error compared with every item, a cycle looking for its first equation, a
 * cell for its input) had so small a constant that no input of a test's size tells them from
 * linear: they have no test here.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { formatFile } from "../../compiler/format/format.js";
import { parse } from "../../grammar/parse.js";

/** CPU milliseconds of one run of `f`. */
function cpuTime(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * How much longer the work takes on an input 16 times as large: the least time of each over
 * five rounds that alternate them, so a busy moment of the machine slows one round of both.
 */
function growth(make: (n: number) => string, work: (text: string) => void, n: number): number {
  const small = make(n);
  const large = make(16 * n);
  // Both once before timing: compiled, and the heap grown to what they need.
  work(small);
  work(large);
  let [bestSmall, bestLarge] = [Infinity, Infinity];
  for (let round = 0; round < 5; round++) {
    bestSmall = Math.min(
      bestSmall,
      cpuTime(() => work(small)),
    );
    bestLarge = Math.min(
      bestLarge,
      cpuTime(() => work(large)),
    );
  }
  return bestLarge / Math.max(bestSmall, 1);
}

/** Growth from n to 16n that linear work stays under, even on a busy machine, and quadratic work does not reach. */
const belowQuadratic = 120;

const lines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join("\n");
const model = (body: string) => `model M {\n  dim D = 2\n  input x : [D]\n${body}\n}\n`;
const check = (text: string) => void analyze(text);

describe("the front end at scale: time grows with the size of the input, not faster", () => {
  it("undefined names among as many declared ones (each was compared with every declared name)", () => {
    const make = (n: number) => model(lines(n, (i) => `  param p${i} : [D]\n  q${i} = zz${i} + p${i}`));
    expect(growth(make, check, 300)).toBeLessThan(belowQuadratic);
  });

  it("formatting a comment on every line (each item looked through every comment)", () => {
    const make = (n: number) => model(lines(n, (i) => `  // p${i}\n  param p${i} : [D] // of x`));
    expect(growth(make, (text) => void formatFile(parse(text).file), 2000)).toBeLessThan(belowQuadratic);
  });
});

describe("the front end at scale: depth does not exhaust the stack", () => {
  const n = 20_000;

  it("a chain of dims, each defined by the next", () => {
    const text = model(lines(n, (i) => `  dim E${i} = E${i + 1} + 1`) + `\n  dim E${n} = 1\n  param W : [E0]`);
    const result = analyze(text);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.model!.params[0]!.shape[0]!.value).toBe(n + 1);
  });

  it("a chain of equations, each reading the next at the same step", () => {
    const text = model(lines(n, (i) => `  a${i} = a${i + 1}`) + `\n  a${n} = tanh(x)`);
    const result = analyze(text);
    expect(result.diagnostics).toEqual([]);
    const order = result.model!.quantities.map((q) => q.name);
    expect(order[0]).toBe(`a${n}`);
    expect(order[n]).toBe("a0");
  });

  it("one same-step cycle through every equation: one error", () => {
    const text = model(lines(n, (i) => `  a${i} = a${(i + 1) % n} + x`));
    const codes = analyze(text).diagnostics.map((d) => d.code);
    expect(codes).toEqual(["E401"]);
  });

  it("1.2 MB of 'model model ...': the parser stops after 1000 syntax errors and says so", () => {
    const text = "model ".repeat(200_000);
    const { diagnostics } = analyze(text);
    expect(diagnostics.map((d) => d.code)).toEqual(["E002", "E004"]);
  });
});
