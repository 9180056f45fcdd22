/** The shipped examples and texts, bundled into the page: tools/playground/build.mjs reads examples/ into the module "rnnc:examples". */
export type { Example } from "rnnc:examples";
export { default as examples, texts } from "rnnc:examples";
