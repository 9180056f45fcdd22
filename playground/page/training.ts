/**
 * The training panel: what to train on (the example's data, a text of examples/data, or a
 * text pasted in), the settings (train-settings.ts), the live loss curve, the samples as the
 * model learns, the trained weights to download as safetensors, and one forward run on the
 * example's batch as `rnnc run` prints it. A training or a run that fails says why, points to
 * the place in the model when there is one, and leaves the panel ready for the next.
 */
import { texts, type Example } from "./examples.js";
import { LossChart } from "./loss-chart.js";
import { readKernels, readSeed, readSettings, SettingError, setUpOptimizers } from "./train-settings.js";
import type { DataSource, TrainReply, TrainRequest } from "../workers/messages.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Where an error message points in the model: model.rnn:LINE:COL, 1-based. */
const errorPlace = /^model\.rnn:(\d+):(\d+):/;

export function setUpTraining(
  source: () => string,
  initial: Example,
  showInEditor: (line: number, column: number) => void,
) {
  const chart = new LossChart($<HTMLElement>("loss") as unknown as SVGSVGElement);
  const status = $("train-status");
  const dimsNote = $("train-dims");
  const samples = $("samples");
  const runOutput = $("run-output");
  const download = $<HTMLAnchorElement>("download");
  const dataChoice = $<HTMLSelectElement>("data-choice");
  const pasted = $<HTMLTextAreaElement>("data-text");
  const error = { box: $("train-error"), text: $("train-error-text"), show: $<HTMLButtonElement>("train-error-show") };
  let example = initial;
  /** The last trained weights (safetensors) and the dims they were trained with, which a run uses. */
  let trained: { weights: Uint8Array; dims: Record<string, number> } | undefined;
  let dims: Record<string, number> = {};
  /** The first and the latest step's loss of this run, and the latest validation's, for the status line. */
  let losses: { first: number; last: number; val?: number } | undefined;
  /** What the worker is doing, which the buttons follow. */
  let busy: "train" | "run" | undefined;
  /** The training worker, started by the first training or run (it is a large file the page need not load before). */
  let worker: Worker | undefined;
  const send = (request: TrainRequest) => (worker ??= startWorker()).postMessage(request);

  /** What the Data menu offers: the example's own data, the texts of examples/data, a text pasted in. */
  const data = (): DataSource | undefined => {
    if (dataChoice.value === "pasted") return { name: "the pasted text", format: "text", text: pasted.value };
    if (dataChoice.value === "example") return example.data;
    return texts.find((t) => t.name === dataChoice.value);
  };

  const showData = () => {
    const chosen = dataChoice.value;
    const own = new Option(
      example.data ? `${example.name}'s data: ${example.data.name}` : `${example.name} has no data`,
      "example",
    );
    own.disabled = !example.data;
    const others = texts.filter((t) => t.name !== example.data?.name).map((t) => new Option(t.name, t.name));
    dataChoice.replaceChildren(own, ...others, new Option("a text pasted below", "pasted"));
    const offered = [...dataChoice.options].some((o) => o.value === chosen && !o.disabled);
    dataChoice.value = offered ? chosen : example.data ? "example" : "pasted";
    pasted.hidden = dataChoice.value !== "pasted";
  };

  const setBusy = (now: typeof busy) => {
    busy = now;
    $<HTMLButtonElement>("train").disabled = now !== undefined;
    $<HTMLButtonElement>("run").disabled = now !== undefined;
    $<HTMLButtonElement>("stop").disabled = now !== "train";
  };

  /** Shows what went wrong; a message that names a place in the model offers to show it. */
  const showError = (message: string) => {
    error.text.textContent = message;
    const place = errorPlace.exec(message);
    error.show.hidden = !place;
    error.show.onclick = place ? () => showInEditor(Number(place[1]), Number(place[2])) : null;
    error.box.hidden = false;
  };
  const clearError = () => {
    error.box.hidden = true;
    error.text.textContent = "";
  };

  const failed = (during: "train" | "run", message: string) => {
    setBusy(undefined);
    if (during === "train") status.textContent = "training failed";
    else runOutput.textContent = "";
    showError(message);
  };

  const onReply = (event: MessageEvent<TrainReply>) => {
    const r = event.data;
    switch (r.kind) {
      case "started":
        dims = r.dims;
        status.textContent = `training ${r.parameters.toLocaleString("en-US")} parameters on the ${r.kernels} kernels`;
        dimsNote.textContent = r.notes.length > 0 ? `Dims set from the data: ${r.notes.join(", ")}` : "";
        dimsNote.hidden = r.notes.length === 0;
        break;
      case "step":
        chart.add(r.loss);
        losses = { ...losses, first: losses?.first ?? r.loss, last: r.loss };
        break;
      case "validated":
        losses = { first: losses?.first ?? NaN, last: losses?.last ?? NaN, val: r.loss };
        break;
      case "sample":
        samples.textContent = `after ${r.step} steps:\n${r.text}\n\n` + samples.textContent;
        break;
      case "finished": {
        trained = { weights: r.weights, dims };
        setBusy(undefined);
        status.textContent =
          `${r.status} after ${r.steps} steps` +
          (losses ? `: loss ${losses.first.toFixed(4)} at the first step, ${losses.last.toFixed(4)} at the last` : "") +
          (losses?.val !== undefined ? `; validation loss ${losses.val.toFixed(4)}` : "");
        URL.revokeObjectURL(download.href);
        download.href = URL.createObjectURL(
          new Blob([r.weights as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
        );
        download.download = `${example.name}.safetensors`;
        download.hidden = false;
        break;
      }
      case "ran":
        setBusy(undefined);
        runOutput.textContent = r.json;
        break;
      case "error":
        failed(r.during, r.message);
        break;
    }
  };
  const startWorker = () => {
    const started = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
    started.onmessage = onReply;
    // What the worker itself throws (it failed to load, say) ends whatever it was doing.
    started.onerror = (event) => {
      event.preventDefault();
      failed(busy ?? "train", `the training worker failed: ${event.message || "it could not be loaded"}`);
    };
    return started;
  };

  /** What the fields say, or nothing after saying which field to fix and giving it the focus. */
  const fromFields = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof SettingError)) throw e;
      showError(e.message);
      e.field.focus();
      return undefined;
    }
  };

  $("train").addEventListener("click", () => {
    clearError();
    const d = data();
    if (!d || d.text === "") {
      showError("nothing to train on: pick a data set or paste a text");
      return;
    }
    const s = fromFields(readSettings);
    if (!s) return;
    chart.clear();
    losses = undefined;
    samples.textContent = "";
    dimsNote.hidden = true;
    download.hidden = true;
    trained = undefined;
    setBusy("train");
    status.textContent = "compiling the model…";
    send({ kind: "train", source: source(), data: d, settings: s });
  });
  $("stop").addEventListener("click", () => worker?.postMessage({ kind: "stop" } satisfies TrainRequest));
  $("run").addEventListener("click", () => {
    clearError();
    const d = example.batch;
    if (!d) {
      runOutput.textContent = `${example.name} has no JSON batch to run (examples/data/${example.name}.json)`;
      return;
    }
    const seed = fromFields(readSeed);
    if (seed === undefined) return;
    setBusy("run");
    runOutput.textContent = "running…";
    send({
      kind: "run",
      source: source(),
      data: d,
      kernels: readKernels(),
      seed,
      dims: trained?.dims ?? {},
      ...(trained ? { weights: trained.weights } : {}),
    });
  });
  dataChoice.addEventListener("change", showData);
  setUpOptimizers();
  showData();
  setBusy(undefined);

  return {
    exampleChanged(next: Example) {
      example = next;
      trained = undefined;
      dataChoice.value = "example";
      showData();
    },
  };
}
