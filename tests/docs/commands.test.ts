/**
 * The commands the training and experiment docs show run as written, from a fresh directory
 * that sees this checkout's `bin/` and `examples/`, and print what the docs say they print
 * (to the last digit, up to the rounding `matchRounding` allows).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docExamples, matchRounding, runCommands } from "../support/doc-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const documents = ["docs/training.md"];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rnnc-doc-commands-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

for (const document of documents) {
  describe(document, () => {
    for (const [name, example] of docExamples(join(root, document))) {
      it(`example ${name} runs and prints what the document shows`, () => {
        expect(example.commands.run, `${name} has commands`).toBeDefined();
        const dir = join(scratch, `${document.replace(/\W/g, "-")}-${name}`);
        mkdirSync(dir);
        for (const linked of ["bin", "examples"]) symlinkSync(join(root, linked), join(dir, linked), "dir");
        const printed = runCommands(example.commands.run!, dir);
        if (example.output !== undefined) expect(matchRounding(printed, example.output)).toBe(example.output);
      }, 600_000);
    }
  });
}
