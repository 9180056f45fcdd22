/**
 * The toy translation corpus of examples/experiments/data.mjs (`pairs`): the grammar's sentences
 * beside their toy French, one `source<TAB>target` a line, the same for the same seed; adjectives
 * follow their noun, and articles and adjectives agree with a noun's gender, which comes after them.
 */
import { describe, expect, it } from "vitest";

const { pairs } = (await import(new URL("../../examples/experiments/data.mjs", import.meta.url).href)) as {
  pairs: (seed: number, n: number) => string;
};

describe("data.mjs pairs", () => {
  const lines = pairs(3, 400).trimEnd().split("\n");

  it("writes n lines of source<TAB>target, the same for the same seed", () => {
    expect(lines).toHaveLength(400);
    for (const line of lines) expect(line).toMatch(/^[a-z ]+\t[a-zéèà' ]+$/);
    expect(pairs(3, 400)).toBe(lines.join("\n") + "\n");
    expect(pairs(4, 400)).not.toBe(pairs(3, 400));
  });

  it("puts an adjective after its noun, and makes article and adjective agree with the noun", () => {
    const translation = new Map(lines.map((l) => l.split("\t") as [string, string]));
    const byPrefix = (source: RegExp) => [...translation].filter(([s]) => source.test(s)).map(([, t]) => t);
    expect(byPrefix(/^the red king /).every((t) => t.startsWith("le roi rouge "))).toBe(true);
    expect(byPrefix(/^a happy queen /).every((t) => t.startsWith("une reine heureuse "))).toBe(true);
    expect(byPrefix(/^the old queen /).every((t) => t.startsWith("la reine vieille "))).toBe(true);
    expect(byPrefix(/^(the|a) (red|happy|old) (king|queen) /).length).toBeGreaterThan(3);
  });
});
