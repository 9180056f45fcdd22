/**
 * `rnnc fmt`'s canonical layout: one item per line, two-space indent, single spaces around
 * operators, the fewest parentheses that keep the meaning, literals as written, at most one
 * blank line, and every comment kept (trailing comments stay trailing, comments inside a
 * multi-line item move above it).
 */
import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/parse.js";
import { formatFile } from "../../../compiler/format/format.js";
import { shapeOfFile } from "./helpers.js";

function fmt(text: string): string {
  const parsed = parse(text);
  expect(parsed.diagnostics).toEqual([]);
  const out = formatFile(parsed.file);
  // Whatever the input, the output means the same and is a fixed point.
  expect(shapeOfFile(parse(out).file)).toEqual(shapeOfFile(parsed.file));
  expect(formatFile(parse(out).file)).toBe(out);
  return out;
}

/** The formatted value of `q = ...`. */
const expr = (e: string) => /q = (.*)\n/.exec(fmt(`model M { q = ${e} }`))![1];

describe("rnnc fmt", () => {
  it("writes a function's settings as name = value, in the order given", () => {
    expect(expr("dropout( h[t-1] ,per=sequence,p=0.25 )")).toBe("dropout(h[t-1], per = sequence, p = 0.25)");
    expect(expr("W@dropout(x,p=.3)")).toBe("W @ dropout(x, p = .3)");
  });

  it("lays out a model: one item per line, two-space indent, single spaces", () => {
    expect(
      fmt(
        "model  M{dim D=4 input x:onehot[D] target y:class[D]\nparam W:[D,D]=uniform(-0.1,0.1) state h:[D]=learned\ncell c=lstm(x,size=D)\ngate h=sigmoid(W@[h[t-1],x])\nloss cross_entropy(h,y,reduce=sum)at each}",
      ),
    ).toBe(
      [
        "model M {",
        "  dim D = 4",
        "  input x : onehot[D]",
        "  target y : class[D]",
        "  param W : [D, D] = uniform(-0.1, 0.1)",
        "  state h : [D] = learned",
        "  cell c = lstm(x, size = D)",
        "  gate h = sigmoid(W @ [h[t-1], x])",
        "  loss cross_entropy(h, y, reduce = sum) at each",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("keeps only the parentheses the meaning needs", () => {
    expect(expr("((a)) + (b * c)")).toBe("a + b * c");
    expect(expr("(a + b) * c")).toBe("(a + b) * c");
    expect(expr("a - (b - c)")).toBe("a - (b - c)");
    expect(expr("(a - b) - c")).toBe("a - b - c");
    expect(expr("a * (b @ c)")).toBe("a * (b @ c)");
    expect(expr("-(a * b)")).toBe("-(a * b)");
    expect(expr("-(-(a))")).toBe("--a");
    expect(expr("(1 - z) * n + z * h[t-1]")).toBe("(1 - z) * n + z * h[t-1]");
  });

  it("writes literals and delays as they were written", () => {
    expect(expr("1e-3 * .5 + 2. * 1E+2")).toBe("1e-3 * .5 + 2. * 1E+2");
    expect(expr("h[t - 2] + h[t-0] + h[t+1] + h[t-1e400] + h[t-01]")).toBe(
      "h[t-2] + h[t-0] + h[t+1] + h[t-1e400] + h[t-01]",
    );
  });

  it("writes the lecture's notation in the canonical syntax it stands for, or with --keep-notation as written", () => {
    const lecture = ["model M {", "  h[t] = σ(W · h[t-1] + U ⋅ x[t] + b)", "  C̃[t] = f[t] ⊙ C̃[t-1]", "}", ""].join(
      "\n",
    );
    expect(fmt(lecture)).toBe(
      ["model M {", "  h = sigmoid(W @ h[t-1] + U @ x + b)", "  C̃ = f * C̃[t-1]", "}", ""].join("\n"),
    );
    expect(formatFile(parse(lecture).file, { keepNotation: true })).toBe(lecture);
    // A name is its composed form (NFC): n with a combining tilde is ñ.
    expect(expr("n\u0303 + ñ")).toBe("ñ + ñ");
  });

  it("keeps every comment: trailing ones trailing, those inside a multi-line item above it", () => {
    const text = [
      "// header comment",
      "",
      "/* block",
      "   before */",
      "model   M   {   // on the model line",
      "  dim D=4    // trailing D",
      "",
      "",
      "",
      "  input x:[D]",
      "  h = tanh(   // inside a multi-line item",
      "     x)   // after the item",
      "  /* standalone */ o = h",
      "  // last in model",
      "}",
      "// after",
      "",
    ].join("\n");
    expect(fmt(text)).toBe(
      [
        "// header comment",
        "",
        "/* block",
        "   before */",
        "model M {  // on the model line",
        "  dim D = 4  // trailing D",
        "",
        "  input x : [D]",
        "  // inside a multi-line item",
        "  h = tanh(x)  // after the item",
        "  /* standalone */",
        "  o = h",
        "  // last in model",
        "}",
        "// after",
        "",
      ].join("\n"),
    );
  });

  it("keeps comments in source order when one sits between 'model' and a name on a later line", () => {
    // The comment on the name's line used to end the header line, above the earlier one, which
    // went into the body: the comments came out of order.
    expect(fmt("model // x\n  M { /* y */\n  dim D = 4\n}\n")).toBe("model M {\n  // x\n  /* y */\n  dim D = 4\n}\n");
    expect(fmt("model /* x */\n  M /* y */ {\n}\n")).toBe("model M {\n  /* x */\n  /* y */\n}\n");
    expect(fmt("model /* x */ M { // y\n  dim D = 4\n}\n")).toBe("model M {  /* x */  // y\n  dim D = 4\n}\n");
  });

  it("keeps a block comment's text exactly, trailing spaces and line breaks inside it included", () => {
    expect(fmt("/* a  \n   b  \n */\nmodel M {\n  dim D = 4  \n}\n")).toBe(
      "/* a  \n   b  \n */\nmodel M {\n  dim D = 4\n}\n",
    );
    expect(fmt("model M {\r\n  /* a\r\n     b */\r\n  dim D = 4\r\n}\r\n")).toBe(
      "model M {\n  /* a\r\n     b */\n  dim D = 4\n}\n",
    );
    expect(fmt("model M {\n  h = tanh( /* a\r b */\n    x)\n}\n")).toBe("model M {\n  /* a\r b */\n  h = tanh(x)\n}\n");
  });

  it("keeps at most one blank line between items, and none where there was none", () => {
    expect(fmt("model M {\n\n\n  dim A = 1\n  dim B = 2\n\n\n\n  dim C = 3\n\n}\n")).toBe(
      "model M {\n  dim A = 1\n  dim B = 2\n\n  dim C = 3\n}\n",
    );
  });

  it("ends the file with exactly one newline", () => {
    expect(fmt("model M { dim A = 1 }")).toBe("model M {\n  dim A = 1\n}\n");
    expect(fmt("model M { dim A = 1 }\n\n\n")).toBe("model M {\n  dim A = 1\n}\n");
  });

  it("formats the shorthand of every cell kind and every initialiser", () => {
    const out = fmt(
      "model M { param a:[D,D]=orthogonal(gain=2) param b:[D]=normal(0,0.1) param c:[D,D]=normal(std=0.01) param d:[D]=-1 cell e=gru(x,size=H,in=D) cell f=jordan(x,size=H,out=o,act=relu) }",
    );
    expect(out).toContain(
      "  param a : [D, D] = orthogonal(gain = 2)\n  param b : [D] = normal(0, 0.1)\n  param c : [D, D] = normal(std = 0.01)\n  param d : [D] = -1\n",
    );
    expect(out).toContain("  cell e = gru(x, size = H, in = D)\n  cell f = jordan(x, size = H, out = o, act = relu)\n");
  });
});
