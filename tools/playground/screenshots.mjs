// @ts-check
/**
 * The screenshots of the playground in docs/images (docs/playground.md, README.md), taken in
 * Debian's Chromium from the built page: `npm run build && node tools/playground/screenshots.mjs`
 * (or `... screenshots.mjs DIR` to write them elsewhere).
 *
 *   playground.png           the Elman example and its folded graph
 *   playground-training.png  the language model after 120 steps on examples/data/fables.txt
 *   playground-narrow.png    a phone-sized window: the editor above the panels
 */
/* global document -- inside page.waitForFunction, which runs in the page */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openPlayground } from "./browser.mjs";

const images = process.argv[2]
  ? resolve(process.argv[2])
  : join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "images");

const wide = await openPlayground({ width: 1280, height: 760 });
try {
  const { page } = wide;
  await page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
  await page.screenshot({ path: join(images, "playground.png") });

  await page.select("#example", "char-lm");
  await page.click("#tab-train");
  // 120 steps of 8 streams, 32 characters a chunk (rnnc train's defaults, batches of 32 × 50
  // characters, make one step an epoch of this short text).
  const settings = { epochs: "1000", "max-steps": "120", batch: "8", "seq-len": "32", lr: "0.01" };
  for (const [id, value] of Object.entries(settings))
    await page.$eval(
      `#${id}`,
      (e, v) => {
        /** @type {HTMLInputElement} */ (e).value = v;
      },
      value,
    );
  await page.click("#train");
  await page.waitForFunction(() => /after \d+ steps/.test(document.getElementById("train-status")?.textContent ?? ""), {
    timeout: 300_000,
  });
  await page.screenshot({ path: join(images, "playground-training.png") });
  if (wide.errors.length > 0) throw new Error(`the page threw: ${wide.errors.join("; ")}`);
} finally {
  await wide.close();
}

const narrow = await openPlayground({ width: 390, height: 844 });
try {
  await narrow.page.waitForSelector("#graph-folded svg", { timeout: 60_000 });
  await narrow.page.screenshot({ path: join(images, "playground-narrow.png"), fullPage: true });
} finally {
  await narrow.close();
}
process.stdout.write(`wrote ${images}/playground.png, playground-training.png, playground-narrow.png\n`);
