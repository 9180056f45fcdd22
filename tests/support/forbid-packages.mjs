/**
 * `node --import ./tests/support/forbid-packages.mjs ...` with RNNC_FORBIDDEN_PACKAGES=a,b:
 * any import or require of those packages throws, so a test can show that a command never
 * loads them.
 */
import Module, { register } from "node:module";
import { packageOf } from "./forbid-packages-hooks.mjs";

const forbidden = (process.env["RNNC_FORBIDDEN_PACKAGES"] ?? "").split(",").filter(Boolean);

// ES modules: resolve hooks, which run on the loader's own thread.
register("./forbid-packages-hooks.mjs", { parentURL: import.meta.url, data: forbidden });

// CommonJS: require and createRequire.
const load = Module._load;
Module._load = function (request, ...rest) {
  if (forbidden.includes(packageOf(request))) throw new Error(`forbidden package loaded: ${request}`);
  return load.call(this, request, ...rest);
};
