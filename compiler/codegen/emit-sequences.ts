/**
 * What a module of a model of several sequences (a source and a target of other lengths) has
 * beyond the passes of each sequence (emit-module.ts writes those, each as a model of one): its
 * Batch type, each example's sequences of their own lengths; each sequence's part of a batch as
 * its passes read it; and the passes that run the sequences forward in the order they are
 * computed, and backward in the reverse order, each reading and sending through the link arrays
 * what crosses from one sequence to another (sequence-plans.ts).
 */
import type { IrModel } from "../ir/ir.js";
import { commentText, key, quote } from "./names.js";
import type { CodePlan } from "./plan.js";
import type { SequencePlan } from "./sequence-plans.js";

/** The name and signature of sequence k's forward or backward pass. */
export function sequencePass(direction: "forward" | "backward", k: number): [string, string[]] {
  const parameters = ["w: Workspace", "params: Parameters", `batch: SequenceBatch${k}`];
  return direction === "forward"
    ? [`forwardSequence${k}`, parameters]
    : [`backwardSequence${k}`, [...parameters, "grads: Parameters"]];
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
      `}`,
      ``,
    ]),
  ];
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
    ];
    return `{ ${fields.join(", ")} }`;
  });
  const withLoss = sequences.some(({ plan }) => plan.ir.losses.length > 0);
  const links = [...new Set(sequences.flatMap(({ plan }) => [...plan.links.values()].map((l) => l.adjoint)))];
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
