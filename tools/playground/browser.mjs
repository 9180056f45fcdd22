// @ts-check
/**
 * The playground in a real browser: `rnnc playground --port 0` serving the built page, and
 * Debian's Chromium (tools/chromium/install.mjs) driven by puppeteer-core. Every request the
 * page makes is recorded, and every error it or its workers throw. The tests
 * (tests/support/browser.ts) and the screenshots of the docs (screenshots.mjs) open it so.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { chromiumPath } from "../chromium/install.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * @typedef {object} Playground
 * @property {import("puppeteer-core").Page} page
 * @property {string} url
 * @property {string[]} requests every URL the page and its workers requested, in order
 * @property {string[]} network the URLs of those answered by the server rather than by the
 *   page's service worker (or a blob), in order
 * @property {string[]} errors errors thrown in the page and its workers that nothing caught
 * @property {() => Promise<void>} stopServer ends `rnnc playground`: from then on, no file can
 *   come from the network
 * @property {() => Promise<void>} close
 */

/**
 * Starts `rnnc playground` and resolves with the address it prints.
 * @returns {Promise<{ server: import("node:child_process").ChildProcess, url: string }>}
 */
function serve() {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [join(root, "bin", "rnnc.js"), "playground", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    /** @param {Buffer} d */
    const take = (d) => {
      out += d.toString();
      const m = /serving (http:\/\/\S+\/)/.exec(out);
      if (m) resolve({ server, url: /** @type {string} */ (m[1]) });
    };
    server.stdout.on("data", take);
    server.stderr.on("data", take);
    server.on("error", reject);
    server.on("close", (code) => reject(new Error(`rnnc playground ended (${code}) before serving:\n${out}`)));
  });
}

/**
 * @param {{ width: number, height: number }} [viewport]
 * @returns {Promise<Playground>}
 */
export async function openPlayground(viewport = { width: 1280, height: 800 }) {
  const { server, url } = await serve();
  /** @type {import("puppeteer-core").Browser | undefined} */
  let browser;
  try {
    // The tests run as root, where Chromium's sandbox cannot start.
    browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
    const page = await browser.newPage();
    await page.setViewport(viewport);
    /** @type {string[]} */
    const requests = [];
    /** @type {string[]} */
    const errors = [];
    /** @type {string[]} */
    const network = [];
    page.on("request", (r) => void requests.push(r.url()));
    page.on("response", (r) => {
      if (!r.fromServiceWorker() && /^https?:/.test(r.url())) network.push(r.url());
    });
    page.on("pageerror", (e) => void errors.push(e instanceof Error ? e.message : String(e)));
    page.on("workercreated", (worker) => void worker.on("error", (e) => errors.push(`${worker.url()}: ${e.message}`)));
    await page.goto(url, { waitUntil: "load" });
    const opened = browser;
    return {
      page,
      url,
      requests,
      network,
      errors,
      async stopServer() {
        if (server.exitCode !== null || server.signalCode !== null) return;
        const ended = new Promise((resolve) => server.once("exit", resolve));
        server.kill();
        await ended;
      },
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
