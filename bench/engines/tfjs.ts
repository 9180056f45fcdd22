/**
 * TensorFlow.js (CPU and wasm backends) written as a competent user would for speed: the
 * input products of all steps done at once before the time loop, one weight matrix per gate
 * (a fused gate matrix sliced after the product measured 1.2–1.8× slower on both backends,
 * its slices cost more than the extra products), all outputs of an `at each` loss in one
 * product after the loop, tf.variableGrads for the gradients, production mode. A one-hot
 * input is a one-hot float matrix times the input weights: tf.gather's gradient is not
 * implemented by the wasm backend and takes seconds on the CPU one. Float32.
 */
import type * as TF from "@tensorflow/tfjs";
import { importPeer } from "../peers.js";
import type { Prepare, Runner } from "../runner.js";
import { checksum } from "../runner.js";
import type { Workload } from "../workloads.js";

const tf = await importPeer<typeof TF>("@tensorflow/tfjs");
await importPeer("@tensorflow/tfjs-backend-wasm"); // registers the wasm backend with tf

type Tensor2D = TF.Tensor2D;

export function tfjs(backend: "cpu" | "wasm"): Prepare {
  return async (w, mode) => {
    tf.enableProdMode(); // skips the correctness checks, as the TensorFlow.js docs advise for speed
    await tf.setBackend(backend);
    await tf.ready();
    if (tf.getBackend() !== backend) throw new Error(`the ${backend} backend did not start`);
    const note =
      backend === "wasm"
        ? `SIMD ${(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? "on" : "off"}, threads ${(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) ? "on" : "off"}`
        : undefined;
    const model = build(w);
    const runner: Runner =
      mode === "fwdbwd"
        ? { run: () => tf.tidy(() => tf.variableGrads(() => model.loss()).value.dataSync()[0]!) }
        : {
            run: () =>
              tf.tidy(() =>
                w.output.loss === "none" ? checksum(model.outputs().dataSync()) : model.loss().dataSync()[0]!,
              ),
          };
    return note ? { ...runner, note } : runner;
  };
}

interface TfModel {
  /** The outputs `o` (or logits), [rows][K]: every step, or the last. */
  outputs(): Tensor2D;
  loss(): TF.Scalar;
}

const gateCount = { lstm: 4, gru: 3, elman: 1 } as const;

function weight(rows: number, columns: number): TF.Variable {
  return tf.variable(tf.randomUniform([rows, columns], -1, 1).mul(Math.sqrt(6 / (rows + columns))));
}

function build(w: Workload): TfModel {
  const { T, B, H } = w;
  const D = w.input.size;
  const K = w.output.size;
  const gates = Array.from({ length: gateCount[w.cell] }, (_, k) => k);
  // Per gate, stored [in, out] so that a row of inputs times them needs no transpose.
  const Wx = gates.map(() => weight(D, H));
  const Wh = gates.map(() => weight(H, H));
  const b = gates.map(() => tf.variable(tf.zeros([H])));
  const bhn = tf.variable(tf.zeros([H])); // PyTorch's GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
  const Vo = weight(H, K);
  const c = tf.variable(tf.zeros([K]));

  const x: Tensor2D =
    w.input.encoding === "onehot"
      ? (tf.oneHot(tf.randomUniform([T * B], 0, D, "int32"), D).toFloat() as Tensor2D)
      : tf.randomNormal([T * B, D]);
  const y = tf.oneHot(tf.randomUniform([w.output.at === "each" ? T * B : B], 0, K, "int32"), K);

  const hiddens = (): Tensor2D[] => {
    // Input products of every step in one go, [T·B, H] per gate, then a [B, H] slice per step.
    const xs = gates.map((k) => tf.split(tf.matMul(x, Wx[k]!).add(b[k]!), T, 0) as Tensor2D[]);
    let h: Tensor2D = tf.zeros([B, H]);
    let cell: Tensor2D = tf.zeros([B, H]);
    const out: Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const pre = (k: number) => xs[k]![t]!.add(tf.matMul(h, Wh[k]!)) as Tensor2D;
      if (w.cell === "elman") h = tf.tanh(pre(0));
      else if (w.cell === "lstm") {
        const [i, f, g, o] = [tf.sigmoid(pre(0)), tf.sigmoid(pre(1)), tf.tanh(pre(2)), tf.sigmoid(pre(3))];
        cell = f.mul(cell).add(i.mul(g));
        h = o.mul(tf.tanh(cell));
      } else {
        const [r, z] = [tf.sigmoid(pre(0)), tf.sigmoid(pre(1))];
        const n = tf.tanh(xs[2]![t]!.add(r.mul(tf.matMul(h, Wh[2]!).add(bhn))));
        h = n.add(z.mul(h.sub(n))); // (1 − z) ⊙ n + z ⊙ h
      }
      if (w.output.at === "each") out.push(h);
    }
    return w.output.at === "each" ? out : [h];
  };

  const outputs = (): Tensor2D => tf.matMul(tf.concat(hiddens(), 0), Vo).add(c);
  return {
    outputs,
    loss: () => tf.losses.softmaxCrossEntropy(y, outputs()) as TF.Scalar,
  };
}
