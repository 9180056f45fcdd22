/**
 * What a module of a model of several sequences (a source and a target of other lengths) has
 * beyond the passes of each sequence (emit-module.ts writes those, each as a model of one): its
 * Batch type, each example's sequences of their own lengths; each sequence's part of a batch as
 * its passes read it; and the passes that run the sequences forward in the order they are
 * computed, and backward in the reverse order, each reading and sending through the link arrays
 * what crosses from one sequence to another (sequence-plans.ts).
 */
import { isBidirectional, type IrModel } from "../ir/ir.js";
import { product } from "./arith.js";
import { commentText, key, quote } from "./names.js";
import type { CodePlan, LinkArrays } from "./plan.js";
import type { SequencePlan } from "./sequence-plans.js";

/** The name and signature of sequence k's forward or backward pass, or of its forward pass a step at a time (decoding). */
export function sequencePass(direction: "forward" | "backward" | "decode", k: number): [string, string[]] {
  const parameters = ["w: Workspace", "params: Parameters", `batch: SequenceBatch${k}`];
  switch (direction) {
    case "forward":
      return [`forwardSequence${k}`, parameters];
    case "backward":
      return [`backwardSequence${k}`, [...parameters, "grads: Parameters"]];
    case "decode":
      return [`decodeSequence${k}`, [...parameters, "state: DecoderState"]];
  }
}

/** A model of several sequences names them in its layout, in the order they are computed. */
export function emitSequenceLayout(sequences: readonly SequencePlan[]): string[] {
  return sequences.length === 0 ? [] : [`sequences: [${sequences.map((s) => quote(s.sequence)).join(", ")}],`];
}

const record = (fields: readonly string[]) => `{ ${fields.join("; ")} }`;

/** The arrays of a part of the batch, by name, with their types (and, for the public type, their shapes). */
function inputFields(plan: CodePlan, float: string, shape?: string): string[] {
  return plan.ir.inputs.map((i) => {
    const type = i.encoding === "onehot" ? "Int32Array" : float;
    const comment =
      shape === undefined
        ? ""
        : ` /* ${i.encoding === "onehot" ? "ids " : ""}${shape}${i.encoding === "onehot" ? "" : `[${i.size}]`} */`;
    return `readonly ${quote(i.name)}: ${type}${comment}`;
  });
}

function targetFields(plan: CodePlan, float: string, shape?: string): string[] {
  const { ir } = plan;
  return ir.targets.map((t) => {
    const each = ir.losses.some((l) => l.target === t.name && l.at === "each");
    const rows = each ? (shape ?? "") : "[B]";
    const comment = shape === undefined ? "" : ` /* ${rows}${t.kind === "class" ? " class ids" : `[${t.size}]`} */`;
    return `readonly ${quote(t.name)}: ${t.kind === "class" ? "Int32Array" : float}${comment}`;
  });
}

function maskFields(plan: CodePlan, float: string, shape?: string): string[] {
  return plan.ir.masks.map(
    (m) => `readonly ${quote(m.name)}: ${float}${shape === undefined ? "" : ` /* ${shape}[${m.size}] */`}`,
  );
}

/** The step variable's shape in comments: `[T of s][B]`. */
const stepsShape = (sequence: string) => `[T of ${commentText(sequence)}][B]`;

export function emitSequenceTypes(ir: IrModel, sequences: readonly SequencePlan[], float: string): string[] {
  const all = (fields: (plan: CodePlan, sequence: string) => string[]) =>
    record(sequences.flatMap(({ plan, sequence }) => fields(plan, sequence)));
  const masks = sequences.some(({ plan }) => plan.ir.masks.length > 0);
  return [
    `/** One sequence's steps in a batch: T, and each example's real length (1 ≤ lengths[b] ≤ T; default: all T). */`,
    `export interface SequenceSteps {`,
    `readonly T: number;`,
    `readonly lengths?: Int32Array;`,
    `}`,
    ``,
    `/**`,
    ` * A batch of B examples, each with sequences ${sequences.map((s) => s.sequence).join(", ")} of lengths of their own: an input or target is`,
    ` * time-major over the steps of its sequence, flat, index t·B + b.`,
    ` */`,
    `export interface Batch {`,
    `readonly B: number;`,
    `readonly sequences: ${record(sequences.map(({ sequence }) => `readonly ${key(sequence)}: SequenceSteps`))};`,
    `readonly inputs: ${all((plan, s) => inputFields(plan, float, stepsShape(s)))};`,
    `/** Needed for the loss${ir.targets.length === 0 ? " (this model has no target)" : ""}, and where a sequence reads its previous target (teacher forcing). */`,
    `readonly targets?: ${all((plan, s) => targetFields(plan, float, stepsShape(s)))};`,
    ...(masks
      ? [
          `/** Dropout masks while training: 1/(1 − p) where an element is kept, 0 where dropped. Without them: the identity. */`,
          `readonly masks?: ${all((plan, s) => maskFields(plan, float, stepsShape(s)))};`,
        ]
      : []),
    `}`,
    ``,
    `/** Nothing carries from one call to the next: each sequence is read to its end before the next. */`,
    `export interface State {`,
    `readonly B: number;`,
    `fresh: boolean;`,
    `readonly values: {};`,
    `}`,
    ``,
    ...sequences.flatMap(({ plan, sequence }, k) => [
      `/** Sequence ${commentText(sequence)} of a batch, as its passes read it. */`,
      `interface SequenceBatch${k} {`,
      `readonly T: number;`,
      `readonly B: number;`,
      `readonly lengths: Int32Array | undefined;`,
      `readonly inputs: ${record(inputFields(plan, float))};`,
      `readonly targets: ${record(targetFields(plan, float))} | undefined;`,
      ...(plan.ir.masks.length > 0 ? [`readonly masks: ${record(maskFields(plan, float))} | undefined;`] : []),
      ...sourceStepsField(plan),
      `}`,
      ``,
    ]),
  ];
}

/** Attention: the steps and lengths of each sequence a sequence reads at every step (`e[s]`). */
function sourceStepsField(plan: CodePlan): string[] {
  const read = sequencesReadAtEveryStep(plan);
  if (read.length === 0) return [];
  const steps = `{ readonly T: number; readonly lengths: Int32Array }`;
  return [`readonly sourceSteps: ${record(read.map((sequence) => `readonly ${key(sequence)}: ${steps}`))};`];
}

/** The quantities of earlier sequences a sequence reads at every step: each one's name, link arrays and sequence. */
function everyStepRead(plan: CodePlan): [string, LinkArrays, string][] {
  const read = new Map<string, string>();
  for (const n of plan.ir.nodes) if (n.op === "steps") read.set(n.source, n.over!);
  return [...read].map(([name, sequence]) => [name, plan.attention.values.get(name)!, sequence]);
}

/** Whether a sequence's nodes are at every step of `sequence`. */
function readsEveryStepOf(plan: CodePlan, sequence: string): boolean {
  return plan.ir.nodes.some((n) => n.over === sequence);
}

/** What the driver gives a sequence of each sequence it reads at every step: its steps, and its lengths (default all T). */
function sourceStepsSlice(plan: CodePlan): string[] {
  const read = sequencesReadAtEveryStep(plan);
  return read.length === 0 ? [] : [`sourceSteps: ${stepsOf(read, "batch")}`];
}

/** The sequences a sequence reads at every step (attention). */
function sequencesReadAtEveryStep(plan: CodePlan): string[] {
  return [...plan.attention.axes.keys()].filter((sequence) => readsEveryStepOf(plan, sequence));
}

/** Each sequence's steps and lengths (all T where `from`, a Batch or SourceBatch, gives none), by step variable. */
function stepsOf(sequences: readonly string[], from: string): string {
  const fields = sequences.map((sequence) => {
    const steps = `${from}.sequences[${quote(sequence)}]`;
    return `${quote(sequence)}: { T: ${steps}.T, lengths: ${steps}.lengths ?? new Int32Array(${from}.B).fill(${steps}.T) }`;
  });
  return `{ ${fields.join(", ")} }`;
}

/** The passes of the whole model: each sequence's in turn, forward in order, backward in reverse. */
export function emitSequenceDriver(ir: IrModel, sequences: readonly SequencePlan[]): string[] {
  const parts = sequences.map((_, k) => `s${k}`);
  const pick = (from: string, names: readonly string[]) =>
    `{ ${names.map((name) => `${quote(name)}: ${from}[${quote(name)}]`).join(", ")} }`;
  const slices = sequences.map(({ plan, sequence }) => {
    const steps = `batch.sequences[${quote(sequence)}]`;
    const fields = [
      `T: ${steps}.T`,
      `B: batch.B`,
      `lengths: ${steps}.lengths`,
      `inputs: ${pick(
        "batch.inputs",
        plan.ir.inputs.map((i) => i.name),
      )}`,
      `targets: ${
        plan.ir.targets.length === 0
          ? "undefined"
          : `batch.targets && ${pick(
              "batch.targets",
              plan.ir.targets.map((t) => t.name),
            )}`
      }`,
      ...(plan.ir.masks.length > 0
        ? [
            `masks: batch.masks && ${pick(
              "batch.masks",
              plan.ir.masks.map((m) => m.name),
            )}`,
          ]
        : []),
      ...sourceStepsSlice(plan),
    ];
    return `{ ${fields.join(", ")} }`;
  });
  const withLoss = sequences.some(({ plan }) => plan.ir.losses.length > 0);
  const links = [
    ...new Set(
      sequences.flatMap(({ plan }) =>
        [...plan.links.values(), ...plan.attention.values.values()].map((l) => l.adjoint),
      ),
    ),
  ];
  const differentiated = sequences.map(({ plan }, k) => (plan.grad ? k : -1)).filter((k) => k >= 0);
  return [
    `/** Each sequence's part of a batch, in the order they are computed. */`,
    `function sequenceBatches(batch: Batch): [${sequences.map((_, k) => `SequenceBatch${k}`).join(", ")}] {`,
    `return [${slices.join(", ")}];`,
    `}`,
    ``,
    `/** The sequences forward, in order: each writes what later ones read of it at its last step. */`,
    `function forwardPass(w: Workspace, params: Parameters, batch: Batch): number {`,
    `const [${parts.join(", ")}] = sequenceBatches(batch);`,
    ...(withLoss ? [`let loss = 0;`] : []),
    ...sequences.map(({ plan }, k) =>
      plan.ir.losses.length > 0
        ? `loss += forwardSequence${k}(w, params, s${k});`
        : `forwardSequence${k}(w, params, s${k});`,
    ),
    `return ${withLoss ? "loss" : "NaN"};`,
    `}`,
    ``,
    ...(ir.losses.length > 0
      ? [
          `/** The sequences backward, last first: each sends the adjoints of what it read of the earlier ones back to them. */`,
          `function backwardPass(w: Workspace, params: Parameters, batch: Batch, grads: Parameters): void {`,
          // A sequence that nothing differentiates (no loss reads it) is left out of the destructuring.
          `const [${parts.map((s, k) => (differentiated.includes(k) ? s : "")).join(", ")}] = sequenceBatches(batch);`,
          ...ir.params.map((p) => `grads[${quote(p.name)}].fill(0);`),
          ...links.map((l) => `w.arrays.${l}.fill(0);`),
          ...[...differentiated].reverse().map((k) => `backwardSequence${k}(w, params, s${k}, grads);`),
          `}`,
          ``,
        ]
      : []),
  ];
}

/**
 * The sequence a model generates (engine/interpret/generate.ts): the last, reading a class target at an earlier
 * step (`y[t-1]`) that a loss scores, and nothing else a generated output does not give (no input of its own, no
 * read ahead). Undefined when the model has no such sequence: its module has no decoding entry points.
 */
export interface Decoding {
  index: number;
  plan: CodePlan;
  target: string;
  /** The quantity the loss scores `target` by: the decoder's prediction at each step. */
  prediction: string;
}

export function decodingOf(sequences: readonly SequencePlan[]): Decoding | undefined {
  const index = sequences.length - 1;
  const plan = sequences[index]?.plan;
  if (!plan || index === 0 || plan.ir.inputs.length > 0 || isBidirectional(plan.ir)) return undefined;
  const read = plan.ir.nodes.find((n) => n.op === "input" && n.fromTarget);
  const target = read?.op === "input" ? plan.ir.targets.find((t) => t.name === read.input) : undefined;
  const loss = plan.ir.losses.find((l) => l.target === target?.name);
  if (!target || target.kind !== "class" || !loss) return undefined;
  const prediction = plan.ir.quantities.find((q) => q.node === loss.prediction);
  return prediction && { index, plan, target: target.name, prediction: prediction.name };
}

/** The types of decoding: the sources a decoder is started from, and its state between steps. */
export function emitDecodingTypes(sequences: readonly SequencePlan[], decoding: Decoding, float: string): string[] {
  const sources = sequences.slice(0, decoding.index);
  const { plan } = decoding;
  const carried = [...plan.sourceNode].filter(([, id]) => plan.nodes[id]!.pre > 0);
  const attention = sequencesReadAtEveryStep(plan).length > 0;
  return [
    `/** The sources a decoder starts from: a batch of sequences ${sources.map((s) => commentText(s.sequence)).join(", ")} alone. */`,
    `export interface SourceBatch {`,
    `readonly B: number;`,
    `readonly sequences: ${record(sources.map(({ sequence }) => `readonly ${key(sequence)}: SequenceSteps`))};`,
    `readonly inputs: ${record(sources.flatMap(({ plan: p, sequence }) => inputFields(p, float, stepsShape(sequence))))};`,
    `}`,
    ``,
    `/**`,
    ` * The decoder between steps (from encode): its states and its previous classes, [steps][B][size] as a stream carries`,
    ` * them (\`values\`), and the states of the sources it reads at their last step, [B][size] (\`sources\`)${attention ? ";" : "."}`,
    ...(attention
      ? [
          ` * the quantities it reads at every step of a source, [B][S][size] (\`everyStep\`), and those sources' steps S`,
          ` * and lengths (\`sourceSteps\`).`,
        ]
      : []),
    ` */`,
    `export interface DecoderState {`,
    `readonly B: number;`,
    `fresh: boolean;`,
    `readonly values: ${record(carried.map(([name, id]) => `readonly ${key(name)}: ${plan.ir.nodes[id]!.onehot ? "Int32Array" : float}`))};`,
    `readonly sources: ${record([...plan.links.keys()].map((name) => `readonly ${key(name)}: ${float}`))};`,
    ...(attention
      ? [
          `readonly everyStep: ${record(everyStepRead(plan).map(([name]) => `readonly ${key(name)}: ${float}`))};`,
          ...sourceStepsField(plan),
        ]
      : []),
    `}`,
    ``,
  ];
}

/**
 * Encoding (the sources' passes, then the decoder's state before its first step from what they left) and one
 * decoding step (the decoder's pass over one step from its state, the previous classes as its target's history).
 */
export function emitDecodingPasses(sequences: readonly SequencePlan[], decoding: Decoding, float: string): string[] {
  const { plan, index, target } = decoding;
  const { ir } = plan;
  const yNode = plan.nodes[plan.sourceNode.get(target)!]!;
  const prediction = plan.nodes[ir.quantities.find((q) => q.name === decoding.prediction)!.node]!;
  const K = ir.nodes[prediction.node.id]!.size;
  if (prediction.stride !== K || prediction.offset !== 0)
    throw new Error(`internal error: the prediction ${decoding.prediction} is not stored in rows of its own`);
  const links = [...plan.links.entries()];
  const initial = [...plan.sourceNode]
    .filter(([, id]) => plan.nodes[id]!.pre > 0)
    .map(([name, id]) => {
      const n = ir.nodes[id]!;
      const rows = product(plan.nodes[id]!.pre, "B");
      if (n.onehot) return `${quote(name)}: new Int32Array(${rows}).fill(-1)`;
      const value = `new ${float}(${product(rows, n.size)})`;
      const init = ir.states.find((s) => s.name === name)?.init;
      switch (init?.kind) {
        case "learned":
          return `${quote(name)}: repeated(${value}, params[${quote(init.param)}])`;
        case "constant":
          return `${quote(name)}: ${value}.fill(${init.value})`;
        case "last":
          return `${quote(name)}: repeated(${value}, w.arrays.${plan.links.get(init.source)!.value}.subarray(0, ${product("B", n.size)}))`;
        default:
          return `${quote(name)}: ${value}`;
      }
    });
  const sourceCalls = sequences.slice(0, index).map(({ plan: p, sequence }, k) => {
    const steps = `batch.sequences[${quote(sequence)}]`;
    const inputs = `{ ${p.ir.inputs.map((i) => `${quote(i.name)}: batch.inputs[${quote(i.name)}]`).join(", ")} }`;
    const masks = p.ir.masks.length > 0 ? `, masks: undefined` : "";
    return `forwardSequence${k}(w, params, { T: ${steps}.T, B, lengths: ${steps}.lengths, inputs: ${inputs}, targets: undefined${masks} });`;
  });
  const stepMasks = ir.masks.length > 0 ? `, masks: undefined` : "";
  const everyStep = everyStepRead(plan);
  const repeated = initial.some((line) => line.includes("repeated("))
    ? [
        `/** \`rows\` filled with \`row\` over and over. */`,
        `function repeated(rows: ${float}, row: ${float}): ${float} {`,
        `for (let at = 0; at < rows.length; at += row.length) rows.set(row, at);`,
        `return rows;`,
        `}`,
        ``,
      ]
    : [];
  return [
    `/** The DecoderStates encode made: a decoding step takes no other. */`,
    `const decoderStates = new WeakSet<DecoderState>();`,
    ``,
    ...repeated,
    `/** The sources forward, then the decoder's state before its first step. */`,
    `function encodePass(w: Workspace, params: Parameters, batch: SourceBatch): DecoderState {`,
    `const { B } = batch;`,
    ...sourceCalls,
    `const state: DecoderState = {`,
    `B,`,
    `fresh: true,`,
    `values: Object.freeze({ ${initial.join(", ")} }),`,
    `sources: Object.freeze({ ${links.map(([name, l]) => `${quote(name)}: w.arrays.${l.value}.slice(0, ${product("B", l.size)})`).join(", ")} }),`,
    ...(everyStep.length > 0
      ? [
          `everyStep: Object.freeze({ ${everyStep.map(([name, l, sequence]) => `${quote(name)}: w.arrays.${l.value}.slice(0, ${product("B", `batch.sequences[${quote(sequence)}].T`, l.size)})`).join(", ")} }),`,
          `sourceSteps: Object.freeze(${stepsOf(sequencesReadAtEveryStep(plan), "batch")}),`,
        ]
      : []),
    `};`,
    `decoderStates.add(state);`,
    `return state;`,
    `}`,
    ``,
    `/** One step of the decoder from \`state\`, reading \`previous\` as ${commentText(target)}[t-1]: its prediction at that step, [B][${K}]. */`,
    `function decodeStepPass(w: Workspace, params: Parameters, state: DecoderState, previous: Int32Array): ${float} {`,
    `const { B } = state;`,
    `state.values[${quote(target)}].set(previous, ${product(yNode.pre - 1, "B")});`,
    ...links.map(([name, l]) => `w.arrays.${l.value}.set(state.sources[${quote(name)}]);`),
    ...everyStep.map(([name, l]) => `w.arrays.${l.value}.set(state.everyStep[${quote(name)}]);`),
    // The step's own target is not read at that step: it only becomes the next step's history, which `previous` sets.
    `decodeSequence${index}(w, params, { T: 1, B, lengths: undefined, inputs: {}, targets: { ${quote(target)}: new Int32Array(B).fill(-1) }${stepMasks}${everyStep.length > 0 ? ", sourceSteps: state.sourceSteps" : ""} }, state);`,
    `return w.arrays.${prediction.buffer}.subarray(${product(prediction.pre, "B", K)}, ${product(prediction.pre + 1, "B", K)});`,
    `}`,
    ``,
    ...emitSelectRows(decoding, float),
  ];
}

/** A DecoderState's examples taken again at given rows (a beam search keeps, reorders and repeats its hypotheses). */
function emitSelectRows({ plan }: Decoding, float: string): string[] {
  const carried = [...plan.sourceNode].filter(([, id]) => plan.nodes[id]!.pre > 0);
  const take = (field: string, name: string, blocks: number) =>
    `${quote(name)}: gatherRows(state.${field}[${quote(name)}], B, rows, ${blocks})`;
  const everyStep = everyStepRead(plan);
  const read = sequencesReadAtEveryStep(plan);
  return [
    `/** \`from\`, [blocks][B][width], with each block's rows taken at \`rows\`, in their order. */`,
    `function gatherRows<A extends ${float} | Int32Array>(from: A, B: number, rows: Int32Array, blocks: number): A {`,
    `const width = from.length / (blocks * B);`,
    `const out = new (from.constructor as new (length: number) => A)(blocks * rows.length * width);`,
    `for (let k = 0; k < blocks; k++)`,
    `for (let r = 0; r < rows.length; r++) {`,
    `const at = (k * B + rows[r]!) * width;`,
    `out.set(from.subarray(at, at + width), (k * rows.length + r) * width);`,
    `}`,
    `return out;`,
    `}`,
    ``,
    `/** A new state whose example r is \`state\`'s example rows[r]. */`,
    `function selectRowsPass(state: DecoderState, rows: Int32Array): DecoderState {`,
    `const { B } = state;`,
    `const selected: DecoderState = {`,
    `B: rows.length,`,
    `fresh: state.fresh,`,
    `values: Object.freeze({ ${carried.map(([name, id]) => take("values", name, plan.nodes[id]!.pre)).join(", ")} }),`,
    `sources: Object.freeze({ ${[...plan.links.keys()].map((name) => take("sources", name, 1)).join(", ")} }),`,
    ...(everyStep.length > 0
      ? [
          `everyStep: Object.freeze({ ${everyStep.map(([name]) => take("everyStep", name, 1)).join(", ")} }),`,
          `sourceSteps: Object.freeze({ ${read.map((sequence) => `${quote(sequence)}: { T: state.sourceSteps[${quote(sequence)}].T, lengths: gatherRows(state.sourceSteps[${quote(sequence)}].lengths, B, rows, 1) }`).join(", ")} }),`,
        ]
      : []),
    `};`,
    `decoderStates.add(selected);`,
    `return selected;`,
    `}`,
    ``,
  ];
}

/** The Model's decoding methods: encode, one step, rows of a state selected, greedy decoding of whole outputs. */
export function emitDecodingMethods(sequences: readonly SequencePlan[], decoding: Decoding, float: string): string[] {
  const { plan, index, target } = decoding;
  const K = plan.ir.targets.find((t) => t.name === target)!.size;
  const sources = sequences.slice(0, index);
  const decoder = sequences[index]!.sequence;
  // A source read at every step keeps its steps, which the workspace holds the decoder's reads of; another, one.
  const read = sequencesReadAtEveryStep(plan);
  const stepsOfSource = (sequence: string) =>
    read.includes(sequence) ? `state.sourceSteps[${quote(sequence)}].T` : "1";
  const placeholder = sources.flatMap(({ plan: p, sequence }) =>
    p.ir.inputs.map((i) => {
      const rows = product(stepsOfSource(sequence), "B");
      return `${quote(i.name)}: ${i.encoding === "onehot" ? `new Int32Array(${rows}).fill(-1)` : `new ${float}(${product(rows, i.size)})`}`;
    }),
  );
  const oneStep = `{ ${[...sources.map((s) => `${quote(s.sequence)}: { T: ${stepsOfSource(s.sequence)} }`), `${quote(decoder)}: { T: 1 }`].join(", ")} }`;
  return [
    ``,
    `/** Runs the sources (sequences ${sources.map((s) => commentText(s.sequence)).join(", ")}) of a batch: the decoder's state before its first step. */`,
    `encode(params: Parameters, batch: SourceBatch): DecoderState {`,
    `return this.#core.run(params, { B: batch.B, sequences: { ...batch.sequences, ${quote(decoder)}: { T: 1 } }, inputs: batch.inputs }, (w, p) => encodePass(w, p, batch));`,
    `}`,
    ``,
    `/**`,
    ` * One step of the decoder from \`state\` (from encode), which it advances. \`previous\`: each example's class at the`,
    ` * step before, ${commentText(target)}[t-1] (-1 at the first step: no class). Returns the prediction ${commentText(decoding.prediction)} at this step, [B][${K}] (a view: the next call overwrites it).`,
    ` */`,
    `decodeStep(params: Parameters, state: DecoderState, previous: Int32Array): ${float} {`,
    `if (!decoderStates.has(state)) throw new TypeError("decodeStep: state must be a DecoderState that encode made");`,
    `if (!(previous instanceof Int32Array) || previous.length !== state.B)`,
    `throw new TypeError(\`decodeStep: previous must be an Int32Array of state.B = \${state.B} class ids\`);`,
    `for (const id of previous) if (!(id >= -1 && id < ${K})) throw new RangeError(\`decodeStep: previous holds the class id \${id}, outside [-1, ${K})\`);`,
    `const B = state.B;`,
    `return this.#core.run(params, { B, sequences: ${oneStep}, inputs: { ${placeholder.join(", ")} } }, (w, p) => decodeStepPass(w, p, state, previous));`,
    `}`,
    ``,
    `/**`,
    ` * A new state (\`state\` is left as it is) whose example r is \`state\`'s example rows[r]: a beam search keeps, reorders`,
    ` * and repeats its hypotheses so between steps.`,
    ` */`,
    `selectRows(state: DecoderState, rows: Int32Array): DecoderState {`,
    `if (!decoderStates.has(state)) throw new TypeError("selectRows: state must be a DecoderState that encode made");`,
    `if (!(rows instanceof Int32Array) || rows.length === 0) throw new TypeError("selectRows: rows must be an Int32Array of at least one row");`,
    `for (const r of rows) if (!(r >= 0 && r < state.B)) throw new RangeError(\`selectRows: rows holds \${r}, outside [0, \${state.B})\`);`,
    `return selectRowsPass(state, rows);`,
    `}`,
    ``,
    `/**`,
    ` * Greedy decoding, as \`rnnc translate\` does: each step reads the class the step before scored highest, until that`,
    ` * class is \`stop\` (left out of the output) or after \`maxLength\` steps. One output per example of the batch.`,
    ` */`,
    `decode(params: Parameters, batch: SourceBatch, maxLength: number, stop?: number): Int32Array[] {`,
    `if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(\`decode: maxLength must be a whole number ≥ 1, not \${maxLength}\`);`,
    `const state = this.encode(params, batch);`,
    `const { B } = batch;`,
    `const outputs = Array.from({ length: B }, (): number[] => []);`,
    `const done = new Array<boolean>(B).fill(false);`,
    `const previous = new Int32Array(B).fill(-1);`,
    `for (let step = 0; step < maxLength && done.includes(false); step++) {`,
    `const scores = this.decodeStep(params, state, previous);`,
    `for (let b = 0; b < B; b++) {`,
    `let best = 0;`,
    `for (let k = 1; k < ${K}; k++) if (scores[${product("b", K)} + k]! > scores[${product("b", K)} + best]!) best = k;`,
    `previous[b] = best;`,
    `if (done[b]) continue;`,
    `if (best === stop) done[b] = true;`,
    `else outputs[b]!.push(best);`,
    `}`,
    `}`,
    `return outputs.map((o) => Int32Array.from(o));`,
    `}`,
  ];
}
