/**
 * The words of the language explained: what hover, completion and signature help say about
 * keywords, initialisers, cell arguments and the words that mean something by their place.
 * Functions and losses come from the op registry (`compiler/ops`), cell templates from
 * `compiler/expand/cells.ts`, so the editor and the compiler cannot disagree.
 */
import type { InitSpec } from "../../runtime/init.js";
import type { LossSpec, OpSpec } from "../ops/op.js";
import { callSignature, writtenOperandNames } from "../ops/registry.js";
import type { Size, StateInit } from "../check/model.js";
import { cellDefinitions, type CellKind } from "../expand/cells.js";
import { plural } from "../plural.js";

export const keywordDocs: Record<string, string> = {
  model:
    "`model Name { ... }` declares a recurrent network: its dims, inputs, targets, parameters, states, equations and losses.",
  dim: "`dim H = 32` declares a size used in shapes (`[H, H + D]`). Its value can be overridden (`--dim H=128`, or the editor setting `rnnc.dims`).",
  input:
    "`input x : [D]` is a dense vector per step; `input x : onehot[V]` is one integer id per step, compiled as a column lookup.",
  target: "`target y : class[K]` is a class index; `target y : [K]` is a real vector. Only losses read targets.",
  param:
    "`param W : [rows, cols] = init` declares a trained parameter: a matrix (default init Xavier/Glorot) or a vector (default zeros).",
  state:
    "`state h : [H] = zeros|c|learned` declares a quantity kept from step to step: anything read through a delay `h[t-1]` is a state, and its initial value is what `h[t-1]` reads at t = 0.",
  gate: "`gate f = sigmoid(...)` is an equation marked as a gate (shown as such by hover, graph and docs); it is otherwise an ordinary quantity.",
  cell: "`cell h = lstm(x, size = H)` is shorthand for a standard recurrence; it expands into core equations with parameters named `h.W_i`, `h.b_i`, ... (`rnnc expand` prints them).",
  loss: "`loss FN(prediction, target, reduce = mean|sum) at last|each` scores a prediction against a target, at the last step of each sequence or at every step.",
  at: "`at last` scores the last (real) step of each sequence; `at each` scores every step.",
};

export const wordDocs: Record<string, string> = {
  onehot:
    "`onehot[V]`: the input is one integer id in 0..V−1 per step. `W @ x` is compiled as a column lookup, never a dense product.",
  class:
    "`class[K]`: the target is one class index in 0..K−1 (per sequence when scored `at last`, per step when scored `at each`).",
  last: "`at last`: the loss scores the last step of each sequence (the last real step when lengths differ): sequence classification.",
  each: "`at each`: the loss scores every (real) step: language modelling, per-step regression.",
  mean: "`reduce = mean` (the default): the loss is the mean over all scored positions (batch × scored steps).",
  sum: "`reduce = sum`: the loss is the sum over batch and scored steps.",
  t: "`t` is the current time step; `h[t-k]` reads `h` from k steps before.",
};

export const initialiserDocs: Record<string, { signature: string; doc: string }> = {
  zeros: { signature: "zeros", doc: "every entry 0 (the default for vectors and initial states)" },
  ones: { signature: "ones", doc: "every entry 1 (e.g. a forget-gate bias that starts open)" },
  xavier: {
    signature: "xavier",
    doc: "Xavier/Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)); the default for matrices",
  },
  orthogonal: {
    signature: "orthogonal(gain = 1)",
    doc: "a random (semi-)orthogonal matrix times `gain`, as torch.nn.init.orthogonal_",
  },
  uniform: { signature: "uniform(low, high)", doc: "entries drawn uniformly from [low, high)" },
  normal: {
    signature: "normal(mean = 0, std)",
    doc: "entries drawn from a normal distribution N(mean, std²): `normal(std = 0.01)`, `normal(0, 0.01)`",
  },
  learned: {
    signature: "learned",
    doc: "for a state: the initial value is a parameter `NAME.init`, trained with the others",
  },
};

export const paramInitialisers = ["zeros", "ones", "xavier", "orthogonal", "uniform", "normal"];
export const stateInitialisers = ["zeros", "learned"];

export const cellArgumentDocs: Record<string, string> = {
  size: "`size = H`: the hidden size of the cell (its state and output).",
  in: "`in = D`: the size of the input, when it cannot be read from the input's declaration.",
  act: "`act = tanh|sigmoid|relu|identity`: the activation of an Elman/Jordan cell (default tanh).",
  out: "`out = o`: the output state a Jordan cell reads through `o[t-1]`; it must be declared as a state.",
  init: "`init = zeros|learned`: the initial value of the cell's states (default zeros).",
  forget_bias:
    "`forget_bias = 1`: the initial bias of the gate that keeps the old state (an LSTM's forget gate `b_f`, a GRU's update gate `b_z`; default 0), so that memory starts open.",
};

export const lossArgumentDocs: Record<string, string> = {
  reduce: "`reduce = mean|sum`: how the scored positions are combined (default mean).",
};

export function isCellKindName(name: string): name is CellKind {
  return Object.hasOwn(cellDefinitions, name);
}

/** Parameters of each signature, for signature help and completion details. */
export interface SignatureSpec {
  label: string;
  parameters: { label: string; doc: string; name?: string }[];
  doc: string;
}

/** A function's signature as it is called: `fn` is the name written (its own or an alias). */
export function functionSignature(fn: string, f: OpSpec): SignatureSpec {
  return {
    label: callSignature(fn, f),
    parameters: [
      ...writtenOperandNames(f).map((label) => ({ label, doc: f.shape.operandDoc })),
      ...(f.settings ?? []).map((s) => ({ label: s.name, name: s.name, doc: s.doc })),
    ],
    doc: `${f.doc.formula}\n\nderivative: ${f.doc.derivative}`,
  };
}

export function lossSignature(l: LossSpec): SignatureSpec {
  return {
    label: `${l.name}(prediction, target, reduce = mean|sum)`,
    parameters: [
      { label: "prediction", doc: "the quantity that predicts the target (defined by an equation)" },
      {
        label: "target",
        doc: l.target === "class" ? "a class target: `target y : class[K]`" : "a real target: `target y : [K]`",
      },
      { label: "reduce = mean|sum", doc: lossArgumentDocs["reduce"]!, name: "reduce" },
    ],
    doc: l.formula,
  };
}

export function cellSignature(kind: CellKind): SignatureSpec {
  const d = cellDefinitions[kind];
  const parameters: SignatureSpec["parameters"] = [
    { label: "input", doc: "the name read at each step: an input, a state or another cell" },
    { label: "size = H", doc: cellArgumentDocs["size"]!, name: "size" },
  ];
  if (d.needsOut) parameters.push({ label: "out = o", doc: cellArgumentDocs["out"]!, name: "out" });
  if (d.hasActivation) parameters.push({ label: "act = tanh", doc: cellArgumentDocs["act"]!, name: "act" });
  if (d.forgetGateBias)
    parameters.push({ label: "forget_bias = 0", doc: cellArgumentDocs["forget_bias"]!, name: "forget_bias" });
  parameters.push(
    { label: "init = zeros|learned", doc: cellArgumentDocs["init"]!, name: "init" },
    { label: "in = D", doc: cellArgumentDocs["in"]!, name: "in" },
  );
  return { label: `${kind}(${parameters.map((p) => p.label).join(", ")})`, parameters, doc: d.summary };
}

export function initialiserSignatures(name: string): SignatureSpec[] {
  switch (name) {
    case "uniform":
      return [
        {
          label: "uniform(low, high)",
          parameters: [
            { label: "low", doc: "the lowest value" },
            { label: "high", doc: "the highest value (above low)" },
          ],
          doc: initialiserDocs["uniform"]!.doc,
        },
      ];
    case "normal":
      return [
        {
          label: "normal(std)",
          parameters: [{ label: "std", doc: "the standard deviation (positive)", name: "std" }],
          doc: initialiserDocs["normal"]!.doc,
        },
        {
          label: "normal(mean, std)",
          parameters: [
            { label: "mean", doc: "the mean", name: "mean" },
            { label: "std", doc: "the standard deviation (positive)", name: "std" },
          ],
          doc: initialiserDocs["normal"]!.doc,
        },
      ];
    case "orthogonal":
      return [
        {
          label: "orthogonal(gain = 1)",
          parameters: [{ label: "gain = 1", doc: "a factor applied to the orthogonal matrix", name: "gain" }],
          doc: initialiserDocs["orthogonal"]!.doc,
        },
      ];
  }
  return [];
}

/** `xavier (the default for a matrix): U(−a, a), a = √(6 / (fan_in + fan_out)) = 0.177`. */
export function describeInit(spec: InitSpec, shape: readonly Size[], written: boolean): string {
  const defaulted = written ? "" : ` (the default for a ${shape.length === 2 ? "matrix" : "vector"})`;
  switch (spec.kind) {
    case "zeros":
      return `zeros${defaulted}`;
    case "ones":
      return "ones";
    case "constant":
      return `the constant ${spec.value}`;
    case "uniform":
      return `uniform(${spec.low}, ${spec.high}): drawn uniformly from [${spec.low}, ${spec.high})`;
    case "normal":
      return `normal(mean = ${spec.mean}, std = ${spec.std})`;
    case "xavier": {
      const fanIn = shape.length === 2 ? shape[1]!.value : shape[0]!.value;
      const fanOut = shape[0]!.value;
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return `Xavier/Glorot uniform${defaulted}: U(−a, a) with a = √(6 / (fan_in + fan_out)) = √(6 / (${fanIn} + ${fanOut})) ≈ ${a.toPrecision(3)}`;
    }
    case "orthogonal":
      return `orthogonal, gain ${spec.gain}`;
  }
}

/** What `h[t-k]` reads before the sequence has k steps. */
export function describeStateInit(init: StateInit, state: string): string {
  switch (init.kind) {
    case "zeros":
      return `zeros (${state}₀ = 0)`;
    case "constant":
      return `the constant ${init.value} in every component`;
    case "learned":
      return `the learned parameter \`${init.param}\` (trained with the other parameters)`;
    case "last":
      return `\`${init.source}[last]\`, the state of another sequence at its last real step`;
  }
}

export function weightCount(shape: readonly Size[]): number {
  return shape.reduce((n, s) => n * s.value, 1);
}

export function count(n: number, word: string, pluralForm = `${word}s`): string {
  return `${n.toLocaleString("en-US")} ${plural(n, word, pluralForm)}`;
}
