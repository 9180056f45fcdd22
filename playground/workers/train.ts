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
import { checkedIr, checkedModel } from "./model-source.js";
import { loadModule } from "./module-loader.js";
import { textDims, type TextDims } from "./text-dims.js";
import { splitDataset } from "../../engine/train/split.js";
import type { DimOverrides } from "../../compiler/check/dims.js";
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
    else await run(request.source, request.data, request.kernels, request.seed, request.dims, request.weights);
  } catch (e) {
    reply({ kind: "error", during: request.kind, message: e instanceof Error ? e.message : String(e) });
  }
};

/** The model fitted to its data, as `rnnc train` fits it, and the data as the engine's dataset. */
function prepare(source: string, data: DataSource): { ir: IrModel; set: Dataset; vocabulary?: Vocabulary } & TextDims {
  if (data.format === "json") {
    const ir = checkedIr(source);
    const examples = examplesFromBatch(ir, batchFromJson(ir, JSON.parse(data.text)));
    return { ir, set: { kind: "sequences", examples }, dims: {}, notes: [] };
  }
  const vocabulary = charVocabulary(data.text);
  const { dims, notes } = textDims(checkedModel(source), vocabulary, data.name);
  const ir = checkedIr(source, dims);
  const roles = dataRoles(ir, "text")!;
  const ids = encodeChars(data.text, vocabulary, data.name);
  return { ir, set: { kind: "stream", ids, input: roles.input, target: roles.target.name }, vocabulary, dims, notes };
}

async function train(source: string, data: DataSource, settings: TrainSettings): Promise<void> {
  stopRequested = false;
  const { ir, set, vocabulary, dims, notes } = prepare(source, data);
  const backend = compiledBackend(ir, await loadModule(ir, settings.kernels), settings.kernels);
  const config: TrainConfig = {
    epochs: settings.epochs,
    batch: settings.batch,
    seqLen: settings.seqLen,
    optimizer: defaultOptimizerConfig(settings.optimizer, settings.lr),
    clipValue: null,
    clipNorm: settings.clipNorm ?? null,
    seed: settings.seed,
    valSplit: settings.valSplit,
    evalEvery: 0,
  };
  const { train: trainSet, val } = splitDataset(set, config.valSplit, config.seed);
  const state = initialTrainState(initialWeights(ir, settings.seed), config);
  reply({
    kind: "started",
    parameters: ir.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0),
    kernels: settings.kernels,
    dims,
    notes,
  });
  const rng = new Rng(settings.seed);
  const lastStep = settings.maxSteps ?? Infinity;
  let status = "finished";
  let sampledAt = 0;
  for (;;) {
    // A language model pauses every few steps to be sampled, then goes on where it stopped.
    const until = Math.min(lastStep, vocabulary ? state.step + settings.sampleEvery : Infinity);
    const outcome = await trainLoop(backend, { train: trainSet, ...(val ? { val } : {}) }, config, state, {
      step: (r) => reply({ kind: "step", step: r.step, loss: r.loss }),
      evaluated: (r) => r.val && reply({ kind: "validated", step: r.step, loss: r.val.loss }),
      stopRequested: () => stopRequested || state.step >= until,
    });
    if (outcome.status === "diverged") {
      status = `diverged: ${outcome.message}`;
      break;
    }
    // (Not twice at one step: a run whose last epoch ends at a pause stops there.)
    if (vocabulary && state.step > sampledAt) {
      sampledAt = state.step;
      reply({
        kind: "sample",
        step: state.step,
        text: await sample(backend, state.weights, vocabulary, settings, rng),
      });
    }
    if (outcome.status !== "interrupted") break;
    if (stopRequested) {
      status = "stopped";
      break;
    }
    if (state.step >= lastStep) break;
  }
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
  dims: DimOverrides,
  weightsFile: Uint8Array | undefined,
): Promise<void> {
  if (data.format !== "json") throw new Error("a run reads rnnc's JSON batch (time-major x, y, lengths)");
  const ir = checkedIr(source, dims);
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
