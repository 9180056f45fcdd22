/**
 * A character language model's dims from the text it trains on, as `rnnc train --data TEXT`
 * sets them (compiler/cli/model-data.ts, which the page cannot import: it reads files): the
 * one-hot input's dim and the class target's become the number of distinct characters, unless
 * the size is a number written in the model, which must then be large enough.
 */
import type { CheckedModel } from "../../compiler/check/model.js";
import type { DimOverrides } from "../../compiler/check/dims.js";
import { dataRoles } from "../../engine/data/roles.js";
import type { Vocabulary } from "../../engine/data/vocabulary.js";

export interface TextDims {
  dims: DimOverrides;
  /** "V = 35 (35 distinct characters in the pasted text; the file says 65)", one per dim set. */
  notes: string[];
}

export function textDims(model: CheckedModel, vocabulary: Vocabulary, dataName: string): TextDims {
  const roles = dataRoles(model, "text")!;
  const need = vocabulary.entries.length;
  const what = `${need} distinct character${need === 1 ? "" : "s"} in ${dataName}`;
  const input = model.inputs.find((i) => i.name === roles.input)!;
  const target = model.targets.find((t) => t.name === roles.target.name)!;
  const declared = new Set(model.dims.map((d) => d.name));
  const dims: DimOverrides = {};
  const notes: string[] = [];
  for (const [decl, size] of [
    [`input ${input.name} : onehot[${input.size.symbol}]`, input.size],
    [`target ${target.name} : class[${target.size.symbol}]`, target.size],
  ] as const) {
    if (declared.has(size.symbol)) {
      if (dims[size.symbol] === undefined)
        notes.push(`${size.symbol} = ${need} (${what}; the file says ${size.value})`);
      dims[size.symbol] = need;
    } else if (size.value < need)
      throw new Error(`${decl} is ${size.value}: ${dataName} needs ${need} (${what}); declare its size as ${need}`);
  }
  return { dims, notes };
}
