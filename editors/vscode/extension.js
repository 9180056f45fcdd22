// The extension's one job: start the rnnc language server for .rnn files and pass it the settings.
// build.mjs bundles this file and vscode-languageclient into dist/extension.js with esbuild.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { rnncCommand } = require("./server-options.js");

/** @type {LanguageClient | undefined} */
let client;

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
  const rnncPath = vscode.workspace.getConfiguration("rnnc").get("path", "");
  // The bundled server runs in VS Code's own Node.js and speaks LSP over its stdin and stdout.
  const server = rnncCommand(rnncPath) ?? {
    module: context.asAbsolutePath("dist/server.js"),
    transport: TransportKind.stdio,
  };
  client = new LanguageClient("rnnc", "rnnc", server, {
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
      rnncPath
        ? `Could not start the rnnc language server with rnnc.path = ${rnncPath} (${String(e)}). Clear the setting to use the server the extension bundles.`
        : `Could not start the rnnc language server the extension bundles (${String(e)}).`,
    );
  }
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
