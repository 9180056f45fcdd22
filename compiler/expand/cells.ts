/**
 * The cell shorthand, written as the core equations it stands for. Each template is `.rnn`
 * text, so what a cell means can be read here exactly as `rnnc expand` prints it.
 * Parameter names are documented in `docs/language.md` (section "Cell shorthand").
 */

export interface CellParts {
  /** The cell's name, also its state (`h`). */
  name: string;
  /** The input read at each step (`x`). */
  input: string;
  /** Dim expressions as text: hidden size and input size. */
  size: string;
  inputSize: string;
  /** Elman/Jordan activation. */
  act: string;
  /** Jordan: the output state read through `[t-1]`, and its size. */
  out: string;
  outSize: string;
  /** Initial value of the cell's states (`zeros` or `learned`). */
  init: string;
  /** With `init = e[last]`: e, the cell of another sequence this one starts from (an LSTM's `c` from `e.c`). */
  initFrom?: string;
  /** Initialiser of the bias of the gate that decides what of the old state is kept (LSTM forget gate, GRU update gate): `zeros` or a number. */
  forgetBias: string;
  /** Which way the recurrence runs; `both` is two cells, `NAME.fwd` and `NAME.bwd`, concatenated. */
  direction: CellDirection;
}

export type CellDirection = "forward" | "backward" | "both";

export const cellDirections: readonly CellDirection[] = ["forward", "backward", "both"];

/**
 * A cell's items running in one direction: a backward cell reads [t+1] wherever the template
 * reads [t-1], so it runs from each sequence's last step down to its first.
 */
export function directed(template: string, direction: Exclude<CellDirection, "both">): string {
  return direction === "backward" ? template.replaceAll("[t-1]", "[t+1]") : template;
}

export type CellKind = "elman" | "jordan" | "elman_jordan" | "lstm" | "gru";

export interface CellDefinition {
  summary: string;
  /** Named arguments beside `size` (and the optional `in`, `init`). */
  needsOut: boolean;
  hasActivation: boolean;
  /** The bias `forget_bias` initialises, if the cell has a gate that keeps its old state. */
  forgetGateBias?: string;
  template: (c: CellParts) => string;
}

export const cellDefinitions: Record<CellKind, CellDefinition> = {
  elman: {
    summary: "Elman recurrence through the previous hidden state",
    needsOut: false,
    hasActivation: true,
    template: ({ name: h, input: x, size: H, inputSize: D, act, init }) => `
      param ${h}.W : [${H}, ${H}]
      param ${h}.U : [${H}, ${D}]
      param ${h}.b : [${H}] = zeros
      state ${h} : [${H}] = ${init}
      ${h} = ${act}(${h}.W @ ${h}[t-1] + ${h}.U @ ${x} + ${h}.b)`,
  },
  jordan: {
    summary: "Jordan recurrence through the previous output",
    needsOut: true,
    hasActivation: true,
    template: ({ name: h, input: x, size: H, inputSize: D, act, out: o, outSize: K }) => `
      param ${h}.W : [${H}, ${K}]
      param ${h}.U : [${H}, ${D}]
      param ${h}.b : [${H}] = zeros
      ${h} = ${act}(${h}.W @ ${o}[t-1] + ${h}.U @ ${x} + ${h}.b)`,
  },
  elman_jordan: {
    summary: "Elman and Jordan recurrence at once: previous hidden state and previous output",
    needsOut: true,
    hasActivation: true,
    template: ({ name: h, input: x, size: H, inputSize: D, act, out: o, outSize: K, init }) => `
      param ${h}.W : [${H}, ${H}]
      param ${h}.W_o : [${H}, ${K}]
      param ${h}.U : [${H}, ${D}]
      param ${h}.b : [${H}] = zeros
      state ${h} : [${H}] = ${init}
      ${h} = ${act}(${h}.W @ ${h}[t-1] + ${h}.W_o @ ${o}[t-1] + ${h}.U @ ${x} + ${h}.b)`,
  },
  lstm: {
    summary: "LSTM: input, forget and output gates, candidate and additive cell state",
    needsOut: false,
    hasActivation: false,
    forgetGateBias: "b_f",
    template: ({ name: h, input: x, size: H, inputSize: D, init, initFrom, forgetBias }) => `
      param ${h}.W_i : [${H}, ${H} + ${D}]
      param ${h}.b_i : [${H}] = zeros
      param ${h}.W_f : [${H}, ${H} + ${D}]
      param ${h}.b_f : [${H}] = ${forgetBias}
      param ${h}.W_g : [${H}, ${H} + ${D}]
      param ${h}.b_g : [${H}] = zeros
      param ${h}.W_o : [${H}, ${H} + ${D}]
      param ${h}.b_o : [${H}] = zeros
      state ${h} : [${H}] = ${init}
      state ${h}.c : [${H}] = ${initFrom ? `${initFrom}.c[last]` : init}
      gate ${h}.i = sigmoid(${h}.W_i @ [${h}[t-1], ${x}] + ${h}.b_i)
      gate ${h}.f = sigmoid(${h}.W_f @ [${h}[t-1], ${x}] + ${h}.b_f)
      ${h}.g = tanh(${h}.W_g @ [${h}[t-1], ${x}] + ${h}.b_g)
      gate ${h}.o = sigmoid(${h}.W_o @ [${h}[t-1], ${x}] + ${h}.b_o)
      ${h}.c = ${h}.f * ${h}.c[t-1] + ${h}.i * ${h}.g
      ${h} = ${h}.o * tanh(${h}.c)`,
  },
  gru: {
    summary: "GRU, PyTorch variant: reset gate applied to the recurrent product of the candidate",
    needsOut: false,
    hasActivation: false,
    // z is the share of h[t-1] kept, the part an LSTM's forget gate plays.
    forgetGateBias: "b_z",
    template: ({ name: h, input: x, size: H, inputSize: D, init, forgetBias }) => `
      param ${h}.W_r : [${H}, ${H} + ${D}]
      param ${h}.b_r : [${H}] = zeros
      param ${h}.W_z : [${H}, ${H} + ${D}]
      param ${h}.b_z : [${H}] = ${forgetBias}
      param ${h}.W_in : [${H}, ${D}]
      param ${h}.b_in : [${H}] = zeros
      param ${h}.W_hn : [${H}, ${H}]
      param ${h}.b_hn : [${H}] = zeros
      state ${h} : [${H}] = ${init}
      gate ${h}.r = sigmoid(${h}.W_r @ [${h}[t-1], ${x}] + ${h}.b_r)
      gate ${h}.z = sigmoid(${h}.W_z @ [${h}[t-1], ${x}] + ${h}.b_z)
      ${h}.n = tanh(${h}.W_in @ ${x} + ${h}.b_in + ${h}.r * (${h}.W_hn @ ${h}[t-1] + ${h}.b_hn))
      ${h} = (1 - ${h}.z) * ${h}.n + ${h}.z * ${h}[t-1]`,
  },
};

export const cellActivations = ["tanh", "sigmoid", "relu", "identity"];

export function isCellKind(name: string): name is CellKind {
  return Object.hasOwn(cellDefinitions, name);
}
