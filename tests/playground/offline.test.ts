/**
 * The playground offline (issue 22: "it works offline once loaded"): the page is loaded once,
 * then `rnnc playground` is stopped and the network cut, and the page reloaded: its service
 * worker serves every file, including those the first visit never loaded (the TypeScript view,
 * the training worker), and the editor, the views and training all work.
 */
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPlayground, type Playground } from "../support/browser.js";

const PAGE_MS = 120_000;
let playground: Playground;
let page: Page;

beforeAll(async () => {
  playground = await openPlayground();
  page = playground.page;
  await page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, { timeout: 60_000 });
}, PAGE_MS);

afterAll(async () => {
  await playground?.close();
});

const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? "");

it(
  "reloads with the server stopped and the network off, and edits, draws, compiles and trains a model",
  async () => {
    await playground.stopServer();
    await page.setOfflineMode(true);
    const networkBefore = playground.network.length;
    await page.reload({ waitUntil: "load" });
    await page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
    expect(await text("#graph-folded")).toContain("model ElmanSentiment");

    // The language server's diagnostics, as the model is edited.
    await page.click(".cm-content");
    await page.keyboard.press("End");
    await page.keyboard.down("Control");
    await page.keyboard.press("End");
    await page.keyboard.up("Control");
    await page.keyboard.sendCharacter("\nmodel Second {}\n");
    await page.waitForSelector(".cm-lintRange-error", { timeout: 30_000 });
    await page.waitForFunction(() => document.getElementById("model-status")!.classList.contains("error"));
    expect(await text("#model-status")).toContain("a file holds one model");
    await page.keyboard.down("Control");
    await page.keyboard.press("z");
    await page.keyboard.up("Control");
    await page.waitForFunction(() => document.getElementById("model-status")!.textContent === "the model checks");

    // A view the first visit never showed.
    await page.click("#tab-code");
    await page.waitForFunction(
      () => document.getElementById("typescript")!.textContent!.includes("export class Model"),
      {
        timeout: 30_000,
      },
    );

    // Training, in a worker the first visit never started.
    await page.click("#tab-train");
    for (const [id, value] of Object.entries({ "max-steps": "30", epochs: "1000", batch: "8", "val-split": "0" }))
      await page.$eval(`#${id}`, (e, v) => void ((e as HTMLInputElement).value = v), value);
    await page.$eval("#lr", (e) => void ((e as HTMLInputElement).value = "0.02"));
    await page.click("#train");
    await page.waitForFunction(() => /after \d+ steps/.test(document.getElementById("train-status")!.textContent!), {
      timeout: 90_000,
    });
    const m = /^finished after 30 steps: loss (\S+) at the first step, (\S+) at the last$/.exec(
      await text("#train-status"),
    );
    expect(m, await text("#train-status")).not.toBeNull();
    expect(Number(m![2])).toBeLessThan(Number(m![1]));

    expect(playground.network.slice(networkBefore)).toEqual([]);
    expect(playground.errors).toEqual([]);
  },
  PAGE_MS,
);
