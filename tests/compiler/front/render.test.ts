/**
 * The one renderer of diagnostics: `file:line:col: severity[CODE]: message`, the source
 * line, a caret under the range, the hint, then each related location as a note.
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../../compiler/frontend.js";
import { diagnosticsToJson, renderDiagnostics } from "../../../compiler/diagnostics/render.js";
import { error, warning } from "../../../grammar/diagnostic.js";
import { RangeBuilder } from "../../../grammar/positions.js";

const at = (line: number, column: number, offset: number) => ({ line, column, offset });
/** The range from offset `from` to `to` of `text`. */
const span = (text: string, from: number, to: number) =>
  new RangeBuilder(RangeBuilder.lineTable(text), text.length).range(from, to);

describe("renderDiagnostics", () => {
  const source = "model M {\n  h = tanh(W @ h + b)\n\tq = h\n}\n";

  it("prints the location, severity and code, the line, a caret as wide as the range, and the hint", () => {
    const d = error("E202", "W @ h: W is [H, H] = [32, 32] but h is [V] = [64]", span(source, 21, 26), {
      hint: "the columns of W must match the size of h",
    });
    expect(renderDiagnostics([d], source, { fileName: "m.rnn" })).toBe(
      [
        "m.rnn:2:12: error[E202]: W @ h: W is [H, H] = [32, 32] but h is [V] = [64]",
        "    2 |   h = tanh(W @ h + b)",
        "      |            ^~~~~",
        "     = hint: the columns of W must match the size of h",
        "",
      ].join("\n"),
    );
  });

  it("prints related locations as notes with their own excerpt, and warnings as warnings", () => {
    const d = warning("W001", "something", span(source, 12, 13), {
      related: [{ message: "declared here", range: span(source, 33, 34) }],
    });
    expect(renderDiagnostics([d], source, { fileName: "m.rnn" })).toBe(
      [
        "m.rnn:2:3: warning[W001]: something",
        "    2 |   h = tanh(W @ h + b)",
        "      |   ^",
        "m.rnn:3:2: note: declared here",
        "    3 |  q = h",
        "      |  ^",
        "",
      ].join("\n"),
    );
  });

  it("cuts a long line to a window around the caret, so the caret stays on screen", () => {
    const line = "q = " + "x + ".repeat(100) + "oops";
    const column = line.indexOf("oops") + 1;
    const d = error("E201", "far right", span(line, column - 1, column + 3));
    const [, shown, marker] = renderDiagnostics([d], line + "\n", { fileName: "m" }).split("\n");
    expect(shown!.length).toBeLessThan(120);
    expect(shown).toMatch(/^ {4}1 \| ….*oops$/);
    expect(shown!.indexOf("oops")).toBe(marker!.indexOf("^"));
  });

  it("underlines an empty range with one caret, and a range over several lines to the end of its first", () => {
    const empty = error("E002", "missing", span(source, 31, 31));
    expect(renderDiagnostics([empty], source, { fileName: "m" })).toContain(
      "    2 |   h = tanh(W @ h + b)\n      |                      ^\n",
    );
    const long = error("E201", "long", span(source, 16, 34));
    expect(renderDiagnostics([long], source, { fileName: "m" })).toContain(
      "    2 |   h = tanh(W @ h + b)\n      |       ^~~~~~~~~~~~~~~\n",
    );
  });

  it("colours only when asked", () => {
    const d = error("E101", "x", span(source, 0, 1));
    expect(renderDiagnostics([d], source, { fileName: "m" })).not.toContain("\u001b[");
    expect(renderDiagnostics([d], source, { fileName: "m", color: true })).toContain("\u001b[31merror[E101]\u001b[0m");
  });

  it("renders a whole analysis with a blank line between diagnostics", () => {
    const text = "model M {\n  dim D = 4\n  input x : [D]\n  q = x + zz + yy\n}\n";
    const out = renderDiagnostics(analyze(text).diagnostics, text, { fileName: "m.rnn" });
    expect(out).toBe(
      [
        "m.rnn:4:11: error[E101]: 'zz' is not defined",
        "    4 |   q = x + zz + yy",
        "      |           ^~",
        "",
        "m.rnn:4:16: error[E101]: 'yy' is not defined",
        "    4 |   q = x + zz + yy",
        "      |                ^~",
        "",
      ].join("\n"),
    );
  });
});

describe("diagnosticsToJson", () => {
  it("gives every field, with the file name, as plain data", () => {
    const d = error(
      "E101",
      "'zz' is not defined",
      span("model M {\n  dim D = 4\n  input x : [D]\n  q = x + zz + yy\n}\n", 48, 50),
      { hint: "did you mean 'z'?" },
    );
    expect(JSON.parse(JSON.stringify(diagnosticsToJson([d], "m.rnn")))).toEqual([
      {
        file: "m.rnn",
        severity: "error",
        code: "E101",
        message: "'zz' is not defined",
        range: { start: at(4, 11, 48), end: at(4, 13, 50) },
        related: [],
        hint: "did you mean 'z'?",
      },
    ]);
  });
});
