/**
 * `rnnc lsp`: the language server. It speaks LSP over any pair of streams (the CLI passes
 * stdin and stdout), keeps the open documents with incremental sync, and answers every
 * request from one analysis per document version, made by the compiler's own front end.
 * This file wires the pieces: the documents and their analyses (`documents.ts`), when
 * diagnostics are published (`publisher.ts`), the requests (`requests.ts`) and the options
 * (`options.ts`).
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { DocumentStore } from "./documents.js";
import { readOptions, type ServerOptions } from "./options.js";
import { DiagnosticsPublisher } from "./publisher.js";
import { registerRequests, type ClientAbilities } from "./requests.js";

export type { ServerOptions } from "./options.js";

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(ProposedFeatures.all, input, output);
  const documents = new TextDocuments(TextDocument);
  const store = new DocumentStore(documents);
  const log = (message: string) => void process.stderr.write(`rnnc lsp: ${message}\n`);
  const publisher = new DiagnosticsPublisher(connection, documents, store, log);
  const client: ClientAbilities = { snippets: false };

  const applyOptions = (options: unknown) => {
    const { settings, diagnosticsDelay } = readOptions(options, log);
    store.settings = settings;
    if (diagnosticsDelay !== undefined) publisher.delay = diagnosticsDelay;
  };

  connection.onInitialize((params): InitializeResult => {
    applyOptions(params.initializationOptions);
    client.snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport ?? false;
    return { capabilities, serverInfo: { name: "rnnc" } };
  });
  connection.onDidChangeConfiguration((change) => {
    const settings = (change.settings as { rnnc?: ServerOptions } | undefined)?.rnnc;
    if (!settings) return;
    applyOptions(settings);
    publisher.republishAll();
  });
  documents.onDidChangeContent((change) => publisher.changed(change.document.uri));
  documents.onDidClose((event) => {
    publisher.closed(event.document.uri);
    store.forget(event.document.uri);
  });
  registerRequests(connection, store, client, log);
  connection.onShutdown(() => publisher.stop());

  documents.listen(connection);
  connection.listen();
  return connection;
}

const capabilities: InitializeResult["capabilities"] = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  hoverProvider: true,
  definitionProvider: true,
  referencesProvider: true,
  renameProvider: { prepareProvider: true },
  documentSymbolProvider: true,
  completionProvider: { triggerCharacters: [".", "(", "[", ",", "=", ":"], resolveProvider: true },
  signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
  documentFormattingProvider: true,
};

/**
 * Serves over stdin and stdout. stdout belongs to the protocol, so anything that would print
 * there (a stray console.log) goes to stderr instead; an error that escapes a handler is
 * logged rather than allowed to end the process.
 */
export function startStdioServer(): Connection {
  const toStderr = (...args: unknown[]) =>
    void process.stderr.write(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ") + "\n");
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  process.on("uncaughtException", (e) => process.stderr.write(`rnnc lsp: uncaught: ${e.stack ?? e.message}\n`));
  process.on("unhandledRejection", (e) =>
    process.stderr.write(`rnnc lsp: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`),
  );
  return startServer(process.stdin, process.stdout);
}
