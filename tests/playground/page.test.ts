/**
 * The playground in Debian's Chromium (tests/support/browser.ts): the page the build writes,
 * served by `rnnc playground`, as a person uses it: the editor shows the language server's
 * diagnostics and hover, the examples train and their loss falls, the weights it offers are
 * the ones `rnnc run` and `rnnc sample` read, and a module run in the page computes what
 * `rnnc run` computes, on both kernel tiers. Nothing is fetched after the page has loaded.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPlayground, type Playground } from "../support/browser.js";
import { docExamples, linkedExampleProject, runCommands } from "../support/doc-examples.js";

const PAGE_MS = 120_000;
let playground: Playground;
let page: Page;
/** A project laid out like the checkout, where the downloads go and the commands of docs/playground.md run. */
const scratch = mkdtempSync(join(tmpdir(), "rnnc-playground-"));
const root = resolve(".");
linkedExampleProject(scratch, root);
symlinkSync(join(root, "examples"), join(scratch, "examples"), "dir");
const [sampleCommand, runCommand] = docExamples("docs/playground.md").get("weights")!.commands.run!.trim().split("\n");

beforeAll(async () => {
  playground = await openPlayground();
  page = playground.page;
  await page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
}, PAGE_MS);

afterAll(async () => {
  await playground?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Replaces the editor's text as a paste would (one input, so no bracket is closed twice). */
async function setSource(text: string): Promise<void> {
  await page.click(".cm-content");
  await page.keyboard.down("Control");
  await page.keyboard.press("a");
  await page.keyboard.up("Control");
  await page.keyboard.sendCharacter(text);
}

async function pickExample(name: string): Promise<void> {
  await page.select("#example", name);
  await page.waitForFunction(
    (n) => document.querySelector(".cm-content")!.textContent!.includes(n),
    {},
    name === "elman" ? "model ElmanSentiment" : "model CharLM",
  );
}

const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? "");

async function showTab(name: string): Promise<void> {
  await page.click(`#tab-${name}`);
}

/** Trains the current example with the given settings and returns the status line once it has finished. */
async function train(settings: { steps: number; kernels: "wasm" | "js"; lr?: number }): Promise<string> {
  await showTab("train");
  await page.$eval("#steps", (e, v) => void ((e as HTMLInputElement).value = v), String(settings.steps));
  await page.$eval("#lr", (e, v) => void ((e as HTMLInputElement).value = v), String(settings.lr ?? 0.01));
  await page.select("#kernels", settings.kernels);
  await page.click("#train");
  await page.waitForFunction(() => /after \d+ steps/.test(document.getElementById("train-status")!.textContent!), {
    timeout: 90_000,
  });
  return text("#train-status");
}

/** The weights the download link offers, saved under the name it offers, which must be `name`. */
async function downloadedWeights(name: string): Promise<void> {
  const { offered, bytes } = await page.$eval("#download", async (a) => {
    const link = a as HTMLAnchorElement;
    const response = await fetch(link.href);
    return { offered: link.download, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
  });
  expect(offered).toBe(name);
  writeFileSync(join(scratch, name), Uint8Array.from(bytes));
}

describe("the playground page", () => {
  it("loads the example, draws its graph and shows the generated TypeScript", async () => {
    expect(await text("#model-status")).toBe("the model checks");
    expect(await text("#graph-folded")).toContain("model ElmanSentiment");
    await showTab("code");
    expect(await text("#typescript")).toContain("export class Model");
    expect(await text("#typescript")).toContain('from "rnnc/runtime"');
  });

  it(
    "shows the language server's diagnostics for a model with an error, in the editor and its panel",
    async () => {
      await setSource(
        [
          "model M {",
          "  dim H = 4",
          "  input x : [H]",
          "  state h : [H] = zeros",
          "  param W : [H, H]",
          "  h = tanh(W @ h[t-1] + Wx @ x)",
          "}",
          "",
        ].join("\n"),
      );
      await page.waitForSelector(".cm-lintRange-error", { timeout: 30_000 });
      expect(await page.$$eval(".cm-lintRange-error", (marks) => marks.map((m) => m.textContent))).toEqual(["Wx"]);
      // The diagnostics' panel opens from the keyboard (Ctrl-Shift-M), as in any CodeMirror editor.
      await page.keyboard.down("Control");
      await page.keyboard.down("Shift");
      await page.keyboard.press("M");
      await page.keyboard.up("Shift");
      await page.keyboard.up("Control");
      await page.waitForSelector(".cm-panel-lint");
      expect(await text(".cm-panel-lint")).toContain("'Wx' is not defined");
      // Escape closes it and gives the focus back to the text.
      await page.keyboard.press("Escape");
      await page.waitForSelector(".cm-panel-lint", { hidden: true });
      await page.waitForFunction(() => document.getElementById("model-status")!.classList.contains("error"));
      expect(await text("#model-status")).toBe("model.rnn:6:25: 'Wx' is not defined");
    },
    PAGE_MS,
  );

  it(
    "hovers a parameter and shows what the language server says of it",
    async () => {
      await pickExample("elman");
      // The screen position of the W in `param W : [H, H]`.
      const at = await page.$$eval(".cm-line", (lines) => {
        const line = lines.find((l) => l.textContent!.startsWith("  param W :"))!;
        // The line's text is split among the highlighter's spans: find the node holding the W.
        let offset = "  param ".length;
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (offset < node.textContent!.length) {
            const range = document.createRange();
            range.setStart(node, offset);
            range.setEnd(node, offset + 1);
            const box = range.getBoundingClientRect();
            return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
          }
          offset -= node.textContent!.length;
        }
        throw new Error("no `param W :` in the editor");
      });
      await page.mouse.move(at.x, at.y);
      await page.waitForSelector(".cm-tooltip-hover", { timeout: 30_000 });
      expect(await text(".cm-tooltip-hover")).toContain("W : [H, H]");
    },
    PAGE_MS,
  );

  it(
    "trains the Elman example, drawing the loss as it falls, with no request after the page loaded",
    async () => {
      await pickExample("elman");
      const requestsBefore = playground.requests.length;
      const status = await train({ steps: 60, kernels: "wasm", lr: 0.02 });
      const m = /^finished after 60 steps: loss (\S+) at the first step, (\S+) at the last$/.exec(status);
      expect(m, status).not.toBeNull();
      const [first, last] = [Number(m![1]), Number(m![2])];
      expect(last).toBeLessThan(first / 2);
      expect(await page.$eval("#loss polyline", (l) => l.getAttribute("points")!.split(" ").length)).toBe(60);
      // Compiling the model, loading its module and training it needed nothing from the network.
      expect(playground.requests.slice(requestsBefore).filter((u) => !u.startsWith("blob:"))).toEqual([]);
    },
    PAGE_MS,
  );

  it(
    "trains the language model on its text, samples it as it learns, and offers weights rnnc sample reads",
    async () => {
      await pickExample("char-lm");
      const status = await train({ steps: 40, kernels: "wasm", lr: 0.01 });
      expect(status).toMatch(/^finished after 40 steps/);
      const samples = await text("#samples");
      expect(samples).toContain("after 20 steps:");
      expect(samples).toContain("after 40 steps:");
      await downloadedWeights("char-lm.safetensors");
      // docs/playground.md's command: 200 characters of the fables' alphabet.
      expect(sampleCommand).toMatch(/^npx rnnc sample .* --weights char-lm\.safetensors --length 200$/);
      const sampled = runCommands(sampleCommand!, scratch);
      const fables = new Set(readFileSync("examples/data/fables.txt", "utf8"));
      expect([...sampled.slice(0, -1)].length).toBe(200);
      expect([...sampled].every((c) => fables.has(c))).toBe(true);
    },
    PAGE_MS,
  );

  for (const kernels of ["wasm", "js"] as const)
    it(
      `runs the generated module in the page as rnnc run does, to 1e-12, on the ${kernels} kernels`,
      async () => {
        await pickExample("elman");
        await train({ steps: 5, kernels });
        await downloadedWeights("elman.safetensors");
        await page.click("#run");
        await page.waitForFunction(() => document.getElementById("run-output")!.textContent!.startsWith("{"));
        const inPage = JSON.parse(await text("#run-output")) as RunJson;
        // docs/playground.md's command, on the page's tier.
        expect(runCommand).toMatch(/ --kernels wasm$/);
        const expected = JSON.parse(runCommands(runCommand!.replace(/wasm$/, kernels), scratch)) as RunJson;
        expect(Object.keys(inPage.outputs)).toEqual(Object.keys(expected.outputs));
        expect(Math.abs(inPage.loss - expected.loss)).toBeLessThanOrEqual(1e-12);
        for (const name of Object.keys(expected.outputs)) {
          const [a, b] = [inPage.outputs[name]!.flat(2), expected.outputs[name]!.flat(2)];
          expect(a.length).toBe(b.length);
          expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThanOrEqual(1e-12);
        }
      },
      PAGE_MS,
    );

  it("is used from the keyboard: Tab goes from the example picker to the editor and on to the tabs, arrows change tab", async () => {
    const focused = () =>
      page.evaluate(() => {
        const e = document.activeElement!;
        return e.classList.contains("cm-content") ? "editor" : e.id;
      });
    await page.focus("#example");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("editor");
    // The editor does not keep Tab (no indent-with-Tab), so the focus moves on to the chosen tab.
    await page.keyboard.press("Tab");
    expect(await focused()).toMatch(/^tab-/);
    const shown = () =>
      page.$$eval("[role=tabpanel]", (panels) => panels.filter((p) => !(p as HTMLElement).hidden).map((p) => p.id));
    await page.keyboard.press("Home");
    expect([await focused(), await shown()]).toEqual(["tab-graph", ["panel-graph"]]);
    await page.keyboard.press("ArrowRight");
    expect([await focused(), await shown()]).toEqual(["tab-unrolled", ["panel-unrolled"]]);
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowLeft");
    expect([await focused(), await shown()]).toEqual(["tab-train", ["panel-train"]]);
  });

  it("lays the editor above the panels in a narrow window, with nothing wider than the window", async () => {
    await page.setViewport({ width: 400, height: 800 });
    try {
      const layout = await page.evaluate(() => {
        const editor = document.getElementById("editor")!.getBoundingClientRect();
        const panels = document.getElementById("panels")!.getBoundingClientRect();
        return {
          stacked: panels.top >= editor.bottom - 1,
          editorWidth: Math.round(editor.width),
          pageWidth: document.documentElement.scrollWidth,
        };
      });
      expect(layout).toEqual({ stacked: true, editorWidth: 400, pageWidth: 400 });
    } finally {
      await page.setViewport({ width: 1280, height: 800 });
    }
  });

  it("threw no error in the page or its workers", () => {
    expect(playground.errors).toEqual([]);
  });
});

interface RunJson {
  loss: number;
  outputs: Record<string, number[][][]>;
}
