/**
 * docs/language.md says what the implementation does: the expansion it shows for each cell
 * is the expansion, its tables list every built-in function, loss and initialiser, and its
 * complete examples check.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "../../../grammar/parse.js";
import { analyze } from "../../../compiler/frontend.js";
import { expandCells } from "../../../compiler/expand/expand.js";
import { callNames, lossNames } from "../../../compiler/ops/registry.js";
import { cellDefinitions } from "../../../compiler/expand/cells.js";
import { withoutRanges } from "./helpers.js";

const doc = () => readFileSync("docs/language.md", "utf8");

/** The cells of every table row, trimmed: tables are matched by content, not by their column padding. */
const tableRows = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
const hasRowStarting = (text: string, ...cells: string[]) =>
  tableRows(text).some((row) => cells.every((cell, i) => row[i] === cell));

/** Every "`cell h = ...` is" sentence with the code block after it. */
function documentedExpansions(): { cell: string; core: string }[] {
  return [...doc().matchAll(/`(cell h = [^`]+)` is\n\n```\n([^]*?)```/g)].map((m) => ({ cell: m[1]!, core: m[2]! }));
}

const context = `
  dim D = 3
  dim H = 5
  dim K = 2
  input x : [D]
  state o : [K] = zeros`;

describe("docs/language.md", () => {
  it("shows the expansion of every cell kind", () => {
    const kinds = documentedExpansions().map((e) => /= (\w+)\(/.exec(e.cell)![1]);
    expect(kinds.sort()).toEqual(Object.keys(cellDefinitions).sort());
  });

  for (const { cell, core } of documentedExpansions()) {
    it(`'${cell}' expands exactly as shown`, () => {
      const withCell = parse(`model M {${context}\n  ${cell}\n}`);
      expect(withCell.diagnostics).toEqual([]);
      const expanded = expandCells(withCell.file.models[0]!);
      expect(expanded.diagnostics).toEqual([]);
      const written = parse(`model M {${context}\n${core}}`);
      expect(written.diagnostics).toEqual([]);
      expect(withoutRanges(expanded.model.items)).toEqual(withoutRanges(written.file.models[0]!.items));
    });
  }

  it("lists every built-in function with its formula, and every loss", () => {
    const text = doc();
    for (const f of callNames()) expect(hasRowStarting(text, `\`${f}\``), f).toBe(true);
    for (const l of lossNames()) expect(hasRowStarting(text, `\`${l}\``), l).toBe(true);
  });

  it("lists every initialiser the checker accepts, and the defaults", () => {
    const text = doc();
    for (const init of [
      "`zeros`",
      "`ones`",
      "`uniform(a, b)`",
      "`normal(std = s)`",
      "`xavier`",
      "`orthogonal(gain = g)`",
      "`learned`",
    ])
      expect(text).toContain(init);
    expect(text).toContain("a matrix without an initialiser is `xavier`; a vector is `zeros`");
    // ... and the defaults are what the checker gives.
    const model = analyze("model M { dim N = 2 input x : [N] param W : [N, N] param b : [N] o = W @ x + b }").model!;
    expect(model.params.map((p) => [p.name, p.init.kind])).toEqual([
      ["W", "xavier"],
      ["b", "zeros"],
    ]);
  });

  it("its complete model examples check clean", () => {
    const blocks = [...doc().matchAll(/```\n([^`]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => /^(\/\/.*\n)*model \w+ \{/.test(b) && b.includes("loss "));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(analyze(block).diagnostics.map((d) => d.message)).toEqual([]);
  });

  it("states the precedence the parser implements", () => {
    const text = doc();
    expect(hasRowStarting(text, "1", "`+` `-`")).toBe(true);
    expect(hasRowStarting(text, "2", "`*` `/` `@`")).toBe(true);
    expect(hasRowStarting(text, "3", "unary `-`")).toBe(true);
    const eq = parse("model M { q = -a * b + c @ d }").file.models[0]!.items[0]!;
    expect(eq.kind === "equation" && eq.value.kind === "binary" && eq.value.op).toBe("+");
  });
});
