/**
 * docs/playground.md's screenshot command, as written but into a scratch directory: it opens
 * the built page in Chromium, trains the language model, and writes the three pictures the
 * docs show, each the size of the window it was taken in.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCommands } from "../support/doc-examples.js";

const scratch = mkdtempSync(join(tmpdir(), "rnnc-screenshots-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Width and height from a PNG's header (its IHDR chunk). */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

it("writes the docs' three screenshots of the playground", () => {
  const command = "node tools/playground/screenshots.mjs";
  expect(readFileSync("docs/playground.md", "utf8")).toContain(`\`${command}\``);
  runCommands(`${command} ${scratch}`, process.cwd(), 300_000);
  expect(pngSize(join(scratch, "playground.png"))).toEqual({ width: 1280, height: 760 });
  expect(pngSize(join(scratch, "playground-training.png"))).toEqual({ width: 1280, height: 760 });
  // The narrow page is taken whole: as wide as the window, and longer than it.
  const narrow = pngSize(join(scratch, "playground-narrow.png"));
  expect(narrow.width).toBe(390);
  expect(narrow.height).toBeGreaterThan(844);
}, 300_000);
