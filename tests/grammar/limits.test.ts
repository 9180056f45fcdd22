/**
 * Expressions nested or chained far beyond any real model get one clear error (E003)
 * instead of exhausting the stack in the parser or a later pass; up to the limits, such
 * expressions parse, check and run.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { MAX_NESTING, MAX_OPERATORS } from "../../grammar/nesting.js";
import { startOf } from "../../grammar/source-range.js";

/** The expression starts at line 4, column 7. */
const model = (expression: string) => `model M {\n  dim D = 2\n  input x : [D]\n  q = ${expression}\n}\n`;
const codes = (text: string) =>
  analyze(text).diagnostics.map((d) => `${d.code} ${startOf(d.range).line}:${startOf(d.range).column}`);

describe("limits on expression depth and length", () => {
  it("reports brackets nested too deeply, at the first bracket past the limit", () => {
    const open = MAX_NESTING + 1;
    expect(codes(model("(".repeat(10 * open) + "x" + ")".repeat(10 * open)))).toEqual([`E003 4:${6 + open}`]);
    expect(codes(model("[".repeat(10 * open) + "x" + "]".repeat(10 * open)))).toEqual([`E003 4:${6 + open}`]);
  });

  it("reports an expression with too many operators: long chains and long runs of unary minus", () => {
    expect(
      codes(
        model(
          Array(20 * MAX_OPERATORS)
            .fill("x")
            .join(" + "),
        ),
      ),
    ).toEqual([`E003 4:${7 + 4 * MAX_OPERATORS + 2}`]);
    expect(codes(model("-".repeat(20 * MAX_OPERATORS) + "x"))).toEqual([`E003 4:${7 + MAX_OPERATORS}`]);
  });

  it("accepts expressions right at the limits, nested and chained together", () => {
    const chain = Array(MAX_OPERATORS - 1)
      .fill("x")
      .join(" * ");
    const text = model("(".repeat(MAX_NESTING - 1) + "[x, " + chain + "]" + ")".repeat(MAX_NESTING - 1));
    const result = analyze(text);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});
