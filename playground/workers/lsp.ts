/**
 * The language server in a Web Worker: the same core as `rnnc lsp` (compiler/lsp/serve.ts),
 * its messages carried by the worker's postMessage instead of stdin and stdout.
 */
import { BrowserMessageReader, BrowserMessageWriter, createConnection } from "vscode-languageserver/browser.js";
import { serve } from "../../compiler/lsp/serve.js";

const port = self as unknown as Worker;
serve(createConnection(new BrowserMessageReader(port), new BrowserMessageWriter(port)), (message) =>
  console.warn(`rnnc lsp: ${message}`),
);
