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
import { rnnc } from "../support/cli.js";
import { decodeSafetensors } from "../../runtime/io/safetensors.js";
import { vocabularyFromMetadata } from "../../engine/io/weights-metadata.js";

const PAGE_MS = 120_000;
let playground: Playground;
let page: Page;
/** A project laid out like the checkout, where the downloads go and the commands of docs/playground.md run. */
const scratch = mkdtempSync(join(tmpdir(), "rnnc-playground-"));
const root = resolve(".");
linkedExampleProject(scratch, root);
symlinkSync(join(root, "examples"), join(scratch, "examples"), "dir");
const [sampleCommand, runCommand] = docExamples("docs/playground.md").get("weights")!.commands.run!.trim().split("\n");

/** How many responses had come from the network when the service worker took over the page. */
let networkWhenControlled = 0;

beforeAll(async () => {
  playground = await openPlayground();
  page = playground.page;
  await page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, { timeout: 60_000 });
  networkWhenControlled = playground.network.length;
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

/** Sets the training panel's fields, by id, to the given texts ("" empties a field), each as if typed or chosen. */
async function setFields(fields: Record<string, string>): Promise<void> {
  await showTab("train");
  for (const [id, value] of Object.entries(fields))
    await page.$eval(
      `#${id}`,
      (e, v) => {
        (e as HTMLInputElement | HTMLSelectElement).value = v;
        e.dispatchEvent(new Event("change"));
      },
      value,
    );
}

/** Starts training and returns the status line once it has finished. */
async function trainAsSet(): Promise<string> {
  await page.click("#train");
  await page.waitForFunction(() => /after \d+ steps/.test(document.getElementById("train-status")!.textContent!), {
    timeout: 90_000,
  });
  return text("#train-status");
}

/**
 * Trains the current example for a number of steps with a given learning rate and kernels;
 * the other settings those the loss curves below were drawn with (Adam, batches of 8, 32 steps
 * of a text per chunk, gradients clipped to norm 5, seed 1, no validation).
 */
async function train(settings: { steps: number; kernels: "wasm" | "js"; lr?: number }): Promise<string> {
  await setFields({
    epochs: "1000",
    "max-steps": String(settings.steps),
    batch: "8",
    "seq-len": "32",
    optimizer: "adam",
    lr: String(settings.lr ?? 0.01),
    "clip-norm": "5",
    "val-split": "0",
    seed: "1",
    kernels: settings.kernels,
  });
  return trainAsSet();
}

/** The training panel at rest: Train and Run may be pressed, Stop may not. */
async function expectReady(): Promise<void> {
  const states = await page.$$eval("#train, #stop, #run", (bs) =>
    bs.map((b) => [b.id, (b as HTMLButtonElement).disabled]),
  );
  expect(Object.fromEntries(states)).toEqual({ train: false, stop: true, run: false });
}

/** The tensors of a safetensors file, as float64. */
function tensorsOf(bytes: Uint8Array): Record<string, { shape: readonly number[]; data: Float64Array }> {
  return decodeSafetensors(bytes).tensors;
}

/** The largest difference between two sets of weights with the same names and shapes. */
function largestDifference(a: ReturnType<typeof tensorsOf>, b: ReturnType<typeof tensorsOf>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let largest = 0;
  for (const [name, t] of Object.entries(a)) {
    expect(t.shape, name).toEqual(b[name]!.shape);
    t.data.forEach((x, i) => (largest = Math.max(largest, Math.abs(x - b[name]!.data[i]!))));
  }
  return largest;
}

/** The weights the download link offers, saved under the name it offers, which must be `name`. */
async function downloadedWeights(name: string): Promise<Uint8Array> {
  const { offered, bytes } = await page.$eval("#download", async (a) => {
    const link = a as HTMLAnchorElement;
    const response = await fetch(link.href);
    return { offered: link.download, bytes: Array.from(new Uint8Array(await response.arrayBuffer())) };
  });
  expect(offered).toBe(name);
  const weights = Uint8Array.from(bytes);
  writeFileSync(join(scratch, name), weights);
  return weights;
}

/** What `rnnc train` writes for an example on its data, with these options, on the page's kernels and thread. */
async function rnncTrain(
  example: "elman" | "char-lm",
  options: string[],
): Promise<{ weights: Uint8Array; checkpoint: { data: { codebook: { vocabulary?: { entries: string[] } } } } }> {
  const dir = join(scratch, `run-${example}${options.join("").replace(/\W/g, "")}`);
  const data = example === "elman" ? "examples/data/elman.json" : "examples/data/fables.txt";
  const run = await rnnc(
    "train",
    `examples/${example}.rnn`,
    "--data",
    data,
    ...options,
    "--kernels",
    "wasm",
    "--threads",
    "1",
    "--checkpoint",
    dir,
    "--progress",
    "none",
  );
  expect(run.code, run.err).toBe(0);
  return {
    weights: readFileSync(join(dir, "weights.safetensors")),
    checkpoint: JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")),
  };
}

describe("the playground page", () => {
  it("loads the example and draws its graph, loading what that needs and not what the other views need", async () => {
    expect(await text("#model-status")).toBe("the model checks");
    expect(await text("#graph-folded")).toContain("model ElmanSentiment");
    const loaded = () => playground.requests.map((u) => new URL(u).pathname.slice(1));
    expect(loaded()).toEqual(expect.arrayContaining(["main.js", "lsp-worker.js", "model-worker.js"]));
    expect(loaded().filter((f) => f.startsWith("graph-view-"))).toHaveLength(1);
    // Prettier (the TypeScript view) and the training worker wait until they are asked for.
    expect(loaded().filter((f) => /^(typescript-view-|train-worker)/.test(f))).toEqual([]);
    await showTab("code");
    await page.waitForFunction(() => document.getElementById("typescript")!.textContent !== "", { timeout: 30_000 });
    expect(await text("#typescript")).toContain("export class Model");
    expect(await text("#typescript")).toContain('from "rnnc/runtime"');
    expect(loaded().filter((f) => f.startsWith("typescript-view-"))).toHaveLength(1);
    expect(loaded()).not.toContain("train-worker.js");
  });

  it(
    "trains with rnnc train's defaults: left as they are, the settings give the weights rnnc train gives",
    async () => {
      // The fields as the page starts: rnnc train's defaults (10 epochs, batches of 32, 50 steps a
      // chunk, Adam at its own rate, no clipping, a tenth held out to validate, seed 1).
      await showTab("train");
      const status = await trainAsSet();
      expect(status).toMatch(/^finished after 10 steps: .*; validation loss \d/);
      const inPage = tensorsOf(await downloadedWeights("elman.safetensors"));
      expect(largestDifference(inPage, tensorsOf((await rnncTrain("elman", [])).weights))).toBeLessThanOrEqual(1e-12);
    },
    PAGE_MS,
  );

  it(
    "trains with the settings given as rnnc train does with the same options",
    async () => {
      await setFields({
        epochs: "4",
        "max-steps": "",
        batch: "1",
        optimizer: "momentum",
        lr: "0.03",
        "clip-norm": "0.5",
        "val-split": "0",
        seed: "7",
        kernels: "wasm",
      });
      expect(await page.$eval("#optimizer", (e) => [...(e as HTMLSelectElement).options].map((o) => o.value))).toEqual([
        "sgd",
        "momentum",
        "nesterov",
        "adam",
        "adamw",
        "adagrad",
        "rmsprop",
      ]);
      // Three sequences one at a time: 3 steps an epoch.
      expect(await trainAsSet()).toMatch(/^finished after 12 steps/);
      const inPage = tensorsOf(await downloadedWeights("elman.safetensors"));
      const options = "--epochs 4 --batch 1 --optimizer momentum --lr 0.03 --clip-norm 0.5 --val-split 0 --seed 7";
      expect(
        largestDifference(inPage, tensorsOf((await rnncTrain("elman", options.split(" "))).weights)),
      ).toBeLessThanOrEqual(1e-12);
    },
    PAGE_MS,
  );

  it("refuses a setting rnnc train would refuse, naming the field and giving it the focus", async () => {
    await setFields({ batch: "0" });
    await page.click("#train");
    expect(await text("#train-error")).toContain("Batch: expected a whole number ≥ 1");
    expect(await page.evaluate(() => document.activeElement!.id)).toBe("batch");
    await expectReady();
    await setFields({ batch: "32" });
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
    "trains the Elman example, drawing the loss as it falls",
    async () => {
      await pickExample("elman");
      const status = await train({ steps: 60, kernels: "wasm", lr: 0.02 });
      const m = /^finished after 60 steps: loss (\S+) at the first step, (\S+) at the last$/.exec(status);
      expect(m, status).not.toBeNull();
      const [first, last] = [Number(m![1]), Number(m![2])];
      expect(last).toBeLessThan(first / 2);
      expect(await page.$eval("#loss polyline", (l) => l.getAttribute("points")!.split(" ").length)).toBe(60);
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
      expect(await text("#train-dims")).toContain("V = 35 (35 distinct characters in examples/data/fables.txt");
      expect(sampleCommand).toMatch(/^npx rnnc sample .* --weights char-lm\.safetensors --length 200$/);
      const sampled = runCommands(sampleCommand!, scratch);
      const fables = new Set(readFileSync("examples/data/fables.txt", "utf8"));
      expect([...sampled.slice(0, -1)].length).toBe(200);
      expect([...sampled].every((c) => fables.has(c))).toBe(true);
    },
    PAGE_MS,
  );

  it(
    "trains the language model on its text as rnnc train does: the same dims, vocabulary and weights",
    async () => {
      await pickExample("char-lm");
      await setFields({
        "data-choice": "example",
        epochs: "2",
        "max-steps": "",
        batch: "32",
        "seq-len": "50",
        optimizer: "adam",
        lr: "",
        "clip-norm": "",
        "val-split": "0.1",
        seed: "1",
        kernels: "wasm",
      });
      expect(await trainAsSet()).toMatch(/^finished after 4 steps/);
      const inPage = decodeSafetensors(await downloadedWeights("char-lm.safetensors"));
      const cli = await rnncTrain("char-lm", ["--epochs", "2"]);
      expect(vocabularyFromMetadata(inPage.metadata)!.entries).toEqual(
        cli.checkpoint.data.codebook.vocabulary!.entries,
      );
      expect(largestDifference(inPage.tensors, tensorsOf(cli.weights))).toBeLessThanOrEqual(1e-12);
    },
    PAGE_MS,
  );

  it(
    "samples a language model once at each pause, also when its last epoch ends at one",
    async () => {
      await pickExample("char-lm");
      // rnnc train's batches (32 streams of 50 characters) make each epoch of the fables two steps.
      await setFields({ epochs: "10", "max-steps": "", batch: "32", "seq-len": "50", "val-split": "0.1", lr: "" });
      expect(await trainAsSet()).toMatch(/^finished after 20 steps/);
      expect((await text("#samples")).match(/^after \d+ steps:$/gm)).toEqual(["after 20 steps:"]);
    },
    PAGE_MS,
  );

  it(
    "offers the texts of examples/data to train on, and sizes the dims to the one picked",
    async () => {
      await pickExample("char-lm");
      expect(
        await page.$eval("#data-choice", (e) => [...(e as HTMLSelectElement).options].map((o) => o.value)),
      ).toEqual(["example", "examples/data/fables-held-out.txt", "pasted"]);
      await setFields({ "data-choice": "examples/data/fables-held-out.txt" });
      await train({ steps: 2, kernels: "wasm" });
      const distinct = new Set(readFileSync("examples/data/fables-held-out.txt", "utf8")).size;
      expect(await text("#train-dims")).toBe(
        `Dims set from the data: V = ${distinct} (${distinct} distinct characters in examples/data/fables-held-out.txt; the file says 65)`,
      );
      await setFields({ "data-choice": "example" });
    },
    PAGE_MS,
  );

  it(
    "sizes a language model's dims to the text pasted in, as rnnc train does, and says so",
    async () => {
      await pickExample("char-lm");
      await setFields({ "data-choice": "pasted" });
      await page.focus("#data-text");
      await page.keyboard.sendCharacter("a cab, a bac.\n".repeat(40));
      await train({ steps: 3, kernels: "wasm" });
      expect(await text("#train-dims")).toBe(
        "Dims set from the data: V = 7 (7 distinct characters in the pasted text; the file says 65)",
      );
      const weights = tensorsOf(await downloadedWeights("char-lm.safetensors"));
      expect(weights.Vo!.shape).toEqual([7, 128]);
      // rnnc sample reads them with the dim the panel named.
      const sampled = await rnnc(
        "sample",
        "examples/char-lm.rnn",
        "--weights",
        join(scratch, "char-lm.safetensors"),
        "--dim",
        "V=7",
        "--length",
        "30",
      );
      expect(sampled.code, sampled.err).toBe(0);
      expect([...sampled.out].every((c) => "a cb,.\n".includes(c))).toBe(true);
      await setFields({ "data-choice": "example" });
    },
    PAGE_MS,
  );

  it(
    "shows why a run fails, where the model is wrong, and is ready again; the place is a keystroke away",
    async () => {
      await pickExample("elman");
      await setSource("model M {\n  dim H = 4\n  input x : [H]\n  state h : [H] = zeros\n  h = tanh(Wx @ x)\n}\n");
      await showTab("train");
      await page.click("#run");
      await page.waitForSelector("#train-error:not([hidden])", { timeout: 30_000 });
      expect(await text("#train-error-text")).toBe("model.rnn:5:12: 'Wx' is not defined");
      expect(await text("#run-output")).toBe("");
      await expectReady();
      // From the keyboard: the error's button takes the cursor to the place, where typing goes.
      await page.focus("#train-error-show");
      await page.keyboard.press("Enter");
      await page.keyboard.sendCharacter("Q");
      await page.waitForFunction(() =>
        [...document.querySelectorAll(".cm-line")].some((l) => l.textContent === "  h = tanh(QWx @ x)"),
      );
      // Training it fails the same way, and leaves the panel ready too.
      await page.click("#train");
      await page.waitForFunction(() => document.getElementById("train-status")!.textContent === "training failed");
      expect(await text("#train-error-text")).toMatch(/^model\.rnn:5:12: 'QWx' is not defined/);
      await expectReady();
    },
    PAGE_MS,
  );

  it(
    "shows why training throws on data the model cannot read, with no place in the model to show",
    async () => {
      await pickExample("elman");
      await setFields({ "data-choice": "pasted" });
      await page.$eval("#data-text", (e) => void ((e as HTMLTextAreaElement).value = "some text"));
      await page.click("#train");
      await page.waitForFunction(() => document.getElementById("train-status")!.textContent === "training failed");
      expect(await text("#train-error-text")).toMatch(
        /^a text corpus trains a language model .*model ElmanSentiment has/,
      );
      expect(await page.$eval("#train-error-show", (b) => (b as HTMLElement).hidden)).toBe(true);
      await expectReady();
      await setFields({ "data-choice": "example" });
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

  it("fetched nothing from the network once its service worker had taken over", () => {
    // The files loaded later (the TypeScript view, the training worker) came from the cache the
    // service worker filled as it installed.
    expect(playground.network.slice(networkWhenControlled)).toEqual([]);
  });

  it("threw no error in the page or its workers", () => {
    expect(playground.errors).toEqual([]);
  });
});

interface RunJson {
  loss: number;
  outputs: Record<string, number[][][]>;
}
