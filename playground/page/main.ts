/**
 * The playground page: the editor on one side; on the other the folded and unrolled graphs,
 * the generated TypeScript, and the training panel. Every piece of work happens in a worker:
 * the language server (workers/lsp.ts), the graphs and code (workers/model.ts), training and
 * runs (workers/train.ts). All of it is in the files loaded with the page: nothing is fetched
 * afterwards.
 */
import { createEditor, setText, showPosition } from "./editor.js";
import { examples } from "./examples.js";
import { setUpTabs } from "./tabs.js";
import { setUpTraining } from "./training.js";
import type { ModelReply, ModelRequest } from "../workers/messages.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const modelWorker = new Worker(new URL("./model-worker.js", import.meta.url), { type: "module" });
let latest = 0;
let pending: ReturnType<typeof setTimeout> | undefined;
let source = "";

/** Redraws the graphs and the code once typing pauses; only the latest request's answer is shown. */
function modelChanged(text: string): void {
  source = text;
  clearTimeout(pending);
  pending = setTimeout(() => {
    const request: ModelRequest = { id: ++latest, source, unroll: Number($<HTMLInputElement>("unroll").value) };
    modelWorker.postMessage(request);
  }, 300);
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
  $("graph-folded").innerHTML = r.folded;
  $("graph-unrolled").innerHTML = r.unrolled;
  $("typescript").textContent = r.typescript;
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
setUpTabs($("panels"));
modelChanged(source);
