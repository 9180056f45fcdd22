// The extension's one job: start `rnnc lsp --stdio` for .rnn files and pass it the settings.
// Plain CommonJS, so there is nothing to build: `npm install` here, then package or run it.
"use strict";
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("rnnc");
  const command = config.get("path") || "rnnc";
  // A path to bin/rnnc.js runs with `node` from the PATH (Node 20.19 or later); a command (rnnc) runs as is.
  const viaNode = /\.[cm]?js$/.test(command);
  return {
    command: viaNode ? "node" : command,
    args: viaNode ? [command, "lsp", "--stdio"] : ["lsp", "--stdio"],
    options: { shell: process.platform === "win32" },
  };
}

function initializationOptions() {
  const config = vscode.workspace.getConfiguration("rnnc");
  return {
    dims: config.get("dims", {}),
    diagnosticsDelay: config.get("diagnosticsDelay", 200),
    keepNotation: config.get("keepNotation", false),
  };
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  client = new LanguageClient("rnnc", "rnnc", serverOptions(), {
    documentSelector: [{ language: "rnn" }],
    initializationOptions: initializationOptions(),
    // Sends `workspace/didChangeConfiguration` with { rnnc: {...} } when a setting changes.
    synchronize: { configurationSection: "rnnc" },
  });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("rnnc.path")) {
        void vscode.window.showInformationMessage(
          "rnnc.path changed: reload the window to restart the language server with it.",
        );
      }
    }),
  );
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(
      `Could not start the rnnc language server (${String(e)}). Install rnnc (npm ci && npm link in its repository, or npm install -g the package npm pack writes there: it is not on the npm registry) or set rnnc.path.`,
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
