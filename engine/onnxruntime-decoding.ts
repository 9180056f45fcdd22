/**
 * `rnnc translate --backend onnxruntime`: an encoder–decoder decoded by ONNX Runtime on the
 * forms `rnnc export --to onnx` writes, in float64. The encoder form runs the sources once; the
 * step form then runs the decoder a step at a time over the rows the one decoding loop keeps
 * (engine/interpret/generate.ts decodingChoice: greedy or a beam search), each row reading its
 * example's encoder outputs and the state the row it goes on from left, and `y[t-1]`, the
 * class chosen for it (none, -1, at the first step).
 */
import type { IrModel } from "../compiler/ir/ir.js";
import { exportOnnx } from "../compiler/export/onnx/emit.js";
import { lengthsName, pastName } from "../compiler/export/onnx/metadata.js";
import type { Batch, Weights } from "./interpret/batch.js";
import { decodingChoice, generating, type GenerateOptions } from "./interpret/generate.js";
import type { OnnxRuntime, OrtSession, OrtTensor } from "./onnxruntime-backend.js";
import { namedRecord } from "../runtime/records.js";

/** A Generator (engine/interpret/generate.ts) whose outputs come later: ONNX Runtime runs asynchronously. */
export type AwaitedGenerator = (weights: Weights, batch: Batch, options: GenerateOptions) => Promise<Int32Array[]>;

export function onnxruntimeGenerator(ir: IrModel, ort: OnnxRuntime): AwaitedGenerator {
  const sessions = new WeakMap<Weights, Promise<{ encoder: OrtSession; step: OrtSession }>>();
  const sessionsFor = (weights: Weights) => {
    let s = sessions.get(weights);
    if (!s) {
      const shapes = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
      const onnx = exportOnnx(ir, { file: `${ir.name}.rnn`, text: "", sha256: "" }, { values: weights, shapes }, "f64");
      if (!onnx.encoder || !onnx.step)
        throw new Error(`internal error: ${ir.name} has no encoder and step forms to decode with`);
      s = Promise.all([ort.InferenceSession.create(onnx.encoder), ort.InferenceSession.create(onnx.step)]).then(
        ([encoder, step]) => ({ encoder, step }),
      );
      sessions.set(weights, s);
    }
    return s;
  };
  const { target, loss } = generating(ir);
  const prediction = ir.quantities.find((q) => q.node === loss.prediction)!.name;
  const previousName = pastName(target, 1);
  const ids = (values: ArrayLike<number>) =>
    new ort.Tensor("int64", BigInt64Array.from(Array.from(values, BigInt)), [values.length]);
  return async (weights, batch, options) => {
    const { encoder, step } = await sessionsFor(weights);
    const feeds: Record<string, OrtTensor> = namedRecord();
    for (const [name, data] of Object.entries(batch.inputs)) {
      if (data.kind !== "onehot") throw new Error("internal error: a translation's source is one-hot ids");
      const T = data.ids.length / batch.B;
      feeds[name] = new ort.Tensor("int64", BigInt64Array.from(Array.from(data.ids, BigInt)), [T, batch.B]);
    }
    for (const [sequence, extent] of Object.entries(batch.sequences ?? {}))
      feeds[lengthsName(sequence)] = ids(extent.lengths);
    const encoded = await encoder.run(pick(feeds, encoder.inputNames));
    // Each example's rows of what every step reads of the encoder (and the sources' lengths); the state, row by row.
    const fixed = namedRecord(
      [...Object.entries(encoded), ...Object.entries(feeds)].filter(
        ([name]) => step.inputNames.includes(name) && !name.startsWith("next:"),
      ),
    );
    let state = namedRecord(
      Object.entries(encoded).flatMap(([name, v]) => (name.startsWith("next:") ? [[name.slice(5), v] as const] : [])),
    );
    let rows = Int32Array.from({ length: batch.B }, (_, b) => b);
    const decoding = decodingChoice(ir, batch.B, options);
    while (!decoding.over) {
      const reads = namedRecord(Object.entries(fixed).map(([name, v]) => [name, gatherRows(ort, v, rows)] as const));
      const out = await step.run({ ...reads, ...state, [previousName]: ids(decoding.previous) });
      const parents = decoding.next(out[prediction]!.data as Float64Array);
      if (!parents) break;
      rows = parents.map((p) => rows[p]!);
      state = namedRecord(
        Object.entries(out).flatMap(([name, v]) =>
          name.startsWith("next:") ? [[name.slice(5), gatherRows(ort, v, parents)] as const] : [],
        ),
      );
    }
    return decoding.result().outputs;
  };
}

function pick(feeds: Record<string, OrtTensor>, names: readonly string[]): Record<string, OrtTensor> {
  return namedRecord(names.map((name) => [name, feeds[name]!] as const));
}

/** Rows `rows` of a tensor (its first axis). */
function gatherRows(ort: OnnxRuntime, t: OrtTensor, rows: Int32Array): OrtTensor {
  const width = t.dims.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data;
  const out =
    data instanceof BigInt64Array ? new BigInt64Array(rows.length * width) : new Float64Array(rows.length * width);
  rows.forEach((r, i) => out.set(data.subarray(r * width, (r + 1) * width) as never, i * width));
  return new ort.Tensor(data instanceof BigInt64Array ? "int64" : "float64", out, [rows.length, ...t.dims.slice(1)]);
}
