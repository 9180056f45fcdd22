/**
 * brain.js 1.6 through its recurrent classes, which take one sequence at a time and apply
 * their own RMSProp update after each one (the cost of "forward+backward" includes it):
 * W1 with recurrent.LSTM (the character model: a row of an input matrix per id, softmax and
 * cross-entropy at every step), W2 and W4 with the time-step classes fed their own dense
 * inputs (brain.js scores every step against a target, with an absolute error), W3 with
 * GRUTimeStep.run. brain.js' GRU is the original (Cho) variant and its plain RNN uses ReLU,
 * so W2 uses a subclass with tanh.
 */
import { importPeer } from "../peers.js";
import type { Prepare } from "../runner.js";
import { checksum } from "../runner.js";
import type { Workload } from "../workloads.js";

interface Matrix {
  weights: Float32Array;
}
interface Equation {
  predictTarget(input: ArrayLike<number>, target: ArrayLike<number>): number;
}
interface Net {
  initialize(): void;
  bindEquation(): void;
  trainPattern(input: unknown, logErrorRate: boolean): number;
  trainInput: (input: never) => number;
  run(input: unknown): ArrayLike<number>;
  model: { equations: Equation[] };
}
type NetClass = new (options: object) => Net;
interface Layer {
  weight: Matrix;
  transition: Matrix;
  bias: Matrix;
}
interface EquationBuilder {
  tanh(m: Matrix): Matrix;
  add(a: Matrix, b: Matrix): Matrix;
  multiply(a: Matrix, b: Matrix): Matrix;
}

const { recurrent } = (await importPeer<{ default: { recurrent: Record<string, NetClass> } }>("brain.js")).default;

/** brain.js' RNNTimeStep with tanh, the Elman network of W2. */
class TanhTimeStep extends (recurrent["RNNTimeStep"] as NetClass) {
  getEquation(e: EquationBuilder, input: Matrix, previous: Matrix, layer: Layer): Matrix {
    return e.tanh(e.add(e.add(e.multiply(layer.weight, input), e.multiply(layer.transition, previous)), layer.bias));
  }
}

const random = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
const normal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());

/** Sequences timed per run: all of the batch, or a few of W4's (the batch's time is that times B / part). */
function part(w: Workload): number {
  return w.id === "w4" ? 2 : w.B;
}

export const brain: Prepare = async (w, mode) => {
  const options = { inputSize: w.input.size, hiddenLayers: [w.H], outputSize: w.output.size };
  if (w.input.encoding === "onehot") {
    if (mode !== "fwdbwd") throw new Error("the character model is timed training");
    const net = new (recurrent["LSTM"] as NetClass)({ ...options, inputRange: w.input.size });
    net.initialize();
    const sequences = Array.from({ length: w.B }, () =>
      Array.from({ length: w.T }, () => Math.floor(Math.random() * w.input.size)),
    );
    return {
      run: () => sequences.reduce((sum, s) => sum + net.trainPattern(s, true), 0),
      note: "T+1 steps per sequence (start token); an input matrix row per id, then a dense product",
    };
  }
  const Class =
    w.cell === "elman" ? TanhTimeStep : (recurrent[w.cell === "lstm" ? "LSTMTimeStep" : "GRUTimeStep"] as NetClass);
  const net = new Class(options);
  net.initialize();
  const n = part(w);
  const sequences = Array.from({ length: n }, () => Array.from({ length: w.T }, () => random(w.input.size, normal)));
  net.bindEquation(); // run() refuses a net that has never been trained
  if (mode === "fwd")
    return {
      run: () => sequences.reduce((sum, s) => sum + checksum(net.run(s)), 0),
      note: "run() steps once more on a zero input",
    };
  const target = random(w.output.size, () => 0);
  target[0] = 1;
  const equations = net.model.equations;
  net.trainInput = ((s: Float32Array[]) => {
    while (equations.length < s.length) net.bindEquation();
    let error = 0;
    for (let t = 0; t < s.length; t++) error += equations[t]!.predictTarget(s[t]!, target);
    return error;
  }) as never;
  return {
    run: () => sequences.reduce((sum, s) => sum + net.trainPattern(s, true), 0),
    scale: w.B / n,
    note: `every step scored (absolute error)${n < w.B ? `; ${n} of ${w.B} sequences timed, scaled to the batch` : ""}`,
  };
};
