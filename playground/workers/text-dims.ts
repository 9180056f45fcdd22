/**
 * A character language model's dims from the text it trains on, as `rnnc train --data TEXT`
 * sets them: the one-hot input's dim and the class target's become the number of distinct
 * characters, unless the size is a number written in the model, which must then be large enough.
 */
import type { CheckedModel } from "../../compiler/check/model.js";
import type { DimOverrides } from "../../compiler/check/dims.js";
import { fitDims } from "../../engine/data/fit-dims.js";
import { textNeeds } from "../../engine/data/needs.js";
import { dataRoles } from "../../engine/data/roles.js";
import type { Vocabulary } from "../../engine/data/vocabulary.js";

export interface TextDims {
  dims: DimOverrides;
  /** "V = 35 (35 distinct characters in the pasted text; the file says 65)", one per dim set. */
  notes: string[];
}

export function textDims(model: CheckedModel, vocabulary: Vocabulary, dataName: string): TextDims {
  const notes: string[] = [];
  const dims = fitDims(model, textNeeds(vocabulary, dataRoles(model, "text")!), new Set(), dataName, notes);
  return { dims, notes };
}
