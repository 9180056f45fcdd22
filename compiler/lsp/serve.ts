/**
 * The language server's core, whatever carries its messages: given a connection, it keeps
 * the open documents with incremental sync and answers every request from one analysis per
 * document version, made by the compiler's own front end. `rnnc lsp` gives it a connection
 * over stdin and stdout (server.ts); the playground gives it one over a Web Worker's messages
 * (playground/lsp-worker.ts). The pieces: the documents and their analyses (`documents.ts`),
 * when diagnostics are published (`publisher.ts`), the requests (`requests.ts`) and the
 * options (`options.ts`).
 *
 * The protocol library is imported by its bare name: Node resolves it to its Node build, and a
 * bundler for the browser to its browser build (the package's "browser" field).
 */
import { TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { DocumentStore } from "./documents.js";
import { readOptions, type ServerOptions } from "./options.js";
import { DiagnosticsPublisher } from "./publisher.js";
import { registerRequests, type ClientAbilities } from "./requests.js";

export type { ServerOptions } from "./options.js";

/** Serves on `connection` until the client ends it; `log` takes the server's notes (stderr, the console). */
export function serve(connection: Connection, log: (message: string) => void): Connection {
  const documents = new TextDocuments(TextDocument);
  const store = new DocumentStore(documents);
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
