/**
 * `rnnc graph` as a user meets it: the format chosen by the output's extension, the SVG and
 * DOT written whole, `--unroll` checked, and every mistake a message and a non-zero exit,
 * with no output file left behind. In-process through `main(argv, io)`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-cli-graph-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const at = (name: string) => join(scratch, name);

describe("rnnc graph", () => {
  it("writes the folded graph as SVG", async () => {
    const r = await rnnc("graph", "examples/elman-jordan.rnn", "-o", at("ej.svg"));
    expect(r.code).toBe(0);
    expect(r.err).toContain("wrote");
    const svg = readFileSync(at("ej.svg"), "utf8");
    expect(svg).toContain("<svg");
    expect(svg).toContain("ElmanJordan");
    expect(svg).toContain("h[t−1]");
    expect(svg).toContain("o[t−1]");
  });

  it("writes DOT for .dot (any case), unrolled with --unroll, with --dim and --no-params", async () => {
    const r = await rnnc("graph", "examples/elman.rnn", "--unroll", "3", "--dim", "H=7", "-o", at("e.DOT"));
    expect(r.code).toBe(0);
    const dot = readFileSync(at("e.DOT"), "utf8");
    expect(dot.startsWith("digraph rnnc {")).toBe(true);
    expect(dot.match(/subgraph cluster_step\d/g)).toHaveLength(3);
    expect(dot).toContain("[7]");
    const folded = await rnnc("graph", "examples/elman.rnn", "--no-params", "-o", at("np.dot"));
    expect(folded.code).toBe(0);
    expect(readFileSync(at("np.dot"), "utf8")).not.toContain("shape=note");
  });

  it.each([
    [["-o", "out.png"], /must end in \.svg .* or \.dot/],
    [["-o", "out"], /cannot tell the format of '.*out'/],
    [[], /needs an output file: -o FILE\.svg/],
    [["--unroll", "0", "-o", "x.svg"], /--unroll takes at least 1 step/],
    [["--unroll", "-2", "-o", "x.svg"], /--unroll takes a whole number of steps/],
    [["--unroll", "2.5", "-o", "x.svg"], /--unroll takes a whole number of steps \(1 to 200\), not '2\.5'/],
    [["--unroll", "abc", "-o", "x.svg"], /not 'abc'/],
    [["--unroll", "1000000", "-o", "x.svg"], /--unroll 1000000 is too many steps to draw: at most 200/],
  ])("refuses %j with a message and exit 2", async (args, message) => {
    // The value after -o is a file name in the scratch folder.
    const r = await rnnc("graph", "examples/elman.rnn", ...args.map((a, i) => (args[i - 1] === "-o" ? at(a) : a)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reports an unreadable model, a model with errors and an unwritable output, writing nothing", async () => {
    const missing = await rnnc("graph", at("nope.rnn"), "-o", at("a.svg"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read model .*nope\.rnn.*no such file/);

    const bad = at("bad.rnn");
    writeFileSync(bad, "model Bad {\n  dim H = 2\n  input x : [H]\n  h = tanh(W @ x)\n}\n");
    const broken = await rnnc("graph", bad, "-o", at("b.svg"));
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/bad\.rnn:4:\d+: error\[E101\]/);

    const unwritable = await rnnc("graph", "examples/elman.rnn", "-o", at("no/such/dir/c.svg"));
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toMatch(/cannot write .*c\.svg.*no such file or directory/);

    for (const name of ["a.svg", "b.svg"]) expect(existsSync(at(name))).toBe(false);
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("is described by rnnc help graph", async () => {
    const r = await rnnc("help", "graph");
    expect(r.code).toBe(0);
    expect(r.out).toContain("--unroll <T>");
    expect(r.out).toContain("z⁻¹");
  });
});
