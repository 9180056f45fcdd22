/**
 * `rnnc translate --attention-plot FILE.svg` on an encoder-decoder with attention trained to
 * reverse sequences of words: a heatmap panel per line (the first ATTENTION_PANELS), the
 * source's tokens across and the output's down, whose weights show the reversal; with beam
 * search too; refused, with nothing written, for a model without attention.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ATTENTION_PANELS } from "../../compiler/cli/commands/translate.js";
import { Rng } from "../../runtime/rng.js";
import { rnnc } from "../support/cli.js";
import { attentionReverserModel, reverserModel, wordSequences } from "../support/reverser.js";

let dir: string;
// As many lines as a plot draws.
const sources = wordSequences(new Rng(9), ATTENTION_PANELS);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rnnc-attention-plot-"));
  writeFileSync(join(dir, "attend.rnn"), attentionReverserModel());
  writeFileSync(join(dir, "plain.rnn"), reverserModel(8));
  const pairs = wordSequences(new Rng(1), 300).map((w) => `${w.join(" ")}\t${[...w].reverse().join(" ")}\n`);
  writeFileSync(join(dir, "train.tsv"), pairs.join(""));
  writeFileSync(join(dir, "sources.txt"), sources.map((w) => w.join(" ") + "\n").join(""));
  for (const [model, epochs] of [
    ["attend", "40"],
    ["plain", "1"],
  ] as const) {
    const trained = await rnnc(
      "train",
      join(dir, `${model}.rnn`),
      ...["--data", join(dir, "train.tsv"), "--tokens", "words", "--backend", "interp", "--epochs", epochs],
      ...["--checkpoint", join(dir, model), "--progress", "none"],
    );
    expect(trained.code, trained.err).toBe(0);
  }
}, 300_000);

const translate = (...args: string[]) =>
  rnnc("translate", join(dir, "attend.rnn"), "--checkpoint", join(dir, "attend"), ...args);

interface Panel {
  title: string;
  columns: string[];
  rows: string[];
  /** weights[row][column], as the cells carry them. */
  weights: number[][];
}

/** XML text as written: &lt; is <, and so on. */
const unescape = (text: string) =>
  text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

/** The panels of a heatmap SVG as its text says: labels and the cells' weights. */
function panels(svg: string): Panel[] {
  return svg
    .split('<g class="panel"')
    .slice(1)
    .map((group) => {
      const texts = (cls: string) =>
        [...group.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, "g"))].map((m) => unescape(m[1]!));
      const weights: number[][] = [];
      for (const m of group.matchAll(/data-row="(\d+)" data-column="(\d+)" data-weight="([^"]+)"/g))
        (weights[Number(m[1])] ??= [])[Number(m[2])] = Number(m[3]);
      return { title: texts("title")[0]!, columns: texts("column"), rows: texts("row"), weights };
    });
}

describe("rnnc translate --attention-plot", () => {
  it("draws a panel a line: source tokens across, the output and <eos> down, each row of weights summing to 1", async () => {
    const plot = join(dir, "greedy.svg");
    const [plain, plotted] = [
      await translate("--input", join(dir, "sources.txt")),
      await translate("--input", join(dir, "sources.txt"), "--attention-plot", plot),
    ];
    expect(plotted.code, plotted.err).toBe(0);
    expect(plotted.out).toBe(plain.out);
    expect(plotted.err).toContain(`wrote ${plot} (attention of ${sources.length} of ${sources.length} translations)`);
    const outputs = plotted.out.trimEnd().split("\n");
    const drawn = panels(readFileSync(plot, "utf8"));
    expect(drawn).toHaveLength(sources.length);
    drawn.forEach((panel, i) => {
      expect(panel.title).toBe(`${sources[i]!.join(" ")} → ${outputs[i]}`);
      expect(panel.columns).toEqual(sources[i]);
      expect(panel.rows).toEqual([...outputs[i]!.split(" "), "<eos>"]);
      expect(panel.weights.map((row) => row.length)).toEqual(panel.rows.map(() => sources[i]!.length));
      for (const row of panel.weights) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-3);
    });
    // A model that reverses looks, for its k-th word, at the source's k-th word from the end.
    let mirrored = 0;
    let words = 0;
    drawn.forEach((panel) =>
      panel.weights.slice(0, -1).forEach((row, k) => {
        words++;
        if (row.indexOf(Math.max(...row)) === panel.columns.length - 1 - k) mirrored++;
      }),
    );
    expect(mirrored / words).toBeGreaterThan(0.8);
  });

  it("works with beam search: a beam of 1 draws what greedy draws, a wider beam its own output", async () => {
    const [greedy, beam1, beam3] = ["greedy-again.svg", "beam1.svg", "beam3.svg"].map((f) => join(dir, f));
    await translate("--input", join(dir, "sources.txt"), "--attention-plot", greedy);
    const one = await translate("--input", join(dir, "sources.txt"), "--beam", "1", "--attention-plot", beam1);
    expect(one.code, one.err).toBe(0);
    expect(readFileSync(beam1, "utf8")).toBe(readFileSync(greedy, "utf8"));
    const three = await translate("--input", join(dir, "sources.txt"), "--beam", "3", "--attention-plot", beam3);
    expect(three.code, three.err).toBe(0);
    const outputs = three.out.trimEnd().split("\n");
    const drawn = panels(readFileSync(beam3, "utf8"));
    expect(drawn.map((p) => p.rows.slice(0, -1).join(" "))).toEqual(outputs);
  });

  it(`draws the first ${ATTENTION_PANELS} lines of more, and says so`, async () => {
    const many = wordSequences(new Rng(4), ATTENTION_PANELS + 5);
    writeFileSync(join(dir, "many.txt"), many.map((w) => w.join(" ") + "\n").join(""));
    const plot = join(dir, "many.svg");
    const r = await translate("--input", join(dir, "many.txt"), "--attention-plot", plot);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trimEnd().split("\n")).toHaveLength(ATTENTION_PANELS + 5);
    const svg = readFileSync(plot, "utf8");
    expect(panels(svg)).toHaveLength(ATTENTION_PANELS);
    expect(svg).toContain(`attention weights of the first ${ATTENTION_PANELS} of ${ATTENTION_PANELS + 5} translations`);
  });

  it("refuses a model without attention, writing nothing", async () => {
    const plot = join(dir, "plain.svg");
    const r = await rnnc(
      "translate",
      join(dir, "plain.rnn"),
      ...["--checkpoint", join(dir, "plain"), "--input", join(dir, "sources.txt"), "--attention-plot", plot],
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toContain(
      `rnnc: --attention-plot: ${join(dir, "plain.rnn")} has no attention (no softmax over the source's steps, as softmax(score, over = s, mask = x)): there is nothing to draw`,
    );
    expect(existsSync(plot)).toBe(false);
  });
});
