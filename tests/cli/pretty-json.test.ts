/**
 * `rnnc run --pretty`'s layout: the same JSON value as JSON.stringify's, in lines of at most
 * the width, members of what does not fit on lines of their own, numbers filling lines.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prettyJson } from "../../compiler/cli/pretty-json.js";

function isPrimitive(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return value === null || typeof value !== "object";
  } catch {
    return false;
  }
}

describe("prettyJson", () => {
  it("keeps what fits on one line, with a space after each comma and colon", () => {
    expect(prettyJson({ loss: 0.5, outputs: { o: [[1, 2]] } })).toBe('{"loss": 0.5, "outputs": {"o": [[1, 2]]}}');
  });

  it("gives each member of what does not fit a line, and fills lines with numbers", () => {
    const value = {
      loss: 0.25,
      outputs: {
        o: [
          [
            [0.125, 0.875],
            [0.5, 0.5],
          ],
          [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
        ],
      },
    };
    expect(prettyJson(value, 24)).toBe(
      [
        "{",
        '  "loss": 0.25,',
        '  "outputs": {',
        '    "o": [',
        "      [",
        "        [0.125, 0.875],",
        "        [0.5, 0.5]",
        "      ],",
        "      [",
        "        [",
        "          1, 2, 3, 4, 5,",
        "          6, 7, 8, 9,",
        "          10, 11",
        "        ]",
        "      ]",
        "    ]",
        "  }",
        "}",
      ].join("\n"),
    );
  });

  it("leaves out what JSON.stringify leaves out, and writes null where it does", () => {
    expect(prettyJson({ a: undefined, b: [Number.NaN, Infinity], c: () => 1 })).toBe('{"b": [null, null]}');
  });

  it("parses to JSON.stringify's value, in lines no wider than the width but for one long item", () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(json, fc.integer({ min: 10, max: 120 }), (value, width) => {
        const text = prettyJson(value, width);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        for (const line of text.split("\n")) {
          if (line.length <= width) continue;
          // Too long only when it holds one item that no layout could split (a string, a number, an opening or empty bracket) with its key.
          const item = line
            .trim()
            .replace(/,$/, "")
            .replace(/^"(?:[^"\\]|\\.)*": /, "");
          expect(["[", "{", "[]", "{}"].includes(item) || isPrimitive(item), line).toBe(true);
        }
      }),
    );
  });
});
