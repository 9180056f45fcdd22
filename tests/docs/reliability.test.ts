/**
 * docs/reliability.md's measurement of a text at scale runs as written, on a text small
 * enough for a test: the generator makes the text, `timeout -s TERM` stops the training run,
 * which saves its checkpoint, and /usr/bin/time reports the peak memory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(join(root, "docs/reliability.md"), "utf8");
const section = doc.slice(doc.indexOf("### Text at scale"));
const commands = /```sh checked-by=tests\/docs\/reliability\.test\.ts\n([\s\S]*?)```/
  .exec(section)![1]!
  .trim()
  .split("\n");

describe("docs/reliability.md, text at scale", () => {
  it("shows the generator and the measured training run", () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^node tools\/scale\/generate-text\.mjs 1000 \/tmp\/corpus-1g\.txt$/);
    expect(commands[1]).toMatch(
      /^\/usr\/bin\/time -v timeout -s TERM 150 node bin\/rnnc\.js train .*--data \/tmp\/corpus-1g\.txt/,
    );
  });

  it("its commands run as written on a 2 MB text", () => {
    const scratch = mkdtempSync(join(tmpdir(), "rnnc-scale-"));
    const scaled = commands.map((c) =>
      c
        .replace("generate-text.mjs 1000", "generate-text.mjs 2")
        .replace("timeout -s TERM 150", "timeout -s TERM 15")
        .replaceAll("/tmp/", `${scratch}/`),
    );
    const run = (line: string) => spawnSync(line, { cwd: root, shell: true, encoding: "utf8", timeout: 120_000 });
    expect(run(scaled[0]!).status).toBe(0);
    expect(statSync(join(scratch, "corpus-1g.txt")).size).toBe(2_000_000);
    const trained = run(scaled[1]!);
    const out = trained.stdout + trained.stderr;
    expect(trained.status, out).toBe(124);
    expect(out).toMatch(/interrupted at step \d+ \(SIGTERM\) after .*; checkpoint saved/);
    expect(out).toMatch(/Maximum resident set size \(kbytes\): \d+/);
    expect(JSON.parse(readFileSync(join(scratch, "run-1g", "checkpoint.json"), "utf8")).step).toBeGreaterThan(0);
  });
});
