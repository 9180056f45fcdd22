/**
 * `--backend onnxruntime` for run, eval and sample: the forward pass by ONNX Runtime
 * (onnxruntime-node) on the model as `rnnc export --to onnx` writes it, in float64. A batch
 * runs the sequence form; a batch continuing a stream (sample, eval of a text) runs the step
 * form one step at a time from the state carried over. The loss is scored by rnnc's own
 * kernels from what ONNX Runtime computed.
 *
 * onnxruntime-node is hundreds of megabytes, so rnnc does not install it, not even as an
 * optional dependency: it is loaded when asked for, from beside rnnc (node_modules of the
 * project or the global install that holds rnnc), or from RNNC_ONNXRUNTIME_NODE.
 */
import { createRequire } from "node:module";
import type { IrModel } from "../compiler/ir/ir.js";
import { exportOnnx } from "../compiler/export/onnx/emit.js";
import { nextName, pastName, scoredName } from "../compiler/export/onnx/metadata.js";
import { delayedSources, previousTargets, scoredNode } from "../compiler/export/ir-view.js";
import { isBidirectional } from "../compiler/ir/ir.js";
import { missingTarget, type Batch, type Weights } from "./interpret/batch.js";
import type { Carry } from "./interpret/execution.js";
import { scoreSteps } from "./interpret/score.js";
import type { ForwardBackend, ForwardResult } from "./model-backend.js";
import { namedRecord } from "../runtime/records.js";

/** The part of onnxruntime-node's API rnnc uses. */
export interface OrtTensor {
  readonly data: Float64Array | BigInt64Array;
  readonly dims: readonly number[];
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
export interface OnnxRuntime {
  InferenceSession: { create(model: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: "float64" | "int64", data: Float64Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

export class OnnxRuntimeMissingError extends Error {}

/**
 * run, eval and sample drive the ONNX forms of a model of one sequence that runs forwards over
 * its inputs (a stream continues through the step form); an encoder–decoder is decoded by
 * `rnnc translate --backend onnxruntime`.
 */
export function onnxStreamingRefusal(ir: IrModel): string | undefined {
  const why = ir.sequences
    ? `reads sequences ${ir.sequences.join(", ")}`
    : isBidirectional(ir)
      ? "runs a loop backwards (a state read ahead)"
      : previousTargets(ir).length > 0
        ? `reads its previous target, ${previousTargets(ir)[0]}[t-1]`
        : undefined;
  return why
    ? `--backend onnxruntime runs, evaluates and samples models of one sequence that run forwards over their inputs, and ${ir.name} ${why}; use --backend interp or compiled${ir.sequences ? ", or rnnc translate --backend onnxruntime" : ""}`
    : undefined;
}

/** onnxruntime-node from `where` (a package name or an installation's directory), or a message saying how to add it. */
export function loadOnnxRuntime(where = process.env["RNNC_ONNXRUNTIME_NODE"] || "onnxruntime-node"): OnnxRuntime {
  try {
    return createRequire(import.meta.url)(where) as OnnxRuntime;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "MODULE_NOT_FOUND" && code !== "ERR_MODULE_NOT_FOUND") throw e;
    throw new OnnxRuntimeMissingError(
      `--backend onnxruntime needs onnxruntime-node, which is not installed beside rnnc${where === "onnxruntime-node" ? "" : ` (RNNC_ONNXRUNTIME_NODE is ${where})`}. rnnc does not install it (it is several hundred MB): add it with 'npm install onnxruntime-node' where rnnc is installed (the same project, or 'npm install -g onnxruntime-node' beside a global rnnc), or set RNNC_ONNXRUNTIME_NODE to the directory of an installation`,
    );
  }
}

interface Sessions {
  sequence: OrtSession;
  step: OrtSession;
}

export function onnxruntimeBackend(ir: IrModel, ort: OnnxRuntime = loadOnnxRuntime()): ForwardBackend {
  const sessions = new WeakMap<Weights, Promise<Sessions>>();
  const sessionsFor = (weights: Weights) => {
    let s = sessions.get(weights);
    if (!s) {
      const shapes = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
      const onnx = exportOnnx(ir, { file: `${ir.name}.rnn`, text: "", sha256: "" }, { values: weights, shapes }, "f64");
      s = Promise.all([ort.InferenceSession.create(onnx.sequence), ort.InferenceSession.create(onnx.step!)]).then(
        ([sequence, step]) => ({ sequence, step }),
      );
      sessions.set(weights, s);
    }
    return s;
  };
  const run = new OnnxRun(ir, ort);
  return {
    name: "onnxruntime",
    ir,
    forward: async (weights, batch, carry) => {
      const { sequence, step } = await sessionsFor(weights);
      const outputs = carry ? await run.steps(step, batch, carry) : await run.sequence(sequence, batch);
      return run.result(batch, outputs);
    },
  };
}

/** Feeding a batch to the sessions and reading what they compute. */
class OnnxRun {
  private readonly delayed;

  constructor(
    private readonly ir: IrModel,
    private readonly ort: OnnxRuntime,
  ) {
    this.delayed = delayedSources(ir);
  }

  private floats(values: Float64Array, dims: number[]): OrtTensor {
    return new this.ort.Tensor("float64", values, dims);
  }

  private ids(values: ArrayLike<number>, dims: number[]): OrtTensor {
    return new this.ort.Tensor("int64", BigInt64Array.from(Array.from(values, BigInt)), dims);
  }

  /** The inputs of steps from .. to (excluded), [steps, B(, D)]; dropping the time axis for one step. */
  private inputs(batch: Batch, from: number, to: number, timeAxis: boolean): Record<string, OrtTensor> {
    const { B } = batch;
    const feeds: Record<string, OrtTensor> = namedRecord();
    for (const input of this.ir.inputs) {
      const data = batch.inputs[input.name]!;
      const outer = timeAxis ? [to - from, B] : [B];
      feeds[input.name] =
        data.kind === "onehot"
          ? this.ids(data.ids.subarray(from * B, to * B), outer)
          : this.floats(data.values.subarray(from * B * input.size, to * B * input.size), [...outer, input.size]);
    }
    return feeds;
  }

  /** A whole batch through the sequence form. */
  async sequence(session: OrtSession, batch: Batch): Promise<Record<string, OrtTensor>> {
    return session.run({ ...this.inputs(batch, 0, batch.T, true), lengths: this.ids(batch.lengths, [batch.B]) });
  }

  /** A batch continuing streams (every sequence T steps long) through the step form, from the carried state. */
  async steps(session: OrtSession, batch: Batch, carry: Carry): Promise<Record<string, OrtTensor>> {
    const { T, B } = batch;
    if (batch.lengths.some((l) => l !== T))
      throw new Error("internal error: a batch continuing streams has sequences of different lengths");
    let state: Record<string, OrtTensor> = namedRecord();
    for (const s of this.delayed)
      for (let k = 1; k <= s.depth; k++) {
        const v = carry[s.name]![k - 1]!;
        state[pastName(s.name, k)] = s.onehot ? this.ids(v, [B]) : this.floats(v as Float64Array, [B, s.size]);
      }
    const perStep: Record<string, OrtTensor>[] = [];
    for (let t = 0; t < T; t++) {
      const out = await session.run({ ...this.inputs(batch, t, t + 1, false), ...state });
      perStep.push(out);
      state = namedRecord(
        this.delayed.flatMap((s) =>
          Array.from({ length: s.depth }, (_, j) => [pastName(s.name, j + 1), out[nextName(s.name, j + 1)]!]),
        ),
      );
    }
    // The per-step outputs stacked along time; the state after the last step as the sequence form gives it.
    const stacked: Record<string, OrtTensor> = namedRecord();
    for (const name of Object.keys(perStep[0]!)) {
      if (name.startsWith("next:")) continue;
      const parts = perStep.map((o) => o[name]!.data as Float64Array);
      const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
      stacked[name] = this.floats(all, [T, ...perStep[0]![name]!.dims]);
    }
    for (const [name, tensor] of Object.entries(perStep[T - 1]!)) if (name.startsWith("next:")) stacked[name] = tensor;
    return stacked;
  }

  result(batch: Batch, outputs: Record<string, OrtTensor>): ForwardResult {
    const ir = this.ir;
    const quantity = (name: string) => {
      const t = outputs[name];
      if (!t) throw new Error(`no quantity named '${name}'`);
      return t.data as Float64Array;
    };
    const scored = ir.losses.map((l, k) =>
      l.fusion
        ? (outputs[scoredName(k)]!.data as Float64Array)
        : quantity(ir.quantities.find((q) => q.node === l.prediction)!.name),
    );
    const loss =
      ir.losses.length > 0 && missingTarget(ir, batch) === undefined
        ? ir.losses.reduce((total, l, k) => {
            const K = ir.nodes[scoredNode(l)]!.size;
            const rows = batch.B * K;
            return total + scoreSteps(l, batch, K, (step) => scored[k]!.subarray(step * rows, (step + 1) * rows));
          }, 0)
        : null;
    const carry = (): Carry =>
      namedRecord(
        this.delayed.map((s) => [
          s.name,
          Array.from({ length: s.depth }, (_, j) => {
            const data = outputs[nextName(s.name, j + 1)]!.data;
            return s.onehot ? Int32Array.from(data as BigInt64Array, Number) : Float64Array.from(data as Float64Array);
          }),
        ]),
      );
    return { loss, quantity, carry };
  }
}
