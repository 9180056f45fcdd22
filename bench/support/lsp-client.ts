/**
 * A real LSP client for the tests: spawns `node bin/rnnc.js lsp --stdio` (built by
 * `npm run build`) and talks JSON-RPC to it over the child's stdio with the protocol
 * package's client side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as P from "vscode-languageserver-protocol/node.js";

/** The repository: the first folder above this file with `bin/rnnc.js` (this file also runs compiled, from dist/). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
export const rnncBin = join(repoRoot, "bin", "rnnc.js");

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "bin", "rnnc.js")) && existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no bin/rnnc.js above ${from}`);
  }
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** A document as the test sees it: its text, and positions found by searching it. */
export class Doc {
  constructor(
    readonly uri: string,
    public text: string,
    public version = 1,
  ) {}

  /** The position of the n-th occurrence of `needle`, moved `delta` characters. */
  pos(needle: string, n = 0, delta = 0): P.Position {
    let from = -1;
    for (let i = 0; i <= n; i++) {
      from = this.text.indexOf(needle, from + 1);
      if (from < 0) throw new Error(`'${needle}' occurs fewer than ${n + 1} times`);
    }
    return this.positionAt(from + delta);
  }

  /** The position just after the n-th occurrence of `needle`. */
  after(needle: string, n = 0): P.Position {
    return this.pos(needle, n, needle.length);
  }

  /** Where each line starts, lines ending at `\n`, `\r\n` or `\r`, as LSP counts them. */
  private lineStarts(): number[] {
    const starts = [0];
    const t = this.text;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === "\r" && t[i + 1] === "\n") i++;
      if (t[i] === "\n" || t[i] === "\r") starts.push(i + 1);
    }
    return starts;
  }

  positionAt(offset: number): P.Position {
    const starts = this.lineStarts();
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
    return { line, character: offset - starts[line]! };
  }

  /** As vscode-languageserver-textdocument: clamped to the line, never inside its line break. */
  offsetAt(p: P.Position): number {
    const starts = this.lineStarts();
    if (p.line >= starts.length) return this.text.length;
    if (p.line < 0) return 0;
    const start = starts[p.line]!;
    const next = p.line + 1 < starts.length ? starts[p.line + 1]! : this.text.length;
    let offset = Math.min(start + Math.max(0, p.character), next);
    while (offset > start && (this.text[offset - 1] === "\n" || this.text[offset - 1] === "\r")) offset--;
    return offset;
  }

  /** An offset moved out of the middle of a `\r\n` (LSP positions cannot point there). */
  addressable(offset: number): number {
    return this.text[offset - 1] === "\r" && this.text[offset] === "\n" ? offset - 1 : offset;
  }

  /** Applies edits as a client would (last first, so earlier ranges stay valid). */
  apply(edits: readonly P.TextEdit[]): string {
    const sorted = [...edits].sort((a, b) => this.offsetAt(b.range.start) - this.offsetAt(a.range.start));
    let text = this.text;
    for (const e of sorted)
      text = text.slice(0, this.offsetAt(e.range.start)) + e.newText + text.slice(this.offsetAt(e.range.end));
    return text;
  }
}

export interface StartOptions {
  initializationOptions?: object;
  /** What `node` runs: by default this checkout's `bin/rnnc.js lsp --stdio`. */
  server?: readonly string[];
  snippets?: boolean;
}

export class LspClient {
  readonly connection: P.ProtocolConnection;
  private readonly published = new Map<string, P.PublishDiagnosticsParams[]>();
  private waiters: (() => void)[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.connection = P.createProtocolConnection(
      new P.StreamMessageReader(child.stdout),
      new P.StreamMessageWriter(child.stdin),
    );
    child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    this.connection.onNotification(P.PublishDiagnosticsNotification.type, (p) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
      for (const w of this.waiters.splice(0)) w();
    });
    this.connection.listen();
  }

  static async start(options: StartOptions = {}): Promise<{ client: LspClient; init: P.InitializeResult }> {
    const child = spawn(process.execPath, options.server ?? [rnncBin, "lsp", "--stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const client = new LspClient(child);
    const init = await client.request(P.InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: options.snippets ?? false } },
          publishDiagnostics: { relatedInformation: true },
        },
      },
      initializationOptions: { diagnosticsDelay: 50, ...options.initializationOptions },
    });
    await client.connection.sendNotification(P.InitializedNotification.type, {});
    return { client, init };
  }

  /** A request that must be answered within `timeout` ms. */
  request<P0, R>(
    type: { method: string; readonly _?: [P0, R, ...unknown[]] },
    params: P0,
    timeout = 15_000,
  ): Promise<R> {
    return withTimeout(this.connection.sendRequest(type.method, params) as Promise<R>, timeout, type.method);
  }

  /** A request by method name (for malformed params and unknown methods). */
  raw(method: string, params: unknown, timeout = 15_000): Promise<unknown> {
    return withTimeout(this.connection.sendRequest(method, params), timeout, method);
  }

  async open(doc: Doc): Promise<void> {
    await this.connection.sendNotification(P.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: doc.uri, languageId: "rnn", version: doc.version, text: doc.text },
    });
  }

  /** Replaces `oldText` (its n-th occurrence) with `newText` by an incremental change. */
  async replace(doc: Doc, oldText: string, newText: string, n = 0): Promise<void> {
    const start = doc.pos(oldText, n);
    const end = doc.pos(oldText, n, oldText.length);
    await this.edit(doc, { start, end }, newText);
  }

  /** One incremental change; the document's text and version follow. */
  async edit(doc: Doc, range: P.Range, text: string): Promise<void> {
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    doc.text = doc.text.slice(0, from) + text + doc.text.slice(to);
    doc.version++;
    await this.connection.sendNotification(P.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: doc.uri, version: doc.version },
      contentChanges: [{ range, text }],
    });
  }

  async close(doc: Doc): Promise<void> {
    await this.connection.sendNotification(P.DidCloseTextDocumentNotification.type, { textDocument: { uri: doc.uri } });
  }

  /** Waits for diagnostics of the document's current version. */
  async diagnostics(doc: Doc, timeout = 15_000): Promise<P.Diagnostic[]> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = (this.published.get(doc.uri) ?? []).find((p) => p.version === doc.version);
      if (found) return found.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${doc.uri} version ${doc.version} within ${timeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  hover(doc: Doc, position: P.Position): Promise<P.Hover | null> {
    return this.request(P.HoverRequest.type, { textDocument: { uri: doc.uri }, position });
  }

  /** The hover's Markdown, or "" when there is none. */
  async hoverText(doc: Doc, position: P.Position): Promise<string> {
    const h = await this.hover(doc, position);
    if (!h) return "";
    const c = h.contents;
    return typeof c === "object" && "kind" in c ? c.value : JSON.stringify(c);
  }

  async definition(doc: Doc, position: P.Position): Promise<P.Location[]> {
    const r = await this.request(P.DefinitionRequest.type, { textDocument: { uri: doc.uri }, position });
    if (!r) return [];
    return (Array.isArray(r) ? r : [r]) as P.Location[];
  }

  async references(doc: Doc, position: P.Position, includeDeclaration = true): Promise<P.Location[]> {
    return (
      (await this.request(P.ReferencesRequest.type, {
        textDocument: { uri: doc.uri },
        position,
        context: { includeDeclaration },
      })) ?? []
    );
  }

  prepareRename(doc: Doc, position: P.Position): Promise<P.PrepareRenameResult | null> {
    return this.request(P.PrepareRenameRequest.type, { textDocument: { uri: doc.uri }, position });
  }

  rename(doc: Doc, position: P.Position, newName: string): Promise<P.WorkspaceEdit | null> {
    return this.request(P.RenameRequest.type, { textDocument: { uri: doc.uri }, position, newName });
  }

  async completion(doc: Doc, position: P.Position): Promise<P.CompletionItem[]> {
    const r = await this.request(P.CompletionRequest.type, { textDocument: { uri: doc.uri }, position });
    if (!r) return [];
    return Array.isArray(r) ? r : r.items;
  }

  signatureHelp(doc: Doc, position: P.Position): Promise<P.SignatureHelp | null> {
    return this.request(P.SignatureHelpRequest.type, { textDocument: { uri: doc.uri }, position });
  }

  async formatting(doc: Doc): Promise<P.TextEdit[]> {
    return (
      (await this.request(P.DocumentFormattingRequest.type, {
        textDocument: { uri: doc.uri },
        options: { tabSize: 2, insertSpaces: true },
      })) ?? []
    );
  }

  async symbols(doc: Doc): Promise<P.DocumentSymbol[]> {
    return ((await this.request(P.DocumentSymbolRequest.type, { textDocument: { uri: doc.uri } })) ??
      []) as P.DocumentSymbol[];
  }

  /** shutdown, then exit: resolves to the server's exit code. */
  async stop(): Promise<number | null> {
    await this.raw(P.ShutdownRequest.method, undefined);
    await this.connection.sendNotification(P.ExitNotification.type);
    const code = await withTimeout(this.exited, 10_000, "exit");
    this.connection.dispose();
    return code;
  }

  /** For after a failed test: make sure no server is left running. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
