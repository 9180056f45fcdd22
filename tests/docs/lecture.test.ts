/**
 * docs/lecture.md is valid `.rnn`: every model on the page checks without a diagnostic, and
 * every code span of its tables that is written as `.rnn` items (an equation in the lecture's
 * notation or the canonical one, a declaration, a cell, a loss) parses.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../compiler/frontend.js";
import { parse } from "../../grammar/parse.js";

const page = readFileSync("docs/lecture.md", "utf8");
const models = [...page.matchAll(/```rnn\n([^]*?)```/g)].map((m) => m[1]!);
const tableSpans = page
  .split("\n")
  .filter((line) => line.startsWith("|"))
  .flatMap((line) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))
  .filter((span) =>
    /^(?:(?:gate|state|param|input|target|cell|loss|dim) |[\p{L}_][\p{L}\p{M}\p{N}_.]*(?:\[t\])? = )/u.test(span),
  );

describe("docs/lecture.md", () => {
  it("has models, and table cells written as .rnn", () => {
    expect(models.length).toBeGreaterThanOrEqual(2);
    expect(tableSpans.length).toBeGreaterThan(25);
  });

  for (const text of models)
    it(`${/model (\S+)/.exec(text)![1]} checks without a diagnostic`, () => {
      expect(analyze(text).diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });

  it("every .rnn code span of its tables parses", () => {
    const failing = tableSpans.filter((span) => parse(`model M {\n  ${span}\n}`).diagnostics.length > 0);
    expect(failing).toEqual([]);
  });
});
