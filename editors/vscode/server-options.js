// The command that starts the language server when the `rnnc.path` setting names an rnnc of its
// own; without one, the extension starts the server it bundles (extension.js).
"use strict";

/**
 * @param {string} rnncPath the `rnnc.path` setting: empty, a command (`rnnc`) or a path to rnnc's bin/rnnc.js
 * @returns {{ command: string, args: string[], options: { shell: boolean } } | undefined} undefined when empty
 */
function rnncCommand(rnncPath) {
  if (!rnncPath) return undefined;
  // A path to bin/rnnc.js runs with `node` from the PATH (Node 20.19 or later); a command (rnnc) runs as is.
  const viaNode = /\.[cm]?js$/.test(rnncPath);
  return {
    command: viaNode ? "node" : rnncPath,
    args: viaNode ? [rnncPath, "lsp", "--stdio"] : ["lsp", "--stdio"],
    options: { shell: process.platform === "win32" },
  };
}

module.exports = { rnncCommand };
