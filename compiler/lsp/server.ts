/**
 * `rnnc lsp`: the language server. It speaks LSP over any pair of streams (the CLI passes
 * stdin and stdout), keeps the open documents with incremental sync, and answers every
 * request from one analysis per document version, made by the compiler's own front end.
 *
 * Nothing a document contains may stop the server: every handler is guarded, and an
 * exception inside one is answered as a protocol error (and logged), never left to crash
 * the process.
 */
import {
  createConnection,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CompletionItem,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { defaultSettings, type Analysis, type AnalysisSettings } from "./analysis.js";
import { namedRecord } from "../../runtime/records.js";
import { completion, type CompletionData } from "./completion.js";
import { definition } from "./definition.js";
import { toLspDiagnostics } from "./diagnostics.js";
import { DocumentStore } from "./documents.js";
import { formatting } from "./formatting.js";
import { describe, hover } from "./hover.js";
import { references } from "./references.js";
import { prepareRename, rename } from "./rename.js";
import { signatureHelp } from "./signature.js";
import { documentSymbols } from "./symbols.js";

/** Options a client may pass in `initializationOptions` (the VS Code extension passes its settings). */
export interface ServerOptions {
  /** Dim overrides, as `--dim` on the command line: `{ "H": 128 }`. */
  dims?: Record<string, number>;
  /** Milliseconds to wait after a change before publishing diagnostics (default 200). */
  diagnosticsDelay?: number;
  /** Files longer than this many characters are not analysed (default 2,000,000). */
  maxFileSize?: number;
}

export const defaultDiagnosticsDelay = 200;

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(ProposedFeatures.all, input, output);
  const documents = new TextDocuments(TextDocument);
  const store = new DocumentStore(documents);
  const timers = new Map<string, NodeJS.Timeout>();
  const published = new Set<string>();
  let diagnosticsDelay = defaultDiagnosticsDelay;
  let snippets = false;

  const log = (message: string) => process.stderr.write(`rnnc lsp: ${message}\n`);

  /** Runs a request handler; anything it throws becomes a protocol error, not a crash. */
  const guard =
    <P, R>(name: string, handler: (params: P) => R) =>
    (params: P): R => {
      try {
        return handler(params);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        throw new ResponseError(
          ErrorCodes.InternalError,
          `rnnc lsp: ${name} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    };

  /** The analysis of a document and the offset of a position in it, for position requests. */
  const at = (params: TextDocumentPositionParams): { analysis: Analysis; offset: number; uri: string } | undefined => {
    const uri = params.textDocument.uri;
    const analysis = store.analysis(uri);
    if (!analysis) return undefined;
    return { analysis, offset: analysis.lines.offsetAt(params.position), uri };
  };

  const publish = (uri: string) => {
    const doc = documents.get(uri);
    if (!doc) return;
    try {
      const analysis = store.analysis(uri)!;
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: toLspDiagnostics(analysis, uri) });
      // Build the name index while the editor shows the diagnostics, so the next hover finds it ready.
      setImmediate(() => {
        try {
          void analysis.index;
          void analysis.facts;
        } catch (e) {
          log(`indexing ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      });
    } catch (e) {
      log(`diagnostics of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  };

  const schedule = (uri: string, delay: number) => {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        publish(uri);
      }, delay),
    );
  };

  const applyOptions = (options: unknown) => {
    const o = (options && typeof options === "object" ? options : {}) as ServerOptions;
    const settings: AnalysisSettings = { ...defaultSettings, dims: validDims(o.dims, log) };
    if (typeof o.maxFileSize === "number" && o.maxFileSize > 0) settings.maxFileSize = o.maxFileSize;
    if (typeof o.diagnosticsDelay === "number" && o.diagnosticsDelay >= 0) diagnosticsDelay = o.diagnosticsDelay;
    store.settings = settings;
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    applyOptions(params.initializationOptions);
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport ?? false;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        completionProvider: { triggerCharacters: [".", "(", "[", ",", "=", ":"], resolveProvider: true },
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
        documentFormattingProvider: true,
      },
      serverInfo: { name: "rnnc" },
    };
  });

  connection.onDidChangeConfiguration((change) => {
    const settings = (change.settings as { rnnc?: ServerOptions } | undefined)?.rnnc;
    if (!settings) return;
    applyOptions(settings);
    for (const doc of documents.all()) schedule(doc.uri, 0);
  });

  documents.onDidChangeContent((change) => {
    const uri = change.document.uri;
    // The first analysis (on open) is published at once; edits wait for the typing to pause.
    schedule(uri, published.has(uri) ? diagnosticsDelay : 0);
    published.add(uri);
  });

  documents.onDidClose((event) => {
    const uri = event.document.uri;
    clearTimeout(timers.get(uri));
    timers.delete(uri);
    published.delete(uri);
    store.forget(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onHover(
    guard("hover", (p) => {
      const a = at(p);
      return a ? hover(a.analysis, a.offset) : null;
    }),
  );

  connection.onDefinition(
    guard("definition", (p) => {
      const a = at(p);
      return a ? definition(a.analysis, a.uri, a.offset) : null;
    }),
  );

  connection.onReferences(
    guard("references", (p) => {
      const a = at(p);
      return a ? references(a.analysis, a.uri, a.offset, p.context.includeDeclaration) : null;
    }),
  );

  connection.onPrepareRename(
    guard("prepareRename", (p) => {
      const a = at(p);
      return a ? prepareRename(a.analysis, a.offset) : null;
    }),
  );

  connection.onRenameRequest(
    guard("rename", (p) => {
      const a = at(p);
      return a ? rename(a.analysis, a.uri, a.offset, p.newName) : null;
    }),
  );

  connection.onDocumentSymbol(
    guard("documentSymbol", (p) => {
      const analysis = store.analysis(p.textDocument.uri);
      return analysis ? documentSymbols(analysis) : null;
    }),
  );

  connection.onCompletion(
    guard("completion", (p) => {
      const a = at(p);
      return a ? completion(a.analysis, a.uri, a.offset, { snippets }) : null;
    }),
  );

  connection.onCompletionResolve(
    guard("completionItem/resolve", (item: CompletionItem): CompletionItem => {
      const data = item.data as CompletionData | undefined;
      if (!data || typeof data.uri !== "string") return item;
      const analysis = store.analysis(data.uri);
      const scope = analysis?.index?.scopes[data.model];
      const symbol = scope?.symbols.get(data.name);
      if (!analysis || !scope || !symbol) return item;
      const doc = describe(analysis, {
        kind: "symbol",
        range: symbol.declarations[0]!.range,
        text: symbol.name,
        scope,
        symbol,
        declaration: false,
      });
      return doc ? { ...item, documentation: { kind: "markdown", value: doc } } : item;
    }),
  );

  connection.onSignatureHelp(
    guard("signatureHelp", (p) => {
      const a = at(p);
      return a ? signatureHelp(a.analysis, a.offset) : null;
    }),
  );

  connection.onDocumentFormatting(
    guard("formatting", (p) => {
      const analysis = store.analysis(p.textDocument.uri);
      return analysis ? formatting(analysis) : null;
    }),
  );

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

function validDims(dims: unknown, log: (message: string) => void): Record<string, number> {
  const out = namedRecord<number>();
  if (!dims || typeof dims !== "object") return out;
  for (const [name, value] of Object.entries(dims as Record<string, unknown>)) {
    const n = typeof value === "string" ? Number(value) : value;
    if (typeof n === "number" && Number.isSafeInteger(n) && n > 0) out[name] = n;
    else log(`ignoring the dim override ${name} = ${JSON.stringify(value)}: a dim is a positive integer`);
  }
  return out;
}

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
