/** Which of a model's inputs and targets a data file fills: a text or JSONL records need one one-hot input and one scored target. */
import { DataError } from "../io/data-error.js";
import type { TargetRole } from "./record-targets.js";

/** A text corpus, JSONL records, the normative JSON, or sentence pairs (engine/data/pairs.ts). */
export type DataFormat = "text" | "jsonl" | "json" | "pairs";

/** The model's roles a text or JSONL file fills: the one-hot input the tokens go to, the target the labels go to. */
export interface DataRoles {
  input: string;
  target: TargetRole;
}

/** The shape of the model as far as roles go; a checked model and an IR both have it. */
export interface RoleShape {
  name: string;
  inputs: readonly { name: string; encoding: "onehot" | "dense" }[];
  targets: readonly { name: string; kind: "class" | "real" }[];
  losses: readonly { target: string; at: "last" | "each"; fn: TargetRole["fn"] }[];
}

export function dataRoles(model: RoleShape, format: Exclude<DataFormat, "pairs">): DataRoles | undefined {
  if (format === "json") return undefined;
  const what =
    format === "text"
      ? "a text corpus trains a language model (of its characters or words)"
      : "JSONL records train a model that reads tokens";
  const need =
    format === "text"
      ? "one one-hot input and a class target scored at each step (loss ... at each)"
      : "one one-hot input and one target with a loss (a class or real target, at last or at each)";
  const onehot = model.inputs.filter((i) => i.encoding === "onehot");
  const target = model.targets.find((t) =>
    model.losses.some((l) => l.target === t.name && (format === "jsonl" || (t.kind === "class" && l.at === "each"))),
  );
  if (model.inputs.length !== 1 || onehot.length !== 1 || !target || model.targets.length !== 1) {
    const has = `${model.inputs.map((i) => `input ${i.name} (${i.encoding})`).join(", ") || "no input"}; ${
      model.targets
        .map(
          (t) =>
            `target ${t.name} (${t.kind}${model.losses
              .filter((l) => l.target === t.name)
              .map((l) => `, at ${l.at}`)
              .join("")})`,
        )
        .join(", ") || "no target"
    }`;
    throw new DataError(`${what}, which needs ${need}; model ${model.name} has ${has}`);
  }
  const loss = model.losses.find((l) => l.target === target.name && (format === "jsonl" || l.at === "each"))!;
  return { input: onehot[0]!.name, target: { name: target.name, kind: target.kind, at: loss.at, fn: loss.fn } };
}
