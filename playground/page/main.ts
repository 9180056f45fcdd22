/**
 * The playground page: the editor on one side; on the other the folded and unrolled graphs,
 * the generated TypeScript, and the training panel. Every piece of work happens in a worker:
 * the language server (workers/lsp.ts), the graphs and code (workers/model.ts), training and
 * runs (workers/train.ts). A view is drawn when its tab is shown, and what it needs (Graphviz,
 * Prettier, the training worker) is loaded the first time; a service worker keeps every file
 * of the page, so that it works offline once it has loaded.
 */
import { createEditor, setText, showPosition } from "./editor.js";
import { examples } from "./examples.js";
import { setUpTabs } from "./tabs.js";
import { setUpTraining } from "./training.js";
import type { ModelReply, ModelRequest, ModelView } from "../workers/messages.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

if ("serviceWorker" in navigator)
  navigator.serviceWorker.register("service-worker.js").catch((e: unknown) => {
    // Without it (a page served over plain HTTP from another machine, say) the page works, but not offline.
    console.warn(`the playground will not work offline: ${e instanceof Error ? e.message : String(e)}`);
  });

const modelWorker = new Worker(new URL("./model-worker.js", import.meta.url), { type: "module" });
/** The views each tab shows. */
const viewsOf: Record<string, ModelView[]> = {
  "tab-graph": ["graphs"],
  "tab-unrolled": ["graphs"],
  "tab-code": ["typescript"],
};
let shownViews: ModelView[] = ["graphs"];
let latest = 0;
/** The request each view last showed the answer to: a view behind the latest is redrawn when its tab is shown. */
const drawnFor: Record<ModelView, number> = { graphs: 0, typescript: 0 };
let pending: ReturnType<typeof setTimeout> | undefined;
let source = "";

function requestModel(): void {
  clearTimeout(pending);
  const request: ModelRequest = {
    id: ++latest,
    source,
    unroll: Number($<HTMLInputElement>("unroll").value),
    views: shownViews,
  };
  modelWorker.postMessage(request);
}

/** Redraws the graphs and the code once typing pauses; only the latest request's answer is shown. */
function modelChanged(text: string): void {
  source = text;
  clearTimeout(pending);
  pending = setTimeout(requestModel, 300);
}

modelWorker.onmessage = (event: MessageEvent<ModelReply>) => {
  const r = event.data;
  if (r.id !== latest) return;
  const status = $("model-status");
  if (r.kind === "error") {
    status.textContent = r.message;
    status.classList.add("error");
    return;
  }
  status.textContent = "the model checks";
  status.classList.remove("error");
  if (r.folded !== undefined && r.unrolled !== undefined) {
    $("graph-folded").innerHTML = r.folded;
    $("graph-unrolled").innerHTML = r.unrolled;
    drawnFor.graphs = r.id;
  }
  if (r.typescript !== undefined) {
    $("typescript").textContent = r.typescript;
    drawnFor.typescript = r.id;
  }
};

const picker = $<HTMLSelectElement>("example");
for (const e of examples) picker.append(new Option(`${e.name}.rnn`, e.name));
const first = examples.find((e) => e.name === "elman") ?? examples[0]!;
picker.value = first.name;
source = first.source;

const editor = createEditor($("editor"), first.source, modelChanged);
const training = setUpTraining(
  () => source,
  first,
  (line, column) => showPosition(editor, line, column),
);
picker.addEventListener("change", () => {
  const example = examples.find((e) => e.name === picker.value)!;
  setText(editor, example.source);
  training.exampleChanged(example);
});
$("unroll").addEventListener("change", () => modelChanged(source));
setUpTabs($("panels"), (tab) => {
  shownViews = viewsOf[tab.id] ?? [];
  // A view the latest model has not been drawn in yet is drawn now (no wait: the text has not changed).
  if (shownViews.some((v) => drawnFor[v] !== latest)) requestModel();
});
modelChanged(source);
