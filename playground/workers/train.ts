/**
 * Training in a Web Worker, with the engine `rnnc train` uses (engine/train/loop.ts) driving the
 * generated module on the chosen kernels. It reports each step's loss, a sample of text every
 * few steps (a language model on a text), and at the end the weights as safetensors; it also
 * runs one forward pass as `rnnc run` prints it.
 */
import type { IrModel } from "../../compiler/ir/ir.js";
import { defaultOutputs } from "../../compiler/ir/outputs.js";
import { compiledBackend } from "../../engine/compiled-backend.js";
import type { ModelBackend } from "../../engine/model-backend.js";
import type { Weights } from "../../engine/interpret/batch.js";
import { initialWeights } from "../../engine/init-weights.js";
import { examplesFromBatch, type Dataset } from "../../engine/data/dataset.js";
import { dataRoles } from "../../engine/data/roles.js";
import { charVocabulary, decodeChars, encodeChars, type Vocabulary } from "../../engine/data/vocabulary.js";
import { batchFromJson } from "../../engine/io/data-json.js";
import { nest } from "../../engine/io/nested.js";
import { parseWeights } from "../../engine/io/weights-file.js";
import { sampledQuantity, sampleIds } from "../../engine/sample.js";
import { initialTrainState, trainLoop, type TrainConfig } from "../../engine/train/loop.js";
import { defaultOptimizerConfig } from "../../engine/train/optimizers.js";
import { encodeSafetensors } from "../../runtime/io/safetensors.js";
import { namedRecord } from "../../runtime/records.js";
import { Rng } from "../../runtime/rng.js";
import type { DataSource, TrainReply, TrainRequest, TrainSettings } from "./messages.js";
import { checkedIr, loadModule } from "./model-source.js";
import { vocabularyMetadata } from "../../engine/io/weights-metadata.js";

const port = self as unknown as Worker;
const reply = (r: TrainReply, transfer: Transferable[] = []) => port.postMessage(r, transfer);
let stopRequested = false;

port.onmessage = async (event: MessageEvent<TrainRequest>) => {
  const request = event.data;
  if (request.kind === "stop") {
    stopRequested = true;
    return;
  }
  try {
    if (request.kind === "train") await train(request.source, request.data, request.settings);
    else await run(request.source, request.data, request.kernels, request.seed, request.weights);
  } catch (e) {
    reply({ kind: "error", message: e instanceof Error ? e.message : String(e) });
  }
};

/** The data as the engine's dataset: a text as one stream of characters, rnnc's JSON as sequences. */
function dataset(ir: IrModel, data: DataSource): { set: Dataset; vocabulary?: Vocabulary } {
  if (data.format === "json") {
    const examples = examplesFromBatch(ir, batchFromJson(ir, JSON.parse(data.text)));
    return { set: { kind: "sequences", examples } };
  }
  const roles = dataRoles(ir, "text")!;
  const vocabulary = charVocabulary(data.text);
  const size = ir.inputs.find((i) => i.name === roles.input)!.size;
  if (vocabulary.entries.length > size)
    throw new Error(
      `${data.name} has ${vocabulary.entries.length} distinct characters, but input ${roles.input} holds ${size}: raise its dim to at least ${vocabulary.entries.length}`,
    );
  const ids = encodeChars(data.text, vocabulary, data.name);
  return { set: { kind: "stream", ids, input: roles.input, target: roles.target.name }, vocabulary };
}

async function train(source: string, data: DataSource, settings: TrainSettings): Promise<void> {
  stopRequested = false;
  const ir = checkedIr(source);
  const backend = compiledBackend(ir, await loadModule(ir, settings.kernels), settings.kernels);
  const { set, vocabulary } = dataset(ir, data);
  const config: TrainConfig = {
    epochs: Number.MAX_SAFE_INTEGER,
    batch: settings.batch,
    seqLen: settings.seqLen,
    optimizer: defaultOptimizerConfig("adam", settings.lr),
    clipValue: null,
    clipNorm: 5,
    seed: settings.seed,
    valSplit: 0,
    evalEvery: 0,
  };
  const state = initialTrainState(initialWeights(ir, settings.seed), config);
  reply({
    kind: "started",
    parameters: ir.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    kernels: settings.kernels,
    ...(vocabulary ? { vocabulary: vocabulary.entries.length } : {}),
  });
  const rng = new Rng(settings.seed);
  let status = "finished";
  while (state.step < settings.steps && !stopRequested) {
    const until = Math.min(settings.steps, state.step + (vocabulary ? settings.sampleEvery : settings.steps));
    const outcome = await trainLoop(backend, { train: set }, config, state, {
      step: (r) => reply({ kind: "step", step: r.step, loss: r.loss }),
      stopRequested: () => stopRequested || state.step >= until,
    });
    if (outcome.status === "diverged") {
      status = `diverged: ${outcome.message}`;
      break;
    }
    if (vocabulary)
      reply({
        kind: "sample",
        step: state.step,
        text: await sample(backend, state.weights, vocabulary, settings, rng),
      });
  }
  if (stopRequested) status = "stopped";
  const weights = safetensors(ir, state.weights, vocabulary);
  reply({ kind: "finished", steps: state.step, weights, status }, [weights.buffer]);
}

/** Text from the model as it is now, from the start of a line, as `rnnc sample` draws it at temperature 1. */
async function sample(
  backend: ModelBackend,
  weights: Weights,
  vocabulary: Vocabulary,
  settings: TrainSettings,
  rng: Rng,
): Promise<string> {
  if (!sampledQuantity(backend.ir))
    return "(the loss scores an expression that is not a named quantity: name it, o = softmax(...), to sample from it)";
  const newline = vocabulary.entries.indexOf("\n");
  const ids = await sampleIds(backend, weights, {
    prime: Int32Array.of(newline >= 0 ? newline : rng.int(vocabulary.entries.length)),
    length: settings.sampleLength,
    temperature: 1,
    rng,
    vocabularySize: vocabulary.entries.length,
  });
  return decodeChars(ids, vocabulary);
}

/** The weights as float64 safetensors; a language model's file also carries its vocabulary, for `rnnc sample --weights`. */
function safetensors(ir: IrModel, weights: Weights, vocabulary: Vocabulary | undefined): Uint8Array {
  const tensors = namedRecord(ir.params.map((p) => [p.name, { shape: p.shape, data: weights[p.name]! }]));
  return encodeSafetensors(tensors, "F64", vocabulary ? vocabularyMetadata(vocabulary) : undefined);
}

/** `rnnc run MODEL --weights W --data D`'s JSON: the loss and the default outputs, [T][B][n]. */
async function run(
  source: string,
  data: DataSource,
  kernels: TrainSettings["kernels"],
  seed: number,
  weightsFile: Uint8Array | undefined,
): Promise<void> {
  if (data.format !== "json") throw new Error("a run reads rnnc's JSON batch (time-major x, y, lengths)");
  const ir = checkedIr(source);
  const backend = compiledBackend(ir, await loadModule(ir, kernels), kernels);
  const weights = weightsFile ? parseWeights(ir, weightsFile) : initialWeights(ir, seed);
  const batch = batchFromJson(ir, JSON.parse(data.text), { requireTargets: false });
  const result = backend.forward(weights, batch);
  const width = (name: string) => ir.nodes[ir.quantities.find((q) => q.name === name)!.node]!.size;
  const json = {
    loss: result.loss,
    outputs: Object.fromEntries(
      defaultOutputs(ir).map((name) => [name, nest(result.quantity(name), [batch.T, batch.B, width(name)])]),
    ),
  };
  reply({ kind: "ran", json: JSON.stringify(json) });
}
