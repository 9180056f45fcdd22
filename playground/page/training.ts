/**
 * The training panel: what to train on (the example's data, or a text pasted in), the
 * settings, the live loss curve, the samples as the model learns, the trained weights to
 * download as safetensors, and one forward run on the example's batch as `rnnc run` prints it.
 */
import type { Example } from "./examples.js";
import { LossChart } from "./loss-chart.js";
import type { DataSource, TrainReply, TrainRequest, TrainSettings } from "../workers/messages.js";
import type { KernelTier } from "../../compiler/codegen/kernel-tier.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const numberIn = (id: string) => Number($<HTMLInputElement>(id).value);

export function setUpTraining(source: () => string, initial: Example) {
  const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
  const chart = new LossChart($<HTMLElement>("loss") as unknown as SVGSVGElement);
  const status = $("train-status");
  const samples = $("samples");
  const download = $<HTMLAnchorElement>("download");
  const dataChoice = $<HTMLSelectElement>("data-choice");
  const pasted = $<HTMLTextAreaElement>("data-text");
  let example = initial;
  /** The last trained weights (safetensors), which a run uses. */
  let trained: Uint8Array | undefined;
  /** The first and the latest step's loss of this run, for the status line. */
  let losses: { first: number; last: number } | undefined;
  const send = (request: TrainRequest) => worker.postMessage(request);

  const data = (): DataSource | undefined =>
    dataChoice.value === "pasted" ? { name: "the pasted text", format: "text", text: pasted.value } : example.data;

  const showData = () => {
    const ownData = dataChoice.querySelector<HTMLOptionElement>("option[value=example]")!;
    ownData.textContent = example.data ? `${example.name}'s data: ${example.data.name}` : `${example.name} has no data`;
    ownData.disabled = !example.data;
    if (!example.data) dataChoice.value = "pasted";
    pasted.hidden = dataChoice.value !== "pasted";
  };

  const setRunning = (running: boolean) => {
    $<HTMLButtonElement>("train").disabled = running;
    $<HTMLButtonElement>("stop").disabled = !running;
  };

  worker.onmessage = (event: MessageEvent<TrainReply>) => {
    const r = event.data;
    switch (r.kind) {
      case "started":
        status.textContent = `training ${r.parameters.toLocaleString("en-US")} parameters on the ${r.kernels} kernels${r.vocabulary ? `, ${r.vocabulary} distinct characters` : ""}`;
        break;
      case "step":
        chart.add(r.loss);
        losses = { first: losses?.first ?? r.loss, last: r.loss };
        break;
      case "sample":
        samples.textContent = `after ${r.step} steps:\n${r.text}\n\n` + samples.textContent;
        break;
      case "finished": {
        trained = r.weights;
        setRunning(false);
        status.textContent = `${r.status} after ${r.steps} steps${losses ? `: loss ${losses.first.toFixed(4)} at the first step, ${losses.last.toFixed(4)} at the last` : ""}`;
        URL.revokeObjectURL(download.href);
        download.href = URL.createObjectURL(
          new Blob([r.weights as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
        );
        download.download = `${example.name}.safetensors`;
        download.hidden = false;
        break;
      }
      case "ran":
        $("run-output").textContent = r.json;
        break;
      case "error":
        setRunning(false);
        status.textContent = r.message;
        break;
    }
  };

  const kernels = () => $<HTMLSelectElement>("kernels").value as KernelTier;
  $("train").addEventListener("click", () => {
    const d = data();
    if (!d || d.text === "") {
      status.textContent = "nothing to train on: pick the example's data or paste a text";
      return;
    }
    const settings: TrainSettings = {
      steps: numberIn("steps"),
      lr: numberIn("lr"),
      batch: numberIn("batch"),
      seqLen: numberIn("seq-len"),
      seed: 1,
      kernels: kernels(),
      sampleLength: 80,
      sampleEvery: 20,
    };
    chart.clear();
    losses = undefined;
    samples.textContent = "";
    download.hidden = true;
    trained = undefined;
    setRunning(true);
    status.textContent = "compiling the model…";
    send({ kind: "train", source: source(), data: d, settings });
  });
  $("stop").addEventListener("click", () => send({ kind: "stop" }));
  $("run").addEventListener("click", () => {
    const d = example.batch;
    if (!d) {
      $("run-output").textContent = `${example.name} has no JSON batch to run (examples/data/${example.name}.json)`;
      return;
    }
    $("run-output").textContent = "running…";
    send({
      kind: "run",
      source: source(),
      data: d,
      kernels: kernels(),
      seed: 1,
      ...(trained ? { weights: trained } : {}),
    });
  });
  dataChoice.addEventListener("change", showData);
  showData();
  setRunning(false);

  return {
    exampleChanged(next: Example) {
      example = next;
      trained = undefined;
      dataChoice.value = "example";
      showData();
    },
  };
}
