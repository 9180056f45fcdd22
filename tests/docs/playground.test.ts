/**
 * docs/playground.md's commands for starting the playground, as written: the build writes the
 * page, and `rnnc playground` serves it (with `--port 0` added, so that the test never
 * collides with a server already on the default port 8080), answering only its own files.
 * What the page does is tests/playground/page.test.ts, which also runs the doc's commands
 * for the downloaded weights.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { docExamples, runCommands } from "../support/doc-examples.js";

const root = resolve(".");
const [build, serve] = docExamples("docs/playground.md").get("serve")!.commands.run!.trim().split("\n");

/** Starts the doc's server command and resolves with the address it prints and a way to stop it. */
function startServer(line: string): Promise<{ url: string; stop: () => void }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(`${line.split("#")[0]!.trim()} --port 0`, { cwd: root, shell: true, detached: true });
    const stop = () => process.kill(-child.pid!);
    let out = "";
    const take = (d: Buffer) => {
      out += d.toString();
      const m = /^rnnc playground: serving (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C stops it\)$/m.exec(out);
      if (m) resolvePromise({ url: m[1]!, stop });
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code) => reject(new Error(`\`${line}\` ended (${code}) before serving:\n${out}`)));
  });
}

describe("docs/playground.md", () => {
  it("builds the page with the command it shows", () => {
    expect(build).toMatch(/^npm run build:playground\s/);
    expect(runCommands(build!, root)).toContain("wrote dist/playground");
    for (const file of [
      "index.html",
      "style.css",
      "main.js",
      "lsp-worker.js",
      "model-worker.js",
      "train-worker.js",
      "service-worker.js",
    ])
      expect(existsSync(resolve("dist/playground", file)), file).toBe(true);
  }, 120_000);

  it("reports what the page loads as it opens and what it loads later, as the doc says (--sizes)", () => {
    const doc = readFileSync("docs/playground.md", "utf8");
    expect(doc).toContain("`node tools/playground/build.mjs --sizes`");
    const report = runCommands("node tools/playground/build.mjs --sizes", root);
    const atOpen = report.split("\n").find((l) => l.includes("as the page opens:"))!;
    for (const file of ["main.js", "lsp-worker.js", "model-worker.js", "service-worker.js"])
      expect(atOpen).toContain(file);
    expect(atOpen).not.toMatch(/train-worker|graph-view|typescript-view/);
    const later = report.split("\n").filter((l) => l.includes("when first needed:"));
    for (const first of ["train-worker.js", "graph-view-", "typescript-view-"])
      expect(
        later.some((l) => l.includes(`first needed: ${first}`)),
        first,
      ).toBe(true);
    expect(report).toMatch(/^\s*[\d,]+ kB {2}in all$/m);
  }, 120_000);

  it("serves it on loopback with the command it shows, and nothing but its files", async () => {
    expect(serve).toMatch(/^npx rnnc playground\s/);
    const { url, stop } = await startServer(serve!);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toContain("connect-src 'self' blob:");
      expect(await page.text()).toContain('<script type="module" src="main.js"></script>');
      expect((await fetch(new URL("train-worker.js", url))).headers.get("content-type")).toBe(
        "text/javascript; charset=utf-8",
      );
      for (const path of ["package.json", "%2e%2e/package.json", "..%2fpackage.json", "missing.js"])
        expect((await fetch(new URL(path, url))).status, path).toBe(404);
      expect((await fetch(url, { method: "POST" })).status).toBe(405);
    } finally {
      stop();
    }
  }, 120_000);
});
