/**
 * README.md's model and tour as written. The model is examples/elman.rnn. The tour's
 * commands run one after the other in a scratch directory laid out like the checkout (its
 * examples/, and `rnnc` installed as `npm ci` makes `npx rnnc` work there), where they write
 * their files (jordan.svg, lstm.ts, runs/char-lm); the training commands use the text that
 * ships in examples/data. The set-up lines at the top (`npm ci && npm test`, the main job)
 * are what .ci/run runs, not this test.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { docExamples, linkedExampleProject, runCommands } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const tour = docExamples(join(root, "README.md")).get("tour")!;

describe("README.md", () => {
  it("shows examples/elman.rnn as its model", () => {
    const model = /## A model\n\n```\n([\s\S]*?)```/.exec(readme)![1];
    expect(model).toBe(readFileSync(join(root, "examples/elman.rnn"), "utf8"));
  });

  it("ships the texts its tour trains and evaluates on", () => {
    for (const text of ["examples/data/fables.txt", "examples/data/fables-held-out.txt"])
      expect(tour.commands.run).toContain(text);
    // Evaluating needs every character of the held-out text in the training text's vocabulary.
    const vocabulary = new Set(readFileSync(join(root, "examples/data/fables.txt"), "utf8"));
    const heldOut = [...new Set(readFileSync(join(root, "examples/data/fables-held-out.txt"), "utf8"))];
    expect(heldOut.filter((c) => !vocabulary.has(c))).toEqual([]);
  });

  describe("the tour, run as written", () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-tour-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    linkedExampleProject(dir, root);
    symlinkSync(join(root, "examples"), join(dir, "examples"), "dir");
    const lines = tour.commands.run!.trim().split("\n");
    const outputs = new Map<string, string>();

    it("runs every command", () => {
      for (const line of lines) outputs.set(line.split("#")[0]!.trim(), runCommands(line, dir));
      expect(outputs.size).toBe(16);
    }, 600_000);

    it("writes what it says and finds the checkpoint train kept", () => {
      const out = (start: string) => [...outputs].find(([line]) => line.startsWith(start))?.[1] ?? "";
      const shipped = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".rnn"));
      expect(out("npx rnnc check").match(/^examples\/[\w-]+\.rnn: ok /gm)).toHaveLength(shipped.length);
      expect(out("npx rnnc run examples/elman.rnn --data examples/data/elman.json --grad --pretty")).toMatch(
        /^\{\n {2}"loss": [\d.]+,\n {2}"outputs": \{/,
      );
      for (const file of ["jordan.svg", "lstm.ts", "runs/char-lm/checkpoint.json", "char_lm.py", "char_lm.onnx"])
        expect(existsSync(join(dir, file)), file).toBe(true);
      expect(out("npx rnnc sample")).toMatch(/^The [a-zA-Z ,.\n]{200}\n$/);
      const { step } = JSON.parse(readFileSync(join(dir, "runs/char-lm/checkpoint.json"), "utf8")) as { step: number };
      expect(step).toBe(280);
      expect(out("npx rnnc eval")).toContain(
        `CharLM at step ${step} (runs/char-lm) on examples/data/fables-held-out.txt`,
      );
      expect(out("npx rnnc analyze").split("\n")[0]).toBe(`CharLM, checkpoint runs/char-lm (step ${step})`);
    });
  });
});
