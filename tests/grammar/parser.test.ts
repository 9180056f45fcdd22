/**
 * The grammar as the AST shows it: precedence and associativity, literals, delays,
 * concatenation, calls, declarations, comments, and a source range on every node.
 */
import { describe, expect, it } from "vitest";
import type * as A from "../../grammar/ast.js";
import { parse } from "../../grammar/parse.js";
import { printExpr } from "../../compiler/format/print-expr.js";
import { examples, pytorchFixtures, withoutRanges } from "../compiler/front/helpers.js";
import { endOf, startOf } from "../../grammar/source-range.js";

/** The value of `q = <expression>` in a model, fully parenthesised to show the tree. */
function tree(expression: string): string {
  const { file, diagnostics } = parse(`model M { q = ${expression} }`);
  expect(diagnostics).toEqual([]);
  const item = file.models[0]!.items[0]!;
  if (item.kind !== "equation") throw new Error("not an equation");
  return show(item.value);
}

function show(e: A.Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "ref":
      return e.name.text;
    case "delay":
      return `${e.name.text}{${e.step.text}${e.offset >= 0 ? "+" : ""}${e.offset}}`;
    case "neg":
      return `(-${show(e.operand)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "concat":
      return `[${e.parts.map(show).join("; ")}]`;
    case "call":
      return `${e.callee.text}(${e.args.map((a) => (a.name ? `${a.name.text}=${show(a.value)}` : show(a.value))).join("; ")})`;
    case "error":
      return "<error>";
  }
}

function items(body: string): A.Item[] {
  const { file, diagnostics } = parse(`model M {\n${body}\n}`);
  expect(diagnostics).toEqual([]);
  return file.models[0]!.items;
}

describe("expressions", () => {
  it("+ and - bind loosest, then * / @, then unary minus", () => {
    expect(tree("a + b * c")).toBe("(a + (b * c))");
    expect(tree("W @ h + U @ x + b")).toBe("(((W @ h) + (U @ x)) + b)");
    expect(tree("a * b @ c")).toBe("((a * b) @ c)");
    expect(tree("-a * b")).toBe("((-a) * b)");
    expect(tree("-W @ x")).toBe("((-W) @ x)");
    expect(tree("a - -b")).toBe("(a - (-b))");
    expect(tree("--a")).toBe("(-(-a))");
  });

  it("binary operators are left-associative", () => {
    expect(tree("a - b - c")).toBe("((a - b) - c)");
    expect(tree("a / b * c")).toBe("((a / b) * c)");
    expect(tree("a - (b - c)")).toBe("(a - (b - c))");
  });

  it("parentheses group and leave no node of their own", () => {
    expect(tree("(1 - z) * n + z * h[t-1]")).toBe("(((1 - z) * n) + (z * h{t-1}))");
    expect(tree("((a))")).toBe("a");
  });

  it("numbers: integers, decimals, leading or trailing point, exponents", () => {
    const numbers = (["1", "0.5", ".25", "2.", "1e-3", "1E+2", "3.5e2"] as const).map((n) => {
      const { file } = parse(`model M { q = ${n} }`);
      const eq = file.models[0]!.items[0] as A.Equation;
      return eq.value.kind === "number" ? [eq.value.text, eq.value.value] : undefined;
    });
    expect(numbers).toEqual([
      ["1", 1],
      ["0.5", 0.5],
      [".25", 0.25],
      ["2.", 2],
      ["1e-3", 0.001],
      ["1E+2", 100],
      ["3.5e2", 350],
    ]);
  });

  it("delays are name[t-k]; the offset is kept signed as written for the checker to judge", () => {
    expect(tree("h[t-1] + h[t-12] + x[t]")).toBe("((h{t-1} + h{t-12}) + x{t+0})");
    expect(tree("h[t+1]")).toBe("h{t+1}");
    expect(tree("h[s-1]")).toBe("h{s-1}");
  });

  it("[a, b] concatenates; a concatenation after an operator is not a delay", () => {
    expect(tree("W @ [h[t-1], x]")).toBe("(W @ [h{t-1}; x])");
    expect(tree("[a, b + c, [d]]")).toBe("[a; (b + c); [d]]");
  });

  it("calls take positional and named arguments", () => {
    expect(tree("softmax(V @ h + c)")).toBe("softmax(((V @ h) + c))");
    expect(tree("f(a, b, name = 1e-3)")).toBe("f(a; b; name=1e-3)");
    expect(tree("f()")).toBe("f()");
  });

  it("dotted names are single names (shorthand parameters)", () => {
    expect(tree("h.W_f @ h.c[t-1]")).toBe("(h.W_f @ h.c{t-1})");
  });

  it("names may use any script", () => {
    expect(tree("σ(Wα @ hé)")).toBe("σ((Wα @ hé))");
  });
});

describe("declarations", () => {
  it("dim takes an expression of numbers and dims", () => {
    const [h, g] = items("dim H = 32\ndim G = 4 * H + 1");
    expect(withoutRanges(h)).toMatchObject({ kind: "dim", name: { text: "H" }, value: { kind: "number", value: 32 } });
    expect(printExpr((g as A.DimDecl).value)).toBe("4 * H + 1");
  });

  it("input and target: an optional kind word before the shape", () => {
    const decls = items("input x : onehot[V]\ninput z : [D]\ntarget y : class[K]\ntarget r : [K]") as (
      A.InputDecl | A.TargetDecl
    )[];
    expect(decls.map((d) => [d.kind, d.name.text, d.type.kind?.text ?? null, d.type.dims.map(printExpr)])).toEqual([
      ["input", "x", "onehot", ["V"]],
      ["input", "z", null, ["D"]],
      ["target", "y", "class", ["K"]],
      ["target", "r", null, ["K"]],
    ]);
  });

  it("param: a shape of dim expressions and an optional initialiser", () => {
    const decls = items(
      "param W : [H, H + D]\nparam U : [4 * H, D] = orthogonal(gain = 2)\nparam b : [H] = -0.5",
    ) as A.ParamDecl[];
    expect(decls.map((d) => [d.name.text, d.shape.map(printExpr), d.init ? printExpr(d.init) : null])).toEqual([
      ["W", ["H", "H + D"], null],
      ["U", ["4 * H", "D"], "orthogonal(gain = 2)"],
      ["b", ["H"], "-0.5"],
    ]);
  });

  it("state: a shape and an optional initial value", () => {
    const decls = items("state h : [H] = zeros\nstate c : [H] = learned\nstate o : [K]") as A.StateDecl[];
    expect(decls.map((d) => [d.name.text, d.init ? printExpr(d.init) : null])).toEqual([
      ["h", "zeros"],
      ["c", "learned"],
      ["o", null],
    ]);
  });

  it("equations, with the gate marker", () => {
    const eqs = items("gate f = sigmoid(z)\nh = f * h[t-1]") as A.Equation[];
    expect(eqs.map((e) => [e.gate, e.name.text, printExpr(e.value)])).toEqual([
      [true, "f", "sigmoid(z)"],
      [false, "h", "f * h[t-1]"],
    ]);
  });

  it("cell shorthand and loss declarations", () => {
    const [cell, loss] = items(
      "cell h = lstm(x, size = H, init = learned)\nloss cross_entropy(o, y, reduce = sum) at each",
    ) as [A.CellDecl, A.LossDecl];
    expect([
      cell.name.text,
      cell.cell.text,
      cell.args.map((a) => `${a.name?.text ?? ""}:${printExpr(a.value)}`),
    ]).toEqual(["h", "lstm", [":x", "size:H", "init:learned"]]);
    expect([loss.fn.text, loss.args.map((a) => `${a.name?.text ?? ""}:${printExpr(a.value)}`), loss.when.text]).toEqual(
      ["cross_entropy", [":o", ":y", "reduce:sum"], "each"],
    );
  });

  it("items need no separators: a whole model on one line parses", () => {
    const one = parse("model M { dim D = 4 input x : [D] target y : [D] o = x loss mse(o, y) at each }");
    expect(one.diagnostics).toEqual([]);
    expect(one.file.models[0]!.items.map((i) => i.kind)).toEqual(["dim", "input", "target", "equation", "loss"]);
  });

  it("declaration keywords are reserved, other words are names given meaning by position", () => {
    expect(parse("model M { param model : [H] }").diagnostics.map((d) => d.code)).toEqual(["E002"]);
    // `onehot`, `class`, `zeros`, `last`, `t` are ordinary names.
    expect(parse("model M { onehot = class + zeros * last + t }").diagnostics).toEqual([]);
  });
});

describe("comments", () => {
  it("line and block comments are kept beside the AST, in order, with their text", () => {
    const { file, diagnostics } = parse("// one\nmodel M { /* two\n three */ dim D = 4 // four\n}\n/* five */");
    expect(diagnostics).toEqual([]);
    expect(file.comments.map((c) => c.text)).toEqual(["// one", "/* two\n three */", "// four", "/* five */"]);
    expect(file.models[0]!.items).toHaveLength(1);
  });

  it("a block comment ends at the first */", () => {
    const { file } = parse("model M { /* a */ dim D = 4 /* b */ }");
    expect(file.comments.map((c) => c.text)).toEqual(["/* a */", "/* b */"]);
  });
});

describe("source ranges", () => {
  /** Every node with a range, and every name, found by walking the AST. */
  function* ranged(value: unknown): Generator<{ node: Record<string, unknown>; range: A.Range }> {
    if (Array.isArray(value)) {
      for (const v of value) yield* ranged(v);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Record<string, unknown>;
    if (node["range"]) yield { node, range: node["range"] as A.Range };
    for (const [key, v] of Object.entries(node)) if (key !== "range") yield* ranged(v);
  }

  const offsetOf = (text: string, line: number, column: number) =>
    text
      .split("\n")
      .slice(0, line - 1)
      .reduce((n, l) => n + l.length + 1, 0) +
    column -
    1;

  for (const source of [...examples(), ...pytorchFixtures()]) {
    it(`every node of ${source.path} has a range that agrees with the text`, () => {
      const { file, diagnostics } = parse(source.text);
      expect(diagnostics).toEqual([]);
      let count = 0;
      for (const { node, range } of ranged(file)) {
        count++;
        expect(range.startOffset).toBeLessThanOrEqual(range.endOffset);
        expect(offsetOf(source.text, startOf(range).line, startOf(range).column)).toBe(range.startOffset);
        expect(offsetOf(source.text, endOf(range).line, endOf(range).column)).toBe(range.endOffset);
        const written = source.text.slice(range.startOffset, range.endOffset);
        // A name's range covers exactly the name; a number's, exactly its literal.
        if (typeof node["text"] === "string" && !("kind" in node && node["kind"] !== "number"))
          expect(written).toBe(node["text"]);
        // An expression's range covers text that prints back to the same expression.
        if (node["kind"] === "binary" || node["kind"] === "call" || node["kind"] === "delay") {
          const reparsed = parse(`model M { q = ${written} }`).file.models[0]!.items[0] as A.Equation;
          expect(printExpr(reparsed.value)).toBe(printExpr(node as unknown as A.Expr));
        }
      }
      expect(count).toBeGreaterThan(50);
    });
  }

  it("positions count lines and columns from 1 and offsets from 0", () => {
    const { file } = parse("model M {\n  dim D = 4\n}");
    const dim = file.models[0]!.items[0]!;
    expect(startOf(dim.range)).toEqual({ line: 2, column: 3, offset: 12 });
    expect(endOf(dim.range)).toEqual({ line: 2, column: 12, offset: 21 });
    expect(startOf((dim as A.DimDecl).name.range)).toEqual({ line: 2, column: 7, offset: 16 });
  });
});
