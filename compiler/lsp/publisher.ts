/**
 * When diagnostics are published: on open at once, after a change once the typing pauses
 * (the debounce), on a settings change for every document. After publishing, the name index
 * that hover and the other requests need is built while the editor shows the diagnostics,
 * unless the document changes first: building it for a version already replaced would only
 * delay the next one's diagnostics.
 */
import type { Connection, TextDocuments } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { toLspDiagnostics } from "./diagnostics.js";
import type { DocumentStore } from "./documents.js";
import { defaultDiagnosticsDelay } from "./options.js";

/** How long the server waits, idle, after publishing before it builds a document's name index. */
const indexDelay = 50;

export class DiagnosticsPublisher {
  delay = defaultDiagnosticsDelay;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly published = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly store: DocumentStore,
    private readonly log: (message: string) => void,
  ) {}

  /** A document opened or changed: the first analysis is published at once, edits wait for the typing to pause. */
  changed(uri: string): void {
    this.schedule(uri, this.published.has(uri) ? this.delay : 0);
    this.published.add(uri);
  }

  /** The settings changed: every analysis is redone. */
  republishAll(): void {
    for (const doc of this.documents.all()) this.schedule(doc.uri, 0);
  }

  closed(uri: string): void {
    this.cancel(uri);
    this.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private cancel(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
  }

  private schedule(uri: string, delay: number): void {
    this.after(uri, delay, () => this.publish(uri));
  }

  private after(uri: string, delay: number, run: () => void): void {
    this.cancel(uri);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        run();
      }, delay),
    );
  }

  private publish(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    try {
      const analysis = this.store.analysis(uri)!;
      void this.connection.sendDiagnostics({
        uri,
        version: doc.version,
        diagnostics: toLspDiagnostics(analysis, uri),
      });
      this.after(uri, indexDelay, () => {
        try {
          void analysis.index;
          void analysis.facts;
        } catch (e) {
          this.log(`indexing ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      });
    } catch (e) {
      this.log(`diagnostics of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
}
