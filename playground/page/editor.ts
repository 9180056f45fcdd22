/**
 * The editor: CodeMirror 6, with diagnostics, hover, completion and signature help from the
 * language server running in a Web Worker (workers/lsp.ts). Tab moves the focus out of the
 * editor as everywhere else on the page (Escape first, then Tab, as CodeMirror documents).
 */
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { lintKeymap } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { LSPClient, languageServerExtensions, type Transport } from "@codemirror/lsp-client";
import { rnnHighlighting } from "./highlight.js";

export const MODEL_URI = "file:///model.rnn";

/** The client's side of the worker's messages: the client speaks JSON text, the worker's reader and writer objects. */
function workerTransport(worker: Worker): Transport {
  let handlers: ((message: string) => void)[] = [];
  worker.onmessage = (event: MessageEvent) => {
    const text = JSON.stringify(event.data);
    for (const handle of handlers) handle(text);
  };
  return {
    send: (message) => worker.postMessage(JSON.parse(message)),
    subscribe: (handler) => void handlers.push(handler),
    unsubscribe: (handler) => void (handlers = handlers.filter((h) => h !== handler)),
  };
}

export function createEditor(parent: HTMLElement, text: string, changed: (text: string) => void): EditorView {
  const worker = new Worker(new URL("./lsp-worker.js", import.meta.url), { type: "module" });
  // The server answers in milliseconds, but its first analysis loads the parser, and a busy
  // machine can take longer than the client's default 3 s: a request only fails when the server has.
  const client = new LSPClient({
    rootUri: "file:///",
    timeout: 60_000,
    extensions: languageServerExtensions(),
  }).connect(workerTransport(worker));
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        rnnHighlighting,
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        keymap.of([
          ...closeBracketsKeymap,
          ...defaultKeymap,
          ...searchKeymap,
          ...historyKeymap,
          ...completionKeymap,
          ...lintKeymap,
        ]),
        client.plugin(MODEL_URI, "rnn"),
        EditorView.contentAttributes.of({ "aria-label": "model source (.rnn)" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed(update.state.doc.toString());
        }),
      ],
    }),
  });
}

/** Replaces the whole text (an example picked). */
export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Puts the cursor at a 1-based line and column (where an error points), scrolled into view, and focuses the editor. */
export function showPosition(view: EditorView, line: number, column: number): void {
  const doc = view.state.doc;
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const anchor = Math.min(at.from + Math.max(column, 1) - 1, at.to);
  view.dispatch({ selection: { anchor }, scrollIntoView: true });
  view.focus();
}
