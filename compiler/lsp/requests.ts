/**
 * The requests the server answers, each from the analysis of the document's current
 * version. Nothing a document contains may stop the server: every handler is guarded, and an
 * exception inside one is answered as a protocol error (and logged), never left to crash
 * the process.
 */
import {
  ErrorCodes,
  ResponseError,
  type CompletionItem,
  type Connection,
  type TextDocumentPositionParams,
} from "vscode-languageserver";
import type { Analysis } from "./analysis.js";
import { completion, type CompletionData } from "./completion.js";
import { definition } from "./definition.js";
import type { DocumentStore } from "./documents.js";
import { formatting } from "./formatting.js";
import { describe, hover } from "./hover.js";
import { references } from "./references.js";
import { prepareRename, rename } from "./rename.js";
import { signatureHelp } from "./signature.js";
import { documentSymbols } from "./symbols.js";

/** What the client said it can do, in `initialize`. */
export interface ClientAbilities {
  snippets: boolean;
}

export function registerRequests(
  connection: Connection,
  store: DocumentStore,
  client: ClientAbilities,
  log: (message: string) => void,
): void {
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

  /** A request about a position: the analysis of its document and the offset, or null when the document is not open. */
  const atPosition =
    <P extends TextDocumentPositionParams, R>(name: string, answer: (a: Analysis, offset: number, p: P) => R) =>
    (params: P): R | null =>
      guard(name, (p: P) => {
        const analysis = store.analysis(p.textDocument.uri);
        return analysis ? answer(analysis, analysis.lines.offsetAt(p.position), p) : null;
      })(params);

  /** A request about a whole document. */
  const onDocument =
    <P extends { textDocument: { uri: string } }, R>(name: string, answer: (a: Analysis) => R) =>
    (params: P): R | null =>
      guard(name, (p: P) => {
        const analysis = store.analysis(p.textDocument.uri);
        return analysis ? answer(analysis) : null;
      })(params);

  connection.onHover(atPosition("hover", (a, offset) => hover(a, offset)));
  connection.onDefinition(atPosition("definition", (a, offset, p) => definition(a, p.textDocument.uri, offset)));
  connection.onReferences(
    atPosition("references", (a, offset, p) => references(a, p.textDocument.uri, offset, p.context.includeDeclaration)),
  );
  connection.onPrepareRename(atPosition("prepareRename", (a, offset) => prepareRename(a, offset)));
  connection.onRenameRequest(atPosition("rename", (a, offset, p) => rename(a, p.textDocument.uri, offset, p.newName)));
  connection.onCompletion(
    atPosition("completion", (a, offset, p) =>
      completion(a, p.textDocument.uri, offset, { snippets: client.snippets }),
    ),
  );
  connection.onSignatureHelp(atPosition("signatureHelp", (a, offset) => signatureHelp(a, offset)));
  connection.onDocumentSymbol(onDocument("documentSymbol", documentSymbols));
  connection.onDocumentFormatting(onDocument("formatting", formatting));
  connection.onCompletionResolve(
    guard("completionItem/resolve", (item: CompletionItem) => resolveCompletion(store, item)),
  );
}

/** A name's documentation, filled in on resolve so that a long model's completion list answers fast. */
function resolveCompletion(store: DocumentStore, item: CompletionItem): CompletionItem {
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
}
