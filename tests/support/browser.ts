/** The playground in Debian's Chromium, as the tests open it (the same as the docs' screenshots: tools/playground/browser.mjs). */
export { openPlayground, type Playground } from "../../tools/playground/browser.mjs";
