/**
 * ONNX Runtime for Node (onnxruntime-node, its bundled CPU build), forward only as the spec's peer
 * table measured it: the workload's ONNX graph (./onnx-model.ts) in an InferenceSession on one
 * intra-op and one inter-op thread with every graph optimization, float32, the batch bound to
 * tensors once and `session.run` awaited each time, as a user serving the model would.
 */
import type * as ORT from "onnxruntime-node";
import { importPeer } from "../peers.js";
import { Rng } from "../../runtime/rng.js";
import { checksum, type Prepare } from "../runner.js";
import type { Workload } from "../workloads.js";
import { onnxWorkload } from "./onnx-model.js";

const ort = await importPeer<typeof ORT>("onnxruntime-node");

const sessionOptions: ORT.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionProviders: ["cpu"],
};

function describe(w: Workload): string {
  const parts = [
    `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}, CPU EP, 1 intra-op + 1 inter-op thread, graph optimization all`,
  ];
  if (w.input.encoding === "onehot")
    parts.push("one-hot float input into the cell's input product (as PyTorch's F.one_hot)");
  if (w.output.loss !== "none") parts.push("forward: the loss (SoftmaxCrossEntropyLoss)");
  return parts.join("; ");
}

export const onnxruntime: Prepare = async (w, mode) => {
  if (mode !== "fwd") throw new Error("onnxruntime is measured forward only");
  const { model, feeds, output } = onnxWorkload(w, new Rng(1));
  const session = await ort.InferenceSession.create(model, sessionOptions);
  const inputs = Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor(f.type, f.data, f.dims)]));
  return {
    run: async () => checksum((await session.run(inputs))[output]!.data as Float32Array),
    note: describe(w),
  };
};
