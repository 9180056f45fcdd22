/**
 * Every command docs/experiments.md shows runs, in the order shown, from a directory that sees
 * only this checkout's `bin/` and `examples/` (where the scripts write runs/experiments/ and the
 * commands after a script read it). The scripts run with smaller budgets than the page's
 * figures (appended options override the defaults): the test shows that the commands work as
 * written, the recorded tables come from the full runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { docExamples, runCommands } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const examples = docExamples(join(root, "docs/experiments.md"));

/** Options each script takes after the page's command line: a minute or less of training. */
const smallBudget: Record<string, string> = {
  "order-matters": "--epochs 1 --train 100 --test 50",
  "long-range": "--lags 40 --epochs 1 --train 64 --test 32",
  exploding: "--epochs 1 --train 64 --test 32 --thresholds 1",
  "char-lm": "--epochs 1 --sentences 40",
  recurrences: "--seeds 1 --epochs 1 --train 100 --test 50",
  "linear-recurrence": "",
  dropout: "--epochs 1",
  translation: "--epochs 1 --train 300 --val 30 --test 30",
  attention: "--epochs 1 --train 100 --val 20 --test 30",
};

const scratch = mkdtempSync(join(tmpdir(), "rnnc-experiments-doc-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("docs/experiments.md", () => {
  it("shows a command for every experiment script, and nothing else unrun", () => {
    expect([...examples.keys()].sort()).toEqual(Object.keys(smallBudget).sort());
  });

  for (const [name, example] of examples) {
    it(`runs the commands of ${name}`, () => {
      const dir = join(scratch, name);
      mkdirSync(dir);
      for (const linked of ["bin", "examples"]) symlinkSync(join(root, linked), join(dir, linked), "dir");
      const lines = example.commands.run!.trim().split("\n");
      const script = `node examples/experiments/${name}.mjs`;
      expect(lines[0]).toMatch(new RegExp(`^${script} +# --`));
      const commands = [`${script} ${smallBudget[name]}`, ...lines.slice(1)].join("\n");
      const printed = runCommands(commands, dir, 600_000);
      expect(printed).toContain(`wrote runs/experiments/${name}/results.md`);
      expect(readFileSync(join(dir, "runs/experiments", name, "commands.sh"), "utf8")).toMatch(/^npx rnnc /);
    }, 900_000);
  }
});
