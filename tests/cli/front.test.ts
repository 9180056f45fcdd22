/**
 * `rnnc check | expand | fmt` as a user meets them: exit statuses, what goes to stdout and
 * stderr, the `file:line:col: error[CODE]: message` + source line + caret format, JSON
 * output, --dim overrides, and files that are only ever replaced whole. Mostly in-process
 * through `main(argv, io)`; one test spawns the real `bin/rnnc.js` (needs `npm run build`).
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-cli-front-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".rnn"))
  .map((f) => `examples/${f}`);

const broken = `model Broken {
  dim V = 64
  dim H = 32
  input  x : [V]
  target y : [H]
  param W : [H, H]
  h = tanh(W @ x)
  o = h +
  loss mse(o, y) at each
}
`;

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n|TypeError|ReferenceError/);

describe("rnnc --version", () => {
  it("prints the version of the package and exits 0", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(await rnnc("--version")).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });
});

describe("rnnc check", () => {
  it("passes every example: exit 0, one 'ok' line per file with its parameter count", async () => {
    const r = await rnnc("check", ...examples);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(examples.length);
    for (const [i, file] of examples.entries())
      expect(lines[i]).toMatch(
        new RegExp(`^${file.replace(/[.]/g, "\\.")}: ok \\(model \\w+, \\d+ parameters, [\\d,]+ weights\\)$`),
      );
    expect(r.out).toContain("examples/elman.rnn: ok (model ElmanSentiment, 5 parameters, 3,170 weights)");
  });

  it("reports a broken file as file:line:col: error[CODE]: message, the source line and a caret; exit 1", async () => {
    const path = scratchFile("broken.rnn", broken);
    const r = await rnnc("check", path);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(
      [
        `${path}:7:12: error[E202]: W @ x: W is [H, H] = [32, 32] but x is [V] = [64]`,
        "    7 |   h = tanh(W @ x)",
        "      |            ^~~~~",
        "     = hint: the columns of W must match the size of x",
      ].join("\n"),
    );
    // The missing operand at the end of line 8 is pointed at where it is missing.
    expect(r.err).toContain(
      [
        `${path}:8:10: error[E002]: expected an expression, found 'loss'`,
        "    8 |   o = h +",
        "      |          ^",
      ].join("\n"),
    );
    expect(r.err.match(/error\[/g)).toHaveLength(2);
    noStackTrace(r.err);
  });

  it("reports related locations as notes under the error", async () => {
    const r = await rnnc("check", "tests/compiler/front/corpus/e102-learned-init-clash.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /e102-learned-init-clash\.rnn:9:9: error\[E102\]: .*\n {4}9 \| {3}param h\.init : \[H\] = zeros\n {6}\| {9}\^~~~~~\n.*e102-learned-init-clash\.rnn:8:3: note: learned here\n/,
    );
  });

  it("checks every file it is given and fails if any fails", async () => {
    const path = scratchFile("broken-too.rnn", broken);
    const r = await rnnc("check", "examples/elman.rnn", path, "examples/gru.rnn");
    expect(r.code).toBe(1);
    expect(r.out).toContain("examples/elman.rnn: ok");
    expect(r.out).toContain("examples/gru.rnn: ok");
    expect(r.err).toContain(`${path}:7:12: error[E202]`);
  });

  it("exits 0 on warnings alone, and says how many there are", async () => {
    const r = await rnnc("check", "tests/compiler/front/corpus/warnings-only.rnn");
    expect(r.code).toBe(0);
    expect(r.err.match(/warning\[W00\d\]/g)).toEqual([
      "warning[W002]",
      "warning[W004]",
      "warning[W001]",
      "warning[W003]",
    ]);
    expect(r.out).toMatch(/warnings-only\.rnn: ok \(model WarningsOnly, 2 parameters, 15 weights, 4 warnings\)/);
  });

  it("--format json prints the diagnostics as data on stdout", async () => {
    const path = scratchFile("json.rnn", broken);
    const r = await rnnc("check", "--format", "json", path, "tests/compiler/front/corpus/w002-unused-input.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const report = JSON.parse(r.out) as {
      file: string;
      severity: string;
      code: string;
      message: string;
      range: { start: { line: number; column: number } };
      related: unknown[];
      hint?: string;
    }[];
    expect(report.map((d) => [d.file, d.severity, d.code, d.range.start.line, d.range.start.column])).toEqual([
      [path, "error", "E202", 7, 12],
      [path, "error", "E002", 8, 10],
      ["tests/compiler/front/corpus/w002-unused-input.rnn", "warning", "W002", 7, 10],
    ]);
    expect(report[0]!.message).toBe("W @ x: W is [H, H] = [32, 32] but x is [V] = [64]");
    expect(report[0]!.hint).toBe("the columns of W must match the size of x");
  });

  it("--format json on clean files prints an empty list and exits 0", async () => {
    const r = await rnnc("check", "--format", "json", "examples/lstm.rnn");
    expect(r).toEqual({ code: 0, out: "[]\n", err: "" });
  });

  it("--format must be text or json", async () => {
    const r = await rnnc("check", "--format", "xml", "examples/lstm.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toBe("rnnc: --format is text or json, not 'xml'\n");
  });

  it("--dim H=128 checks the model at another size", async () => {
    const r = await rnnc("check", "--dim", "H=128", "--dim", "V=10", "examples/elman.rnn");
    expect(r.code).toBe(0);
    // W [128,128] + U [128,10] + b [128] + Vo [2,128] + c [2]
    expect(r.out).toContain(
      `(model ElmanSentiment, 5 parameters, ${(128 * 128 + 128 * 10 + 128 + 2 * 128 + 2).toLocaleString("en-US")} weights)`,
    );
  });

  it("a size no array can hold fails check where it is declared, instead of passing and crashing every run", async () => {
    for (const H of ["100000", "1000000000000"]) {
      const r = await rnnc("check", "--dim", `H=${H}`, "examples/elman.rnn");
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toContain(
        `examples/elman.rnn:10:13: error[E207]: parameter 'W' [H, H] = [${H}, ${H}] holds ${(BigInt(H) * BigInt(H)).toLocaleString("en-US")} numbers, more than one array can hold (4,294,967,296)\n   10 |   param W : [H, H]`,
      );
    }
  });

  it("--dim sets a dim named __proto__ or constructor like any other", async () => {
    const path = scratchFile(
      "proto-dims.rnn",
      `model ProtoDims {
  dim constructor = 3
  dim __proto__ = 2
  input x : [constructor]
  target y : [__proto__]
  param W : [__proto__, constructor]
  o = W @ x
  loss mse(o, y) at each
}
`,
    );
    const r = await rnnc("check", "--dim", "__proto__=4", "--dim", "constructor=5", path);
    expect(r.out).toContain("(model ProtoDims, 1 parameters, 20 weights)");
  });

  it("--dim with an unknown name fails with a suggestion, and the file is not reported ok", async () => {
    const r = await rnnc("check", "--dim", "Hx=128", "examples/elman.rnn");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain("examples/elman.rnn:1:1: error[E205]: --dim Hx=128: the model has no dim 'Hx'");
    expect(r.err).toContain("= hint: did you mean 'H'?");
  });

  it("--dim with a value that is not a positive integer fails, and the file is not reported ok", async () => {
    for (const bad of ["H=abc", "H=0", "H=-3", "H=2.5", "H"]) {
      const r = await rnnc("check", "--dim", bad, "examples/elman.rnn");
      expect(r.code, bad).toBe(1);
      expect(r.out, bad).toBe("");
      expect(r.err, bad).toMatch(/error\[E205\]: --dim /);
    }
  });

  it("a file that cannot be read gives one clean message, exit 1", async () => {
    const missing = await rnnc("check", join(scratch, "missing.rnn"));
    expect(missing).toEqual({
      code: 1,
      out: "",
      err: `rnnc: cannot read model '${join(scratch, "missing.rnn")}': no such file or directory\n`,
    });
    const directory = await rnnc("check", "examples");
    expect(directory).toEqual({ code: 1, out: "", err: "rnnc: cannot read model 'examples': it is a directory\n" });
  });

  it("an unreadable file among several is reported, and the others are still checked", async () => {
    const r = await rnnc("check", join(scratch, "missing.rnn"), "examples/elman.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toBe(`rnnc: cannot read model '${join(scratch, "missing.rnn")}': no such file or directory\n`);
    expect(r.out).toMatch(/^examples\/elman\.rnn: ok \(/);
  });

  it("without a file, says how to use it (exit 2)", async () => {
    const r = await rnnc("check");
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing required argument");
  });
});

describe("a .rnn file that is not UTF-8", () => {
  // "café" in Latin-1: the é is the single byte 0xE9, which in UTF-8 would start a three-byte character.
  const latin1 = () => {
    const path = join(scratch, "latin1.rnn");
    writeFileSync(
      path,
      Buffer.concat([Buffer.from("model M {\n  dim D = 2 // caf"), Buffer.from([0xe9]), Buffer.from("\n}\n")]),
    );
    return path;
  };

  it("is reported once, as not UTF-8, at its first wrong byte, by check and by fmt", async () => {
    const path = latin1();
    for (const command of ["check", "fmt"]) {
      const r = await rnnc(command, path);
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        `${path}:2:19: error[E005]: the file is not valid UTF-8: byte 0xE9 (at byte 28) starts a 3-byte character`,
      );
      expect(r.err).toContain("  2 |   dim D = 2 // caf\uFFFD\n      |                   ^");
      expect(r.err).not.toContain("E001");
      noStackTrace(r.err);
    }
  });
});

describe("rnnc expand", () => {
  it("prints the model with the cell written out as core equations", async () => {
    const r = await rnnc("expand", "examples/gru.rnn");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("  h.n = tanh(h.W_in @ x + h.b_in + h.r * (h.W_hn @ h[t-1] + h.b_hn))\n");
    expect(r.out).toContain("  h = (1 - h.z) * h.n + h.z * h[t-1]\n");
    expect(r.out).not.toContain("cell h");
  });

  it("honours --dim", async () => {
    const r = await rnnc("expand", "--dim", "H=8", "examples/gru.rnn");
    expect(r.code).toBe(0);
    // Shapes stay symbolic: the override is a value, not a rewrite.
    expect(r.out).toContain("param h.W_r : [H, H + D]");
  });

  it("refuses a model with errors: diagnostics on stderr, nothing on stdout, exit 1", async () => {
    const path = scratchFile("expand-broken.rnn", broken);
    const r = await rnnc("expand", path);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(`${path}:7:12: error[E202]`);
    expect(r.err).toContain(`rnnc: ${path}: 2 errors\n`);
  });
});

describe("rnnc fmt", () => {
  const messy =
    "model  M{\n dim D=4\n\n\n input x:[D]   // the input\n target y : [D]\n o=(x+x)*2\n loss mse(o,y)at each }\n";
  const canonical =
    "model M {\n  dim D = 4\n\n  input x : [D]  // the input\n  target y : [D]\n  o = (x + x) * 2\n  loss mse(o, y) at each\n}\n";

  it("prints the canonical layout on stdout and leaves the file alone", async () => {
    const path = scratchFile("print.rnn", messy);
    const r = await rnnc("fmt", path);
    expect(r).toEqual({ code: 0, out: canonical, err: "" });
    expect(readFileSync(path, "utf8")).toBe(messy);
  });

  it("--check lists the files that are not formatted and exits 1; formatted files pass", async () => {
    const path = scratchFile("check.rnn", messy);
    const clean = scratchFile("clean.rnn", canonical);
    const r = await rnnc("fmt", "--check", path, clean);
    expect(r).toEqual({ code: 1, out: `${path}: not formatted\n`, err: "" });
    expect(readFileSync(path, "utf8")).toBe(messy);
    expect(await rnnc("fmt", "--check", clean)).toEqual({ code: 0, out: "", err: "" });
  });

  it("--write replaces the file through a temporary file and a rename, leaving nothing behind", async () => {
    const dir = mkdtempSync(join(scratch, "write-"));
    const path = join(dir, "model.rnn");
    writeFileSync(path, messy);
    const before = statSync(path).ino;
    const r = await rnnc("fmt", "--write", path);
    expect(r).toEqual({ code: 0, out: "", err: `wrote ${path} (formatted)\n` });
    expect(readFileSync(path, "utf8")).toBe(canonical);
    // A rename puts a new file in place (a write in place would keep the inode).
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(["model.rnn"]);
  });

  it("--write leaves an already formatted file untouched", async () => {
    const path = scratchFile("untouched.rnn", canonical);
    const before = statSync(path);
    expect(await rnnc("fmt", "--write", path)).toEqual({ code: 0, out: "", err: "" });
    expect(statSync(path).ino).toBe(before.ino);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
  });

  it("writes the lecture's notation in canonical form, or with --keep-notation as written", async () => {
    const lecture =
      "model Lecture {\n  dim D = 3\n  dim H = 4\n  input x : [D]\n  param W : [H, H]\n  param U : [H, D]\n  state h : [H] = zeros\n  h[t] = σ(W · h[t-1] + U · x[t])\n}\n";
    const path = scratchFile("lecture.rnn", lecture);
    expect(await rnnc("check", path)).toMatchObject({ code: 0, err: "" });
    const r = await rnnc("fmt", path);
    expect(r.out).toContain("  h = sigmoid(W @ h[t-1] + U @ x)\n");
    expect(await rnnc("fmt", "--keep-notation", path)).toEqual({ code: 0, out: lecture, err: "" });
    expect(await rnnc("fmt", "--check", "--keep-notation", path)).toEqual({ code: 0, out: "", err: "" });
    expect((await rnnc("help", "fmt")).out).toMatch(/--keep-notation\s+keep the lecture's notation as written/);
  });

  it("never rewrites a file with syntax errors: it reports them and exits 1", async () => {
    const text = "model M {\n  dim D = 4\n  input x : [D\n  o = x +\n}\n";
    const path = scratchFile("syntax.rnn", text);
    const before = statSync(path);
    const r = await rnnc("fmt", "--write", path);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(`${path}:3:15: error[E002]: expected ']' in a shape`);
    expect(r.err).toContain(`rnnc: ${path}: not formatted, it has syntax errors\n`);
    expect(readFileSync(path, "utf8")).toBe(text);
    expect(statSync(path).ino).toBe(before.ino);
  });

  it("formats a file whose model has semantic errors (only syntax matters)", async () => {
    const path = scratchFile("semantic.rnn", "model M { dim D = 4 o = undefined_name }\n");
    const r = await rnnc("fmt", path);
    expect(r).toEqual({ code: 0, out: "model M {\n  dim D = 4\n  o = undefined_name\n}\n", err: "" });
  });

  it("--write and --check together are refused", async () => {
    const r = await rnnc("fmt", "--write", "--check", "examples/elman.rnn");
    expect(r.code).toBe(1);
    expect(r.err).toBe("rnnc: --write and --check exclude each other\n");
  });

  it("an unreadable file gives one clean message", async () => {
    const r = await rnnc("fmt", join(scratch, "nope.rnn"));
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `rnnc: cannot read model '${join(scratch, "nope.rnn")}': no such file or directory\n`,
    });
  });
});

describe("the real executable (bin/rnnc.js, built by npm run build)", () => {
  const built = existsSync("dist/compiler/cli/main.js");

  it("is built", () => {
    expect(built, "run `npm run build` before the tests (npm test does)").toBe(true);
  });

  it.runIf(built)(
    "checks the examples and a broken file: ok lines on stdout, the error on stderr, exit 1, no stack trace",
    () => {
      const path = join(mkdtempSync(join(scratch, "spawn-")), "broken.rnn");
      writeFileSync(path, broken);
      const run = spawnSync(process.execPath, ["bin/rnnc.js", "check", ...examples, path], { encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stdout.match(/: ok \(/g)).toHaveLength(examples.length);
      expect(run.stderr).toMatch(
        new RegExp(
          `^${path.replace(/[.]/g, "\\.")}:7:12: error\\[E202\\]: W @ x: W is \\[H, H\\] = \\[32, 32\\] but x is \\[V\\] = \\[64\\]\\n {4}7 \\| {3}h = tanh\\(W @ x\\)\\n {6}\\| {12}\\^~~~~\\n`,
        ),
      );
      noStackTrace(run.stderr);
    },
  );

  it.runIf(built)("stops quietly when the reader of its output goes away (a pipe into head)", () => {
    // About 2 MB of gradients, far more than a pipe holds, so the writer meets the closed pipe.
    const command = `"${process.execPath}" bin/rnnc.js run examples/char-lm.rnn --data examples/data/char-lm.json --grad | head -c 10; echo " $\{PIPESTATUS[0]}"`;
    const run = spawnSync("bash", ["-c", command], { encoding: "utf8" });
    expect(run.stdout).toBe('{"loss":4. 0\n');
    expect(run.stderr).toBe("");
  });

  it.runIf(built && existsSync("/dev/full"))("output it cannot write (a full disk) is an error that says so", () => {
    const full = openSync("/dev/full", "w");
    const run = spawnSync(process.execPath, ["bin/rnnc.js", "check", "examples/elman.rnn"], {
      encoding: "utf8",
      stdio: ["ignore", full, "pipe"],
    });
    closeSync(full);
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 1,
      stderr: "rnnc: cannot write to standard output: no space left on the device\n",
    });
  });

  it.runIf(built)("exits 0 on the examples alone", () => {
    const run = spawnSync(process.execPath, ["bin/rnnc.js", "check", ...examples], { encoding: "utf8" });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  });

  // Each takes about half a second to load, and neither is installed with rnnc: only `rnnc compile` may load one.
  describe("loads prettier and TypeScript only when it writes code", () => {
    const withForbidden = (argv: string[], forbidden = "prettier,typescript", env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, ["--import", "./tests/support/forbid-packages.mjs", "bin/rnnc.js", ...argv], {
        encoding: "utf8",
        env: { ...process.env, ...env, RNNC_FORBIDDEN_PACKAGES: forbidden },
      });

    it.runIf(built)("check and run load neither", () => {
      for (const argv of [
        ["check", "examples/elman.rnn"],
        ["run", "examples/elman.rnn", "--data", "examples/data/elman.json"],
      ]) {
        const run = withForbidden(argv);
        expect({ argv, status: run.status, stderr: run.stderr }).toEqual({ argv, status: 0, stderr: "" });
      }
    });

    it.runIf(built)(
      "the compiled backend loads neither, and transpiles (with sucrase) only what is not in its cache yet",
      () => {
        const argv = ["run", "examples/elman.rnn", "--data", "examples/data/elman.json", "--backend", "compiled"];
        const env = { RNNC_CACHE_DIR: mkdtempSync(join(scratch, "cache-")) };
        expect(withForbidden(argv, "prettier,typescript", env)).toMatchObject({ status: 0, stderr: "" });
        expect(withForbidden(argv, "prettier,typescript,sucrase", env)).toMatchObject({ status: 0, stderr: "" });
        expect(
          withForbidden(argv, "sucrase", { RNNC_CACHE_DIR: mkdtempSync(join(scratch, "cache-")) }).stderr,
        ).toContain("forbidden package loaded: sucrase");
      },
    );

    it.runIf(built)("compile loads them (so the checks above can fail)", () => {
      expect(withForbidden(["compile", "examples/elman.rnn"]).stderr).toContain("forbidden package loaded: prettier");
    });
  });
});
