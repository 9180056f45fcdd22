/**
 * The playground in a real browser: `rnnc playground --port 0` serving the built page
 * (`npm test` builds it first), and Debian's Chromium (installed by tests/support/global-setup.ts)
 * driven by puppeteer-core. Every request the page makes is recorded, and every error it throws.
 */
import { spawn, type ChildProcess } from "node:child_process";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { chromiumPath } from "../../tools/chromium/install.mjs";

export interface Playground {
  page: Page;
  url: string;
  /** Every URL the page and its workers requested, in order. */
  requests: string[];
  /** Errors thrown in the page, and in its workers, that nothing caught. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts `rnnc playground` and resolves with the address it prints. */
function serve(): Promise<{ server: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, ["bin/rnnc.js", "playground", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const take = (d: Buffer) => {
      out += d.toString();
      const m = /serving (http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ server, url: m[1]! });
    };
    server.stdout.on("data", take);
    server.stderr.on("data", take);
    server.on("error", reject);
    server.on("close", (code) => reject(new Error(`rnnc playground ended (${code}) before serving:\n${out}`)));
  });
}

export async function openPlayground(viewport = { width: 1280, height: 800 }): Promise<Playground> {
  const { server, url } = await serve();
  let browser: Browser | undefined;
  try {
    // The tests run as root, where Chromium's sandbox cannot start.
    browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
    const page = await browser.newPage();
    await page.setViewport(viewport);
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => void requests.push(r.url()));
    page.on("pageerror", (e) => void errors.push(e instanceof Error ? e.message : String(e)));
    page.on("workercreated", (worker) => {
      worker.on("error", (e) => void errors.push(`${worker.url()}: ${e.message}`));
    });
    await page.goto(url, { waitUntil: "load" });
    const opened = browser;
    return {
      page,
      url,
      requests,
      errors,
      async close() {
        await opened.close();
        server.kill();
      },
    };
  } catch (e) {
    await browser?.close();
    server.kill();
    throw e;
  }
}
